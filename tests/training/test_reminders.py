"""The monthly staff training reminder, through the real Celery task and Django's outbox."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail
from django.utils import timezone

from audit.models import AuditEvent, Event
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE
from organisations.models import Membership, Organisation
from organisations.roles import Role
from tests.factories import MembershipFactory, RegisteredOrganisationFactory, staff_member_build
from training.tasks import send_training_reminders

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def first_of_june():
    with time_machine.travel(dt.datetime(2026, 6, 1, 8, 0, tzinfo=LONDON), tick=False):
        yield


def test_administrators_get_who_is_due_once_a_month(organisation, administrator, member):
    staff_member_build(organisation, "Ann Lapsing", trained_on=dt.date(2025, 6, 20))
    staff_member_build(organisation, "Bob Lapsed", trained_on=dt.date(2025, 5, 1))
    staff_member_build(organisation, "Cat Never")
    staff_member_build(organisation, "Dan Fine", trained_on=dt.date(2026, 3, 1))
    staff_member_build(organisation, "Eve Left", leaving_date=dt.date(2026, 1, 1))
    suspended = MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email="suspended@care.example"
    )
    Membership.objects.filter(pk=suspended.pk).update(suspended_at=timezone.now())

    result = send_training_reminders.apply().get()
    assert (result["sent"], result["emails"]) == (1, 1)
    (email,) = mail.outbox
    assert email.to == [administrator.email]  # not the member, not the suspended administrator
    assert "Ann Lapsing: last trained 20 June 2025, counts until 20 June 2026" in email.body
    assert "Bob Lapsed: last trained 1 May 2025" in email.body
    assert "- Cat Never" in email.body
    assert "Dan Fine" not in email.body
    assert "Eve Left" not in email.body
    assert "2 of 4 people (50 %) trained in the last 12 months" in email.body
    (event,) = AuditEvent.objects.filter(event=Event.TRAINING_REMINDER_SENT)
    assert event.detail.startswith("2026-06: 3 people listed")

    # A rerun the same month sends nothing again.
    again = send_training_reminders.apply().get()
    assert (again["sent"], again["already_sent"]) == (0, 1)
    assert len(mail.outbox) == 1
    # Next month it is due again.
    with time_machine.travel(dt.datetime(2026, 7, 1, 8, 0, tzinfo=LONDON), tick=False):
        assert send_training_reminders.apply().get()["sent"] == 1
    assert len(mail.outbox) == 2


def test_nothing_for_suspended_organisations_or_when_nobody_is_due(
    organisation, administrator, other_organisation, outsider
):
    staff_member_build(organisation, "Cat Never")
    Organisation.objects.filter(pk=organisation.pk).update(suspended_at=timezone.now())
    staff_member_build(other_organisation, "All Good", trained_on=dt.date(2026, 3, 1))
    result = send_training_reminders.apply().get()
    assert result["sent"] == 0
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(event=Event.TRAINING_REMINDER_SENT).exists()


def test_a_failed_send_is_not_recorded_and_is_tried_again(
    organisation, administrator, settings, monkeypatch
):
    staff_member_build(organisation, "Cat Never")

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    result = send_training_reminders.apply().get()
    assert result["sent"] == 0
    assert result["errors"]
    assert not AuditEvent.objects.filter(event=Event.TRAINING_REMINDER_SENT).exists()
    monkeypatch.undo()
    assert send_training_reminders.apply().get()["sent"] == 1
    assert len(mail.outbox) == 1


def test_scheduled_on_the_first_of_the_month_in_the_morning():
    entry = CELERY_BEAT_SCHEDULE["send-training-reminders"]
    assert entry["task"] == send_training_reminders.name == "training.send_reminders"
    assert entry["schedule"] == crontab(day_of_month=1, hour=8, minute=0)


def test_an_organisation_without_administrators_is_skipped():
    lonely = RegisteredOrganisationFactory(ods_code="VLN01")
    MembershipFactory(organisation=lonely, role=Role.MEMBER)
    staff_member_build(lonely, "Cat Never")
    assert send_training_reminders.apply().get()["checked"] == 0
    assert mail.outbox == []
