"""Help beside each evidence item (example answer, policy templates, further guidance), the answer
format check on 1.1.1, and the public policy templates Help page."""

from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.urls import reverse

from assessments.bank import BankError, parse_bank
from assessments.models import Answer, EvidenceItem, QuestionBank
from assessments.policy_templates import (
    GROUP_TITLES,
    parse_policy_templates,
    policy_templates_load,
)

from ..factories import bank_build, bank_item_change

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
POLICY_TEMPLATES_URL = reverse("help-policy-templates")


@pytest.fixture
def bank():
    bank = bank_build(items_per_section=4)
    EvidenceItem.objects.filter(bank=bank, ref="1.1.1").update(
        text="What is your ICO registration number?",
        answer_format="ico_registration_number",
        example_response="ZB512347",
        example_comment="We renew the fee every May.",
        policy_templates=["data-protection-policy", "a-key-no-longer-listed"],
        guidance_links=[{"title": "ICO: the fee", "url": "https://ico.org.uk/fee/"}],
    )
    return bank


def item_url(bank, ref):
    return reverse("evidence-item", args=[bank.year, ref])


def save(client, bank, ref, **data):
    return client.post(item_url(bank, ref), {"version": 0, "comments": "", **data})


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


# --- The evidence item page --------------------------------------------------------------------


def test_item_page_shows_the_example_the_templates_and_the_guidance_links(client, member, bank):
    client.force_login(member)
    client.post(reverse("assessment-start", args=[bank.year]))
    page = soup(client.get(item_url(bank, "1.1.1")))

    details = page.find("details", id="example-answer")
    assert details.find("summary").get_text(strip=True) == "See an example answer"
    assert "open" not in details.attrs
    text = details.get_text(" ", strip=True)
    assert "ZB512347" in text
    assert "We renew the fee every May." in text

    templates = page.find("h2", string="Policy templates that support this item").find_next("ul")
    links = [(a.get_text(strip=True), a["href"]) for a in templates.find_all("a")]
    # A key the list no longer has is left out rather than failing the page.
    assert links == [
        ("Data protection policy", f"{POLICY_TEMPLATES_URL}#data-protection-policy"),
        (
            "Build this policy in the portal",
            reverse("policy-builder", args=["data-protection-policy"]),
        ),
    ]

    guidance = page.find("h2", string="Further guidance").find_next("ul").find("a")
    assert (guidance.get_text(strip=True), guidance["href"]) == (
        "ICO: the fee",
        "https://ico.org.uk/fee/",
    )


def test_an_item_without_help_shows_none_of_it(client, member, bank):
    client.force_login(member)
    client.post(reverse("assessment-start", args=[bank.year]))
    body = client.get(item_url(bank, "1.1.2")).content.decode()
    assert "See an example answer" not in body
    assert "Policy templates that support this item" not in body
    assert "Further guidance" not in body


def test_a_viewer_sees_the_help_too(client, viewer, bank, assessment):
    client.force_login(viewer)
    body = client.get(item_url(bank, "1.1.1")).content.decode()
    assert "See an example answer" in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("hello world", "Enter your ICO registration number, like ZA046070"),
        ("ZA04607", "Enter your ICO registration number, like ZA046070"),
        ("exempt", "Say why your organisation does not need to register with the ICO"),
        ("", "Enter your ICO registration number, or write Exempt and say why"),
    ],
)
def test_ico_number_in_the_wrong_format_is_refused_and_kept(client, member, bank, typed, message):
    client.force_login(member)
    response = save(client, bank, "1.1.1", text=typed, comments="Our certificate is in the office")
    assert response.status_code == 400
    page = soup(response)
    summary = page.find(class_="nhsuk-error-summary")
    assert message in summary.get_text(" ", strip=True)
    field = page.find("input", attrs={"name": "text"})
    assert field.get("value", "") == typed
    assert "nhsuk-input--error" in field["class"]
    comments = page.find("textarea", attrs={"name": "comments"}).get_text(strip=True)
    assert comments == "Our certificate is in the office"
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("za 046 070", "ZA046070"),
        ("ZA046070", "ZA046070"),
        (
            "Exempt - a small charity with no staff records",
            "Exempt: a small charity with no staff records",
        ),
    ],
)
def test_ico_number_is_stored_normalised(client, member, bank, typed, stored):
    client.force_login(member)
    assert save(client, bank, "1.1.1", text=typed).status_code == 302
    assert Answer.objects.get(item__ref="1.1.1").text == stored
    # The saved answer shows in the field and saves again unchanged.
    page = soup(client.get(item_url(bank, "1.1.1")))
    assert page.find("input", attrs={"name": "text"})["value"] == stored
    assert save(client, bank, "1.1.1", text=stored, version=1).status_code == 302
    assert Answer.objects.get(item__ref="1.1.1").text == stored


def test_items_without_a_format_take_any_text(client, member, bank):
    bank_item_change(bank, "1.1.1", answer_format="")
    client.force_login(member)
    assert save(client, bank, "1.1.1", text="hello world").status_code == 302
    assert Answer.objects.get(item__ref="1.1.1").text == "hello world"


def test_the_loaded_bank_carries_the_help_to_the_page(client, member, organisation):
    call_command("load_question_bank", str(FIXTURES / "question-bank-2025-26.yaml"), stdout=None)
    item = EvidenceItem.objects.get(bank__year="2025-26", ref="1.1.1")
    assert item.answer_format == "ico_registration_number"
    assert item.guidance_links[0]["url"].startswith("https://")
    approaching = EvidenceItem.objects.filter(bank__year="2025-26", level="approaching")
    assert approaching.exclude(example_response="").count() == approaching.count() == 25

    client.force_login(member)
    client.post(reverse("assessment-start", args=["2025-26"]))
    page = soup(client.get(reverse("evidence-item", args=["2025-26", "1.3.1"])))
    assert page.find("details", id="example-answer")
    templates = page.find("h2", string="Policy templates that support this item").find_next("ul")
    assert "Data protection policy" in templates.get_text()
    response = client.post(
        reverse("evidence-item", args=["2025-26", "1.1.1"]),
        {"version": 0, "text": "hello world", "comments": ""},
    )
    assert response.status_code == 400


# --- The policy templates list -------------------------------------------------------------------


def test_the_project_list_loads_and_agrees_with_the_bank():
    templates = policy_templates_load()
    assert [group for group, _, entries in templates.groups() if entries] == list(GROUP_TITLES)
    bank = parse_bank((FIXTURES / "question-bank-2025-26.yaml").read_text(), source_name="2025-26")
    items = {item.ref: item for item in bank.items}
    for template in templates.templates:
        for ref in template.items:
            # Every item a template serves is in the bank and names the template back.
            assert template.key in items[ref].policy_templates, (template.key, ref)


def _template(**fields):
    return {
        "key": "data-protection-policy",
        "title": "Data protection policy",
        "group": "approaching-required",
        "purpose": "What we do with personal information.",
        "items": ["1.3.1"],
        **fields,
    }


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([_template(group="required")], "unknown group 'required'"),
        ([_template(key="Data Protection")], "key 'Data Protection' must be a short lower-case"),
        ([_template(), _template()], "template data-protection-policy: duplicate key"),
        ([_template(items=[])], "items must list the evidence items it supports"),
        ([_template(items=[1.3])], "item 1.3 is not a ref in quotes"),
        ([_template(items=["1.3.1", "1.3.1"])], "item 1.3.1 is listed twice"),
        ([_template(title="")], "missing title"),
        ([_template(purpose=None)], "missing purpose"),
        ([_template(download="x.docx")], "unknown field 'download'"),
        (["data-protection-policy"], "template #1: must be a mapping"),
    ],
)
def test_a_wrong_policy_templates_list_is_refused(entries, expected):
    with pytest.raises(BankError) as caught:
        parse_policy_templates(yaml.safe_dump({"templates": entries}), source_name="t.yaml")
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_an_empty_list_is_refused():
    with pytest.raises(BankError, match="a list of templates"):
        parse_policy_templates("templates: []\n", source_name="t.yaml")


# --- The Help page -----------------------------------------------------------------------------


def _entry(page, key):
    return page.find(id=key).find_parent(class_="nhsuk-card")


def _item_links(entry):
    """The entry's links to evidence items (not the policy builder's link, shown to those who
    may add evidence)."""
    builder = reverse("policy-list")
    return [a for a in entry.find_all("a") if not a["href"].startswith(builder)]


def test_help_page_lists_the_three_groups_with_plain_refs_when_signed_out(client, bank):
    response = client.get(POLICY_TEMPLATES_URL)
    assert response.status_code == 200
    page = soup(response)
    headings = [h.get_text(strip=True) for h in page.find_all("h2")]
    for title in GROUP_TITLES.values():
        assert title in headings
    entry = _entry(page, "data-protection-policy")
    assert "Data protection policy" in entry.get_text()
    assert "1.3.1" in entry.get_text()
    assert entry.find_all("a") == []  # nobody to link the items for
    assert "download" not in response.content.decode().lower()


def test_help_page_links_items_for_a_member_whose_assessment_is_started(
    client, member, organisation
):
    call_command("load_question_bank", str(FIXTURES / "question-bank-2025-26.yaml"), stdout=None)
    client.force_login(member)
    page = soup(client.get(POLICY_TEMPLATES_URL))
    assert _item_links(_entry(page, "privacy-notice")) == []  # not started yet
    hrefs = [a["href"] for a in _entry(page, "privacy-notice").find_all("a")]
    assert hrefs == [reverse("policy-builder", args=["privacy-notice"])]

    client.post(reverse("assessment-start", args=["2025-26"]))
    page = soup(client.get(POLICY_TEMPLATES_URL))
    link = _item_links(_entry(page, "privacy-notice"))[0]
    assert link["href"] == reverse("evidence-item", args=["2025-26", "1.1.3"])
    assert link.get_text(" ", strip=True).startswith("1.1.3 Has your organisation published")


def test_help_page_never_links_another_organisations_assessment(
    client, outsider, organisation, bank, assessment
):
    # Langdale House started its assessment; the outsider's organisation has not.
    client.force_login(outsider)
    page = soup(client.get(POLICY_TEMPLATES_URL))
    assert _item_links(_entry(page, "data-protection-policy")) == []


def test_help_page_without_a_bank_still_lists_the_templates(client, db):
    assert not QuestionBank.objects.exists()
    page = soup(client.get(POLICY_TEMPLATES_URL))
    assert "1.3.1" in _entry(page, "data-protection-policy").get_text()
