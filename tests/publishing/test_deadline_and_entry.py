"""The assessment page's Publish entry point, and what the pages say before, on and after the
publication deadline."""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.vocabulary import format_date
from organisations.models import Organisation
from publishing.presenters import deadline_notice

from ..factories import answer_items, bank_build, publication_build
from ..publication_facts import BANKS_2025, MET_2024, MET_2025, D, at, own

# --- The notice, as a table -----------------------------------------------------------------------

APPROACHING_2023 = own("2023-24", "approaching", at(2024, 3, 1))


@pytest.mark.parametrize(
    ("today", "latest", "passed", "this_year", "last_status", "out_of_date_from"),
    [
        # Before the deadline and on the day itself, it is still to come.
        (D(2026, 6, 29), None, False, False, "", None),
        (D(2026, 6, 30), None, False, False, "", None),
        (D(2026, 6, 30), MET_2024, False, False, "24/25 Standards Met", None),
        # The day after: last year's status is out of date from that day.
        (D(2026, 7, 1), MET_2024, True, False, "24/25 Standards Met", D(2026, 7, 1)),
        (D(2026, 11, 29), MET_2024, True, False, "24/25 Standards Met", D(2026, 7, 1)),
        # An older status went out of date at the deadline after its own year's.
        (
            D(2026, 7, 1),
            APPROACHING_2023,
            True,
            False,
            "23/24 Approaching Standards",
            D(2025, 7, 1),
        ),
        # Nothing published: nothing to go out of date.
        (D(2026, 7, 1), None, True, False, "", None),
        # Published for this year: the deadline does not touch the status.
        (D(2026, 7, 1), MET_2025, True, True, "25/26 Standards Met", None),
    ],
)
def test_deadline_notice(today, latest, passed, this_year, last_status, out_of_date_from):
    notice = deadline_notice(year="2025-26", deadlines=BANKS_2025, today=today, latest=latest)
    assert notice.passed is passed
    assert notice.published_this_year is this_year
    assert notice.last_status == last_status
    assert notice.out_of_date_from == out_of_date_from
    assert notice.deadline_text == "30 June 2026"
    assert notice.out_of_date_from_text == (
        format_date(out_of_date_from) if out_of_date_from else ""
    )


# --- The pages -----------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(
        BeautifulSoup(response.content.decode(), "html.parser").main.get_text(" ").split()
    )


def _bank_due(offset_days: int):
    """This year's bank whose deadline is `offset_days` from today (negative: passed)."""
    deadline = timezone.localdate() + datetime.timedelta(days=offset_days)
    return bank_build(year="2025-26", deadline=deadline), deadline


PAGES = {
    "dashboard": lambda bank: reverse("home"),
    "assessment": lambda bank: reverse("assessment-overview", args=[bank.year]),
    "publish": lambda bank: reverse("publish-start"),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("offset", [1, 0])
def test_before_and_on_the_deadline_day_it_is_still_to_come(
    client, administrator, organisation, page, offset
):
    bank, deadline = _bank_due(offset)
    assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    client.force_login(administrator)
    text = text_of(client.get(PAGES[page](bank)))
    assert f"Publish by {format_date(deadline)}." in text
    assert "has passed" not in text


@pytest.mark.parametrize("page", PAGES)
def test_after_the_deadline_last_years_status_is_out_of_date(
    client, administrator, organisation, page
):
    bank, deadline = _bank_due(-1)
    last_year = bank_build(year="2024-25", deadline=deadline - datetime.timedelta(days=365))
    publication_build(organisation, last_year, level="met")
    assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    client.force_login(administrator)
    text = text_of(client.get(PAGES[page](bank)))
    assert "Publish by" not in text
    assert (
        f"The deadline to publish for 2025-26 was {format_date(deadline)} and has passed." in text
    )
    today = format_date(timezone.localdate())
    assert f"Your last published status, 24/25 Standards Met, is Out of date from {today}" in text
    assert "You can still publish" in text


def test_after_the_deadline_without_any_publication(client, member, organisation):
    _, deadline = _bank_due(-1)
    client.force_login(member)
    text = text_of(client.get(reverse("home")))
    assert (
        f"The deadline to publish for 2025-26 was {format_date(deadline)} and has passed." in text
    )
    assert "You have not published yet" in text
    assert "Out of date from" not in text


def test_after_the_deadline_having_published_this_year(client, member, organisation):
    bank, deadline = _bank_due(-1)
    publication_build(organisation, bank, level="met")
    client.force_login(member)
    text = text_of(client.get(reverse("home")))
    assert f"The deadline to publish for 2025-26 was {format_date(deadline)}." in text
    assert "Your status, 25/26 Standards Met, is current." in text
    assert "has passed" not in text


def test_an_hq_publication_does_not_speak_for_a_registered_organisation(
    client, member, organisation
):
    bank, _ = _bank_due(-1)
    hq = Organisation.objects.create(
        ods_code="AB12", name="Example Care Group", kind=Organisation.Kind.HEADQUARTERS
    )
    publication_build(hq, bank, level="met", sites=[organisation])
    client.force_login(member)
    text = text_of(client.get(reverse("home")))
    assert "You have not published yet" in text  # coverage.deciding_publication decides


# --- The Publish entry point on the assessment page ---------------------------------------------


def overview(client, bank):
    response = client.get(reverse("assessment-overview", args=[bank.year]))
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def test_an_administrator_sees_publish_and_why_it_cannot_be_published_yet(
    client, administrator, assessment, bank
):
    client.force_login(administrator)
    page = overview(client, bank)
    button = page.find("a", string="Publish assessment")
    assert button["href"] == reverse("publish-start")
    summary = page.find(class_="nhsuk-error-summary")
    assert summary.find(class_="nhsuk-error-summary__heading").get_text() == "There is a problem"
    plan, *links = summary.find_all("a")
    assert plan["href"] == reverse("action-plan")
    assert plan.get_text(strip=True).startswith("The action plan needs an action")
    # Five items one by one, then the rest in one link to the items left to do.
    assert [a["href"] for a in links[:5]] == [
        reverse("evidence-item", args=[bank.year, ref])
        for ref in ("1.1.1", "1.1.2", "2.1.1", "2.1.2", "3.1.1")
    ]
    assert links[5].get_text(strip=True) == "and 3 more items to complete"
    assert links[5]["href"] == reverse("assessment-overview", args=[bank.year]) + "?show=todo"
    # The same reasons, in the same words, as the publish page.
    publish_page = client.get(reverse("publish-start")).content.decode()
    for link in links[:5]:
        assert link.get_text(strip=True) in publish_page


def test_a_member_sees_the_problems_but_no_publish_button(client, member, assessment, bank):
    client.force_login(member)
    page = overview(client, bank)
    assert page.find("a", string="Publish assessment") is None
    assert page.find(class_="nhsuk-error-summary") is not None
    assert "an administrator of Langdale House can publish it" in page.get_text()


def test_a_ready_assessment_has_no_problem_summary(client, administrator, assessment, bank):
    answer_items(assessment, administrator)
    client.force_login(administrator)
    page = overview(client, bank)
    assert page.find(class_="nhsuk-error-summary") is None
    assert page.find("a", string="Publish assessment") is not None


def test_a_ready_assessment_tells_a_member_an_administrator_publishes(
    client, member, administrator, assessment, bank
):
    answer_items(assessment, administrator)
    client.force_login(member)
    assert "This assessment is ready to publish" in overview(client, bank).get_text()


def test_an_hq_assessment_says_it_publishes_for_branches(
    client, administrator, organisation, assessment, bank
):
    organisation.kind = Organisation.Kind.HEADQUARTERS
    organisation.save(update_fields=["kind"])
    client.force_login(administrator)
    page = overview(client, bank)
    text = " ".join(page.get_text(" ").split())
    assert "This is an HQ assessment. Publishing this will publish for selected branches." in text
    link = page.find("a", string="View branches")
    assert link["href"] == reverse("profile") + "#branches"
    profile = BeautifulSoup(client.get(reverse("profile")).content.decode(), "html.parser")
    assert profile.find(id="branches").get_text() == "Branches"


def test_a_site_assessment_does_not_mention_branches(client, administrator, assessment, bank):
    client.force_login(administrator)
    assert "View branches" not in overview(client, bank).get_text()


def test_last_years_assessment_has_no_publish_entry_point(
    client, administrator, organisation, assessment, bank
):
    last_year = bank_build(year="2024-25")
    assessment_services.assessment_get_or_create(organisation=organisation, bank=last_year)
    client.force_login(administrator)
    page = overview(client, last_year)
    assert page.find(id="publish") is None
    assert page.find("a", string="Publish assessment") is None
    assert overview(client, bank).find(id="publish") is not None
