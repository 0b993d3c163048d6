"""Sending reportable incidents to the regulator's address: the state machine through the real
task (in-process), retries, failure, "Try again", no address set, and stuck ones recovered."""

from __future__ import annotations

import datetime as dt
import json
import smtplib

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from audit.services import Actor
from incidents import notify, services, tasks
from incidents.models import Incident, IncidentNotification
from organisations.models import Membership

from ..factories import incident_draft, incident_reported

pytestmark = pytest.mark.django_db

ACTOR = Actor(ip_address="192.0.2.1", user_agent="Test browser")
REGULATOR = "breach-intake@regulator.example"
State = IncidentNotification.State


@pytest.fixture
def destination(settings):
    settings.DSPT_INCIDENT_REPORT_EMAIL = REGULATOR
    return REGULATOR


@pytest.fixture
def flaky_mail(monkeypatch):
    """Makes the next `failures` sends raise, like a mail server that is down for a while."""
    state = {"failures": 0, "calls": 0}
    real_send = EmailMessage.send

    def send(self, fail_silently=False):
        state["calls"] += 1
        if state["failures"] > 0:
            state["failures"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)
    return state


def membership_of(user) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


def queued(incident, **kwargs) -> IncidentNotification:
    """Queues a notification and runs the task, as committing the transaction would."""
    return notify.notification_queue(incident=incident, **kwargs)


def test_submitting_a_reportable_incident_sends_it_once_committed(
    member, organisation, destination, django_capture_on_commit_callbacks
):
    draft = incident_draft(organisation, member)
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.incident_submit(
            incident=draft,
            expected_version=draft.version,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    notification = IncidentNotification.objects.get(incident=incident)
    assert notification.state == State.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert [entry["outcome"] for entry in notification.history] == ["sent"]
    [email] = mail.outbox
    assert email.to == [REGULATOR]
    assert incident.reference in email.subject
    assert "New report" in email.subject
    assert "Reportable to the ICO" in email.body
    assert "An unencrypted laptop with care records was left on a train" in email.body
    [(name, content, content_type)] = email.attachments
    assert name.endswith(".json")
    assert content_type == "application/json"
    payload = json.loads(content)
    assert payload["schema"] == "dspt-incident-notification/1"
    assert payload["sent_for"] == "report"
    assert payload["first_notification"] is True
    assert payload["incident"]["reference"] == incident.reference
    assert payload["incident"]["records"] == 40
    assert payload["incident"]["verdict"]["value"] == "ico"
    assert payload["organisation"]["ods_code"] == organisation.ods_code
    events = set(AuditEvent.objects.values_list("event", flat=True))
    assert {Event.INCIDENT_NOTICE_QUEUED, Event.INCIDENT_NOTICE_SENT} <= events


def test_a_near_miss_is_not_sent(
    member, organisation, destination, django_capture_on_commit_callbacks
):
    draft = incident_draft(organisation, member, likelihood=1, severity=3)
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_submit(
            incident=draft,
            expected_version=draft.version,
            late_reason="",
            membership=membership_of(member),
            actor=ACTOR,
        )
    assert not IncidentNotification.objects.exists()
    assert mail.outbox == []


def test_a_failed_send_is_retried_and_then_sent(
    organisation, member, destination, flaky_mail, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member)
    flaky_mail["failures"] = 2
    with django_capture_on_commit_callbacks(execute=True):
        notification = queued(incident)
    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert notification.attempts == 3
    assert [entry["outcome"] for entry in notification.history] == ["error", "error", "sent"]
    assert "SMTPServerDisconnected" in notification.history[0]["error"]
    assert notification.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_retry_it_is_failed_with_the_error(
    organisation, member, destination, flaky_mail, django_capture_on_commit_callbacks
):
    incident = incident_reported(organisation, member)
    flaky_mail["failures"] = 100
    with django_capture_on_commit_callbacks(execute=True):
        notification = queued(incident)
    notification.refresh_from_db()
    assert notification.state == State.FAILED
    assert notification.attempts == tasks.MAX_RETRIES + 1
    assert "Connection unexpectedly closed" in notification.last_error
    assert mail.outbox == []
    assert AuditEvent.objects.filter(event=Event.INCIDENT_NOTICE_FAILED).count() == 1


def test_the_incident_page_shows_each_state(client, organisation, member, destination):
    incident = incident_reported(organisation, member)
    now = timezone.now()
    rows = {
        State.SENT: IncidentNotification(sent_at=now),
        State.PENDING: IncidentNotification(),
        State.FAILED: IncidentNotification(last_error="SMTPServerDisconnected: gone"),
    }
    client.force_login(member)
    url = reverse("incident-detail", args=[incident.pk])
    for state, row in rows.items():
        IncidentNotification.objects.all().delete()
        row.incident, row.state, row.destination = incident, state, REGULATOR
        row.save()
        page = client.get(url).content.decode()
        if state == State.SENT:
            assert "Sent on " in page
        elif state == State.PENDING:
            assert ">Sending<" in page
            assert "Try again" not in page
        else:
            assert "Failed – try again" in page
            assert "What went wrong: SMTPServerDisconnected: gone" in page
            assert reverse("incident-notification-retry", args=[incident.pk, row.pk]) in page


def test_try_again_sends_a_failed_notification_once(
    client, organisation, member, viewer, destination
):
    incident = incident_reported(organisation, member)
    notification = IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state=State.FAILED, last_error="down"
    )
    url = reverse("incident-notification-retry", args=[incident.pk, notification.pk])
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    notification.refresh_from_db()
    assert notification.state == State.FAILED
    client.force_login(member)
    response = client.post(url)
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert len(mail.outbox) == 1
    # Pressing again (a second tab, a double click) sends nothing more.
    client.post(url)
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(event=Event.INCIDENT_NOTICE_RETRIED).count() == 1


def test_try_again_from_a_stale_page_does_not_send_twice(organisation, member, destination):
    incident = incident_reported(organisation, member)
    notification = IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state=State.FAILED
    )
    stale_copy = IncidentNotification.objects.get(pk=notification.pk)
    notify.notification_send_again(
        notification=notification, membership=membership_of(member), actor=ACTOR
    )
    notify.notification_send_again(
        notification=stale_copy, membership=membership_of(member), actor=ACTOR
    )
    assert len(mail.outbox) == 1


def test_with_no_destination_nothing_is_sent_and_the_page_says_so(
    client, organisation, member, settings, django_capture_on_commit_callbacks
):
    settings.DSPT_INCIDENT_REPORT_EMAIL = ""
    incident = incident_reported(organisation, member)
    with django_capture_on_commit_callbacks(execute=True):
        notification = queued(incident)
    notification.refresh_from_db()
    assert notification.state == State.UNCONFIGURED
    assert notification.destination == ""
    assert mail.outbox == []
    client.force_login(member)
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "Not sent: no destination configured" in page
    assert "Sending to the regulator has not been set up" in page
    assert "Send now" not in page
    # "Try again" cannot pretend: it stays not sent.
    notify.notification_send_again(
        notification=notification, membership=membership_of(member), actor=ACTOR
    )
    notification.refresh_from_db()
    assert notification.state == State.UNCONFIGURED
    # Once an address is set, "Send now" sends it there.
    settings.DSPT_INCIDENT_REPORT_EMAIL = REGULATOR
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "Send now" in page
    client.post(reverse("incident-notification-retry", args=[incident.pk, notification.pk]))
    notification.refresh_from_db()
    assert notification.state == State.SENT
    assert mail.outbox[0].to == [REGULATOR]


def test_the_confirmation_page_says_where_it_is_sent(client, organisation, member, settings):
    incident = incident_reported(organisation, member)
    client.force_login(member)
    url = reverse("incident-submitted", args=[incident.pk])
    settings.DSPT_INCIDENT_REPORT_EMAIL = REGULATOR
    page = client.get(url).content.decode()
    assert f"address, {REGULATOR}" in page
    assert "Failed – try again" in page
    settings.DSPT_INCIDENT_REPORT_EMAIL = ""
    page = client.get(url).content.decode()
    assert "has not been set up on this portal, so nothing will be sent" in page


def test_a_notification_stuck_after_a_worker_crash_is_recovered(
    client, organisation, member, destination
):
    incident = incident_reported(organisation, member)
    long_ago = timezone.now() - dt.timedelta(minutes=16)
    stuck = IncidentNotification.objects.create(
        incident=incident,
        destination=REGULATOR,
        state=State.SENDING,
        attempts=1,
        updated_at=long_ago,
    )
    recent = IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state=State.SENDING, updated_at=timezone.now()
    )
    client.force_login(member)
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "Taking too long – try again" in page  # stale: offered before the sweep
    assert tasks.fail_abandoned_incident_notifications() == 1
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.state == State.FAILED
    assert "stopped before it finished" in stuck.last_error
    assert recent.state == State.SENDING
    assert tasks.fail_abandoned_incident_notifications() == 0
    notify.notification_send_again(
        notification=stuck, membership=membership_of(member), actor=ACTOR
    )
    stuck.refresh_from_db()
    assert stuck.state == State.SENT


def test_the_worker_sends_one_left_sending_by_a_crashed_worker(organisation, member, destination):
    """A task redelivered after its worker died finds the row "sending" and sends it."""
    incident = incident_reported(organisation, member)
    notification = IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state=State.SENDING, attempts=1
    )
    assert tasks.send_incident_notification.apply(args=[notification.pk]).get() == State.SENT
    notification.refresh_from_db()
    assert notification.attempts == 2
    # Run again (delivered twice): already sent, nothing more goes.
    assert tasks.send_incident_notification.apply(args=[notification.pk]).get() == State.SENT
    assert len(mail.outbox) == 1


def test_a_failed_one_is_not_sent_by_a_late_task(organisation, member, destination):
    incident = incident_reported(organisation, member)
    notification = IncidentNotification.objects.create(
        incident=incident, destination=REGULATOR, state=State.FAILED
    )
    assert tasks.send_incident_notification.apply(args=[notification.pk]).get() == State.FAILED
    assert mail.outbox == []


def test_another_organisations_notification_is_not_found(
    client, organisation, other_organisation, member, outsider, destination
):
    theirs = incident_reported(other_organisation, outsider)
    notification = IncidentNotification.objects.create(
        incident=theirs, destination=REGULATOR, state=State.FAILED
    )
    ours = incident_reported(organisation, member)
    client.force_login(member)
    for incident_id in (theirs.pk, ours.pk):  # their id, or their notification under our incident
        url = reverse("incident-notification-retry", args=[incident_id, notification.pk])
        assert client.post(url).status_code == 404
    notification.refresh_from_db()
    assert notification.state == State.FAILED
    assert Incident.objects.get(pk=theirs.pk).state == Incident.State.SUBMITTED
