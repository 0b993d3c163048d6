"""The evidence item page for someone moving by field with a screen reader: the question names
the answer's fieldset or field; and after saving, the "saved" banner takes the focus."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from ..factories import bank_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return bank_build(items_per_section=4)


def item_page(client, bank, ref) -> BeautifulSoup:
    response = client.get(reverse("evidence-item", args=[bank.year, ref]))
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def radios_legend(page: BeautifulSoup):
    radio = page.select_one("main form input[type=radio]")
    assert radio is not None, "the page has no radios"
    fieldset = radio.find_parent("fieldset")
    assert fieldset is not None, "the radios are not in a fieldset"
    return fieldset.find("legend")


@pytest.mark.parametrize(
    ("ref", "question"),
    [("1.1.2", "Question 1.2"), ("4.9.8", "Are all your systems supported?")],
)
def test_the_radios_legend_is_the_question(client, member, assessment, bank, ref, question):
    client.force_login(member)
    legend = radios_legend(item_page(client, bank, ref))
    assert question in legend.get_text(" ", strip=True)
    # What is seen stays "Your answer" (the heading above shows the question); the question is
    # there for screen readers, after the visible words so a voice command naming them works.
    assert legend.get_text(" ", strip=True).startswith("Your answer")
    hidden = legend.select_one(".nhsuk-u-visually-hidden")
    assert question in hidden.get_text()


def test_the_answer_fields_label_is_the_question(client, member, assessment, bank):
    client.force_login(member)
    page = item_page(client, bank, "1.1.1")  # a text answer
    textarea = page.select_one("main form textarea[name=text]")
    label = page.find("label", attrs={"for": textarea["id"]})
    assert "Question 1.1" in label.get_text(" ", strip=True)
    assert label.get_text(" ", strip=True).startswith("Your answer")


def test_the_question_is_escaped_in_the_legend(client, member, assessment, bank):
    item = bank.items.get(ref="1.1.2")
    item.text = "Do you <b>check</b> & record?"
    item.save()
    client.force_login(member)
    legend = radios_legend(item_page(client, bank, "1.1.2"))
    assert legend.find("b") is None
    assert "Do you <b>check</b> & record?" in legend.get_text()


def test_saving_lands_on_the_saved_banner_not_a_fragment(client, member, assessment, bank):
    client.force_login(member)
    url = reverse("evidence-item", args=[bank.year, "1.1.1"])
    response = client.post(url, {"version": 0, "text": "Yes, the manager.", "comments": ""})
    overview = reverse("assessment-overview", args=[bank.year])
    # A #item- fragment would move the browser's focus point away from the banner.
    assert response["Location"] == overview
    page = BeautifulSoup(client.get(overview).content, "html.parser")
    banner = page.select_one(".nhsuk-notification-banner--success")
    assert "Your answer to 1.1.1 has been saved." in banner.get_text(" ", strip=True)
    assert banner["role"] == "alert"  # announced, and focused by the NHS.UK banner script
    assert banner["tabindex"] == "-1"
    assert banner["data-module"] == "nhsuk-notification-banner"
