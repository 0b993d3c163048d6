"""The action plan page's messages: each names its requirement, links to that row's own field,
and says "must be a real date" / "must be in the future" as the spreadsheet upload does; the
published plan writes its dates as the rest of the portal does."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from assessments.presenters import item_short_name
from assessments.rules import add_months
from assessments.vocabulary import format_date
from publishing.models import ActionPlanEntry, Publication
from publishing.presenters import published_action_plan

from ..factories import answer_items, bank_item_change
from ..pages import walk_to_summary

OUTSTANDING = ["1.1.3", "2.1.3", "3.1.3", "4.1.3", "4.9.8"]


def summary(response) -> list[tuple[str, str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [(a.get_text(" ", strip=True), a["href"]) for a in soup.select(".nhsuk-error-summary a")]


def date_data(ref: str, day, month, year) -> dict:
    return {f"date_{ref}_0": str(day), f"date_{ref}_1": str(month), f"date_{ref}_2": str(year)}


def row(ref: str, when: datetime.date | None = None) -> dict:
    when = when or timezone.localdate() + datetime.timedelta(days=90)
    return {
        f"action_{ref}": f"Write the policy for {ref}",
        f"person_{ref}": "Registered manager",
        **date_data(ref, when.day, when.month, when.year),
    }


@pytest.fixture
def plan_client(client, administrator, assessment):
    answer_items(assessment, administrator, levels=("approaching",))
    client.force_login(administrator)
    return client


@pytest.mark.django_db
def test_every_error_names_its_requirement_and_links_to_its_own_row(plan_client, assessment):
    response = plan_client.post(reverse("action-plan"), {})
    assert response.status_code == 400
    items = summary(response)
    assert len(items) == 3 * len(OUTSTANDING)
    texts = [text for text, _ in items]
    assert len(set(texts)) == len(texts), "no message repeats"
    assert len({href for _, href in items}) == len(items), "no two links go to the same place"
    soup = BeautifulSoup(response.content, "html.parser")
    rows = {
        fieldset.legend.get_text().split()[0]: fieldset
        for fieldset in soup.select("form fieldset.nhsuk-fieldset")
        if fieldset.legend and "nhsuk-fieldset__legend--s" in fieldset.legend["class"]
    }
    assert sorted(rows) == OUTSTANDING
    for ref in OUTSTANDING:
        name = item_short_name(ref, assessment.bank.items.get(ref=ref).text)
        own = [(text, href) for text, href in items if name in text]
        assert [text for text, _ in own] == [
            f"Enter the action to be taken for {name}",
            f"Enter who is responsible for {name}",
            f"Enter a target date for {name}",
        ]
        for _, href in own:
            assert rows[ref].find(id=href[1:]) is not None, f"{href} is in the row of {ref}"
    assert "Enter a date" not in texts
    assert not ActionPlanEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "month", "year", "message", "marked"),
    [
        pytest.param(
            1,
            2,
            27,
            "The year of the target date for 2.1.3 (Question 2.3) must include 4 numbers",
            ["year"],
            id="short-year",
        ),
        pytest.param(
            31,
            2,
            timezone.localdate().year + 1,
            "The target date for 2.1.3 (Question 2.3) must be a real date",
            ["day", "month", "year"],
            id="no-such-date",
        ),
        pytest.param(
            "",
            3,
            timezone.localdate().year + 1,
            "The target date for 2.1.3 (Question 2.3) must include a day",
            ["day"],
            id="missing-day",
        ),
        pytest.param(
            timezone.localdate().day,
            timezone.localdate().month,
            timezone.localdate().year,
            "The target date for 2.1.3 (Question 2.3) must be in the future",
            ["day", "month", "year"],
            id="today",
        ),
        pytest.param(
            1,
            1,
            2020,
            "The target date for 2.1.3 (Question 2.3) must be in the future",
            ["day", "month", "year"],
            id="past",
        ),
    ],
)
def test_date_problems_name_the_requirement(plan_client, day, month, year, message, marked):
    data = {}
    for ref in OUTSTANDING:
        data |= row(ref)
    data |= date_data("2.1.3", day, month, year)
    response = plan_client.post(reverse("action-plan"), data)
    assert response.status_code == 400
    first = {"day": 0, "month": 1, "year": 2}[marked[0]]
    assert summary(response) == [(message, f"#id_date_2.1.3_{first}")]
    soup = BeautifulSoup(response.content, "html.parser")
    in_error = [
        part
        for index, part in enumerate(("day", "month", "year"))
        if "nhsuk-input--error" in soup.find(id=f"id_date_2.1.3_{index}")["class"]
    ]
    assert in_error == marked
    # The other rows keep what was typed.
    assert soup.find(id="id_person_1.1.3")["value"] == "Registered manager"
    assert not ActionPlanEntry.objects.exists()


@pytest.mark.django_db
def test_a_date_too_far_ahead_says_by_when(plan_client):
    data = {}
    for ref in OUTSTANDING:
        data |= row(ref)
    today = timezone.localdate()
    far = today + datetime.timedelta(days=400)
    data |= date_data("3.1.3", far.day, far.month, far.year)
    response = plan_client.post(reverse("action-plan"), data)
    [(text, href)] = summary(response)
    latest = format_date(add_months(today, 12))
    assert text == (
        f"The target date for 3.1.3 (Question 3.3) must be within the next 12 months (by {latest})"
    )
    assert href == "#id_date_3.1.3_0"


@pytest.mark.django_db
def test_a_percent_sign_in_a_requirement_does_not_break_its_messages(plan_client, assessment):
    bank_item_change(assessment.bank, "1.1.3", text="Are 95% of staff trained?")
    data = {"action_1.1.3": "x" * 2001, **date_data("1.1.3", 1, 2, 27)}
    response = plan_client.post(reverse("action-plan"), data)
    texts = [text for text, _ in summary(response)]
    assert (
        "The action to be taken for 1.1.3 (Are 95% of staff trained?) must be 2,000 characters "
        "or fewer" in texts
    )
    assert (
        "The year of the target date for 1.1.3 (Are 95% of staff trained?) must include 4 numbers"
        in texts
    )
    assert "Enter who is responsible for 1.1.3 (Are 95% of staff trained?)" in texts
    texts = [text for text, _ in summary(plan_client.post(reverse("action-plan"), {}))]
    assert "Enter the action to be taken for 1.1.3 (Are 95% of staff trained?)" in texts
    assert "Enter a target date for 1.1.3 (Are 95% of staff trained?)" in texts


@pytest.mark.django_db
def test_the_responsible_person_is_not_filled_with_the_users_own_name(plan_client):
    soup = BeautifulSoup(plan_client.get(reverse("action-plan")).content, "html.parser")
    assert soup.find(id="id_person_1.1.3")["autocomplete"] == "off"


@pytest.mark.django_db
def test_the_published_plan_writes_dates_as_the_portal_does(plan_client):
    target = timezone.localdate() + datetime.timedelta(days=90)
    data = {}
    for ref in OUTSTANDING:
        data |= row(ref, target)
    assert plan_client.post(reverse("action-plan"), data).status_code == 302
    walk_to_summary(plan_client)
    plan_client.post(reverse("publish-summary"), {"level": "approaching", "sequence": "1"})
    publication = Publication.objects.get()
    page = plan_client.get(publication.get_absolute_url()).content.decode()
    months = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ]  # fmt: skip
    assert f"{target.day} {months[target.month - 1]} {target.year}" in page
    assert target.isoformat() not in page


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2027-03-15", "15 March 2027"),
        ("2027-12-01", "1 December 2027"),
        ("not a date", "not a date"),  # never a 500 for an odd old record
        ("", ""),
    ],
)
def test_published_action_plan_dates(stored, shown):
    [line] = published_action_plan([{"ref": "1.2.3", "target_date": stored}])
    assert line.target_date == shown
    assert line.ref == "1.2.3"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Staff are trained in data security every year", "1.2.3 (Staff are trained in data…)"),
        ("Question 2.3", "1.2.3 (Question 2.3)"),
        ("  Spaces   are\n tidied ", "1.2.3 (Spaces are tidied)"),
        ("", "1.2.3"),
        (
            "Supercalifragilisticexpialidociousnessandmore words",
            "1.2.3 (Supercalifragilisticexpialidoci…)",
        ),
        (
            "Is there a policy, reviewed every year, for this?",
            "1.2.3 (Is there a policy, reviewed…)",
        ),
    ],
)
def test_item_short_name(text, name):
    assert item_short_name("1.2.3", text) == name
