"""Filling 3.2.1 from the register: Yes/the percentage by the 95 % rule, the training report
attached, the history saying where it came from, confirmation before replacing a different
answer, conflicts and closed assessments refused."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Answer, AnswerRevision
from audit.models import AuditEvent, Event
from tests.factories import bank_build, staff_member_build, training_item_add

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")

COMMENT_95 = (
    "19 of 20 people (95 %) trained in the last 12 months as at 1 May 2026, from the portal's "
    "staff training register"
)


@pytest.fixture(autouse=True)
def frozen(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(dt.datetime(2026, 5, 1, 10, 0, tzinfo=LONDON), tick=False):
        yield


def staff(organisation, trained: int, untrained: int) -> None:
    for number in range(trained):
        staff_member_build(organisation, f"Trained {number}", trained_on=dt.date(2026, 1, 5))
    for number in range(untrained):
        staff_member_build(organisation, f"Untrained {number}", trained_on=dt.date(2024, 1, 5))


@pytest.fixture
def item(assessment):
    return training_item_add(assessment.bank)


def fill(client, year="2025-26", **data):
    return client.post(reverse("training-fill", args=[year]), {"version": "0", **data})


def test_95_percent_fills_the_number_with_the_report_attached(
    client, member, organisation, assessment, item
):
    staff(organisation, 19, 1)
    client.force_login(member)
    response = fill(client, back="item")
    assert response["Location"] == reverse("evidence-item", args=["2025-26", "3.2.1"])
    answer = Answer.objects.get(assessment=assessment, item=item)
    assert (answer.number, answer.comments, answer.updated_by) == (Decimal(95), COMMENT_95, member)
    workbook = openpyxl.load_workbook(
        io.BytesIO(answer.library_document.current_version.file.read())
    )
    assert workbook.active["A3"].value == COMMENT_95
    assert (
        answer.library_document.current_version.original_name
        == "staff-training-register-2026-05-01.xlsx"
    )
    assert AuditEvent.objects.filter(event=Event.TRAINING_ANSWER_FILLED).count() == 1
    # The item page shows it met; the history says where it came from, with the file.
    history = client.get(reverse("evidence-history", args=["2025-26", "3.2.1"])).content.decode()
    assert "from the portal&#x27;s staff training register" in history
    assert "staff-training-register-2026-05-01.xlsx" in history
    page = client.get(reverse("evidence-item", args=["2025-26", "3.2.1"])).content.decode()
    assert "Answered – not met" not in page


def test_94_point_something_gives_94_and_is_not_met(client, member, organisation, item):
    staff(organisation, 18, 1)  # 94.7 %
    client.force_login(member)
    assert fill(client).status_code == 302
    answer = Answer.objects.get(item=item)
    assert answer.number == Decimal(94)
    assert answer.comments.startswith("18 of 19 people (94 %)")


@pytest.mark.parametrize(("trained", "choice"), [(19, "yes"), (18, "no")])
def test_a_yes_no_item_gets_yes_only_at_95_percent(
    client, member, organisation, assessment, trained, choice
):
    item = training_item_add(assessment.bank, answer_type="yes_no")
    staff(organisation, trained, 1)
    client.force_login(member)
    assert fill(client).status_code == 302
    assert Answer.objects.get(item=item).choice == choice


def test_a_different_answer_is_replaced_only_after_confirming(
    client, member, administrator, organisation, assessment, item
):
    staff(organisation, 19, 1)
    assessment_services.answer_save(
        assessment=assessment,
        item=item,
        values={"number": Decimal(80), "comments": "Counted by hand"},
        expected_version=0,
        user=administrator,
    )
    client.force_login(member)
    page = fill(client, version="1")
    assert page.status_code == 200
    assert "Replace the answer to 3.2.1?" in page.content.decode()
    assert Answer.objects.get(item=item).number == Decimal(80)  # nothing saved yet
    assert fill(client, version="1", confirm="True").status_code == 302
    answer = Answer.objects.get(item=item)
    assert (answer.number, answer.version) == (Decimal(95), 2)
    assert AnswerRevision.objects.filter(answer=answer).count() == 2  # the old one kept


def test_a_save_elsewhere_since_the_page_was_read_is_a_conflict(
    client, member, administrator, organisation, assessment, item
):
    staff(organisation, 19, 1)
    client.force_login(member)
    assessment_services.answer_save(
        assessment=assessment,
        item=item,
        values={"number": Decimal(80)},
        expected_version=0,
        user=administrator,
    )
    response = fill(client, version="0", confirm="True")
    assert response.status_code == 409
    assert "Someone saved an answer to 3.2.1 after you opened the page" in (
        response.content.decode()
    )
    assert Answer.objects.get(item=item).number == Decimal(80)


def test_an_earlier_years_assessment_is_closed(client, member, organisation, assessment, item):
    later = bank_build(year="2026-27", previous_year="2025-26")
    training_item_add(later)
    staff(organisation, 19, 1)
    client.force_login(member)
    response = fill(client, year="2025-26")
    assert response.status_code == 409
    assert "The 2025-26 assessment is closed" in response.content.decode()
    assert not Answer.objects.exists()


def test_an_assessment_not_started_and_an_empty_register_are_refused(
    client, member, organisation, bank
):
    training_item_add(bank)
    client.force_login(member)
    response = fill(client)
    assert response.status_code == 409
    assert "Start the 2025-26 assessment first" in response.content.decode()
    assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    response = fill(client)
    assert response.status_code == 409
    assert "Add the people who work for you first" in response.content.decode()
    assert not Answer.objects.exists()


def test_viewers_cannot_fill_and_the_button_is_on_the_item_and_list_pages(
    client, member, viewer, organisation, assessment, item
):
    staff(organisation, 1, 0)
    client.force_login(viewer)
    assert fill(client).status_code == 403
    item_page = client.get(reverse("evidence-item", args=["2025-26", "3.2.1"])).content.decode()
    assert "1 of 1 person (100 %) trained" in item_page
    assert "Fill 3.2.1 from the register" not in item_page
    client.force_login(member)
    for url in (reverse("evidence-item", args=["2025-26", "3.2.1"]), reverse("staff-list")):
        assert "Fill 3.2.1 from the register" in client.get(url).content.decode(), url
    needs = client.get(reverse("evidence-item", args=["2025-26", "3.1.1"])).content.decode()
    assert reverse("training-needs-analysis") in needs
    assert not Answer.objects.exists()
