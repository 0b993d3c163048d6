"""The incident log spreadsheet and one incident's PDF (document jobs, made in-process here),
and the reminders to finish a draft."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent, Event
from documents.models import DocumentJob
from incidents import reminders, update_services
from incidents.models import Incident, IncidentReminder
from organisations.models import Membership
from organisations.roles import Role

from ..factories import incident_draft, incident_reported

pytestmark = pytest.mark.django_db


def membership_of(user) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user)


def _file(job: DocumentJob) -> bytes:
    job.refresh_from_db()
    assert job.state == DocumentJob.State.READY, job.error_message
    with job.file.open("rb") as stream:
        return stream.read()


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Document tasks are sent once the request's transaction commits: run them then."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_log_exports_to_a_spreadsheet_with_its_filters(
    client, organisation, member, viewer, run_jobs
):
    incident = incident_reported(
        organisation, member, description='=HYPERLINK("http://evil.example","click")'
    )
    update_services.incident_close(
        incident=incident,
        expected_version=incident.version,
        outcome="Recovered",
        lessons_learned="Encrypt every laptop",
        membership=membership_of(member),
        actor=None,
    )
    incident_reported(organisation, member, breach_category="disclosed-email", likelihood=1)
    incident_draft(organisation, member)
    client.force_login(viewer)  # viewers read, and so may export
    with run_jobs():
        response = client.post(reverse("incident-log-export"), {"status": "closed"})
    job = DocumentJob.objects.get(kind=DocumentJob.Kind.INCIDENT_LOG_XLSX)
    assert response.url == job.get_absolute_url()
    assert job.parameters == {"status": "closed", "year": "", "category": ""}
    sheet = openpyxl.load_workbook(io.BytesIO(_file(job)))["Incident log"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == f"Incident log: {organisation.name} ({organisation.ods_code})"
    assert rows[1][0] == "Status: Closed"
    headers = rows[4]
    data = [dict(zip(headers, row, strict=True)) for row in rows[5:]]
    assert len(data) == 1
    [row] = data
    assert row["Reference"] == incident.reference
    assert row["Status"] == "Closed"
    assert row["Outcome"] == "Recovered"
    assert row["Lessons learned"] == "Encrypt every laptop"
    assert row["Verdict now"] == "Reportable to the ICO"
    assert row["Time from discovery to report"] == "1 hour"
    assert row["Records"] == "40"
    # Typed text that looks like a formula is stored as text, never run.
    cell = sheet.cell(row=6, column=headers.index("What happened") + 1)
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert AuditEvent.objects.filter(event=Event.EXPORT_REQUESTED).count() == 1


def test_the_whole_log_and_asking_again_gives_the_same_job(client, organisation, member, run_jobs):
    incident_reported(organisation, member)
    incident_draft(organisation, member)
    client.force_login(member)
    with run_jobs():
        client.post(reverse("incident-log-export"))
    client.post(reverse("incident-log-export"))
    job = DocumentJob.objects.get()
    sheet = openpyxl.load_workbook(io.BytesIO(_file(job)))["Incident log"]
    references = {row[0].value for row in sheet.iter_rows(min_row=6)}
    assert references == {"Draft", Incident.objects.get(state="submitted").reference}
    # A change to the log makes a new document.
    incident_reported(organisation, member)
    with run_jobs():
        client.post(reverse("incident-log-export"))
    newer = DocumentJob.objects.get()  # the older one is replaced once the new one is ready
    assert newer.pk != job.pk
    sheet = openpyxl.load_workbook(io.BytesIO(_file(newer)))["Incident log"]
    assert len(list(sheet.iter_rows(min_row=6))) == 3


def test_a_bad_filter_is_refused_not_guessed(client, organisation, member):
    client.force_login(member)
    response = client.post(reverse("incident-log-export"), {"category": "made-up"})
    assert response.status_code == 302
    assert response.url == reverse("incident-list")
    assert not DocumentJob.objects.exists()


def test_one_incident_prints_to_a_pdf(client, organisation, member, run_jobs):
    incident = incident_reported(organisation, member)
    update_services.incident_follow_up(
        incident=incident,
        new_facts="The laptop was handed in at a station",
        actions_taken="",
        revised_likelihood=2,
        revised_severity=3,
        membership=membership_of(member),
        actor=None,
    )
    client.force_login(member)
    with run_jobs():
        response = client.post(reverse("incident-pdf", args=[incident.pk]))
    job = DocumentJob.objects.get(kind=DocumentJob.Kind.INCIDENT_PDF)
    assert response.url == job.get_absolute_url()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(_file(job))).pages)
    job.refresh_from_db()
    assert job.file_name == f"incident-{organisation.ods_code}-{incident.reference}.pdf"
    assert incident.reference in text
    assert "An unencrypted laptop with care records was left on a train" in text
    assert "The laptop was handed in at a station" in text
    assert "Not reportable" in text  # the verdict it stands at now
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Incident report (PDF)" in page


# --- Reminders --------------------------------------------------------------------------------


def test_the_person_who_started_a_draft_is_reminded_twice_then_never(organisation, member):
    discovered = timezone.now() - dt.timedelta(hours=48, minutes=5)
    draft = incident_draft(organisation, member, discovered_at=discovered)
    incident_draft(organisation, member, discovered_at=timezone.now() - dt.timedelta(hours=47))
    run = reminders.reminders_send()
    assert run.sent == {"hours_48": 1, "hours_66": 0}
    [email] = mail.outbox
    assert email.to == [member.email]
    assert "to report an incident" in email.subject
    assert reverse("incident-check", args=[draft.pk]) in email.body
    assert reminders.reminders_send().sent == {"hours_48": 0, "hours_66": 0}  # never twice
    later = discovered + dt.timedelta(hours=66, minutes=1)
    # By then the other draft (47 hours then) is past 48 hours: its first reminder goes too.
    assert reminders.reminders_send(now=later).sent == {"hours_48": 1, "hours_66": 1}
    assert reminders.reminders_send(now=later).sent == {"hours_48": 0, "hours_66": 0}
    assert len(mail.outbox) == 3
    assert set(draft.reminders.values_list("kind", flat=True)) == {"hours_48", "hours_66"}
    assert AuditEvent.objects.filter(event=Event.INCIDENT_REMINDER_SENT).count() == 3


def test_no_reminder_for_a_submitted_report_or_someone_who_left(organisation, member):
    discovered = timezone.now() - dt.timedelta(hours=50)
    incident_reported(organisation, member, discovered_at=discovered)
    draft = incident_draft(organisation, member, discovered_at=discovered)
    Membership.objects.filter(user=member).update(role=Role.VIEWER)
    assert reminders.reminders_send().sent == {"hours_48": 0, "hours_66": 0}
    Membership.objects.filter(user=member).delete()
    assert reminders.reminders_send().sent == {"hours_48": 0, "hours_66": 0}
    assert mail.outbox == []
    assert not IncidentReminder.objects.filter(incident=draft).exists()


def test_no_reminder_while_the_registration_is_suspended(organisation, member):
    incident_draft(organisation, member, discovered_at=timezone.now() - dt.timedelta(hours=50))
    Membership.objects.filter(user=member).update(suspended_at=timezone.now())
    assert reminders.reminders_send().sent == {"hours_48": 0, "hours_66": 0}
    Membership.objects.filter(user=member).update(suspended_at=None)  # reinstated
    assert reminders.reminders_send().sent == {"hours_48": 1, "hours_66": 0}


def test_a_failed_reminder_is_tried_again_next_run(organisation, member, monkeypatch):
    from django.core.mail import EmailMessage

    incident_draft(organisation, member, discovered_at=timezone.now() - dt.timedelta(hours=49))

    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        run = reminders.reminders_send()
    assert run.errors
    assert not IncidentReminder.objects.exists()
    assert reminders.reminders_send().sent["hours_48"] == 1
