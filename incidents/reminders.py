"""Reminder emails to finish a draft incident report, 48 and 66 hours after discovery.

Who is due what is the pure rule `incidents.reminder_rules.reminder_due`; this module reads the
drafts it needs and sends. Run every 10 minutes by the beat task `incidents.send_reminders`.

Sent once, like the publication reminders (publishing/reminders.py): the IncidentReminder row is
inserted, then the email sent, inside one transaction. A second run at the same moment waits on
the unique constraint and skips the draft; a failed send rolls the row back, so the next run
tries again. The reminder goes to the person who started the draft while they are still one of
the organisation's people who may report incidents.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from audit.services import audit_record
from organisations.models import Membership
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import reminder_rules, rules
from .models import Incident, IncidentReminder
from .presenters import when

logger = logging.getLogger(__name__)


@dataclass
class ReminderRun:
    now: dt.datetime
    checked: int = 0
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(reminder_rules.KINDS, 0))
    skipped: int = 0  # another run sent it first
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "now": self.now.isoformat(),
            "checked": self.checked,
            "sent": dict(self.sent),
            "skipped": self.skipped,
            "errors": list(self.errors),
        }


def _may_report(incident: Incident) -> bool:
    user = incident.created_by
    if user is None or not user.is_active or not user.email:
        return False
    # A suspended registration's people have no access, so nothing asks them to report.
    membership = Membership.objects.filter(
        user=user, organisation_id=incident.organisation_id, suspended_at__isnull=True
    ).first()
    return membership is not None and membership_has_permission(
        membership, Permission.EDIT_EVIDENCE
    )


def reminders_send(*, now: dt.datetime | None = None) -> ReminderRun:
    """Sends every reminder due now; safe to run again at once."""
    now = now or timezone.now()
    run = ReminderRun(now=now)
    drafts = (
        Incident.objects.filter(
            state=Incident.State.DRAFT,
            discovered_at__lte=now - reminder_rules.EARLIEST,
            discovered_at__gte=now - reminder_rules.GIVE_UP_AFTER,
            created_by__isnull=False,
        )
        .select_related("created_by", "organisation")
        .prefetch_related("reminders")
        .order_by("pk")
    )
    for incident in drafts:
        run.checked += 1
        kind = reminder_rules.reminder_due(
            discovered_at=incident.discovered_at,
            now=now,
            submitted=not incident.is_draft,
            already_sent={reminder.kind for reminder in incident.reminders.all()},
        )
        if kind is None or not _may_report(incident):
            continue
        _deliver(incident, kind, now=now, run=run)
    logger.info("Incident reminders: %s", run.as_dict())
    return run


def _deliver(incident: Incident, kind: str, *, now: dt.datetime, run: ReminderRun) -> None:
    user = incident.created_by
    assert user is not None
    assert incident.discovered_at is not None
    left = rules.time_left(incident.discovered_at, now)
    context = {
        "service_name": settings.DSPT_SERVICE_NAME,
        "name": user.full_name,
        "organisation": incident.organisation,
        "started": when(incident.created_at),
        "discovered": when(incident.discovered_at),
        "deadline": when(rules.deadline(incident.discovered_at)),
        "left": rules.describe_time_left(left),
        "overdue": left < dt.timedelta(0),
        "url": str(settings.DSPT_SITE_URL).rstrip("/")
        + reverse("incident-check", args=[incident.pk]),
    }
    subject = (
        f"{context['left']} to report an incident – finish your draft"
        if not context["overdue"]
        else "Your draft incident report is overdue – finish it now"
    )
    body = render_to_string("incidents/email/reminder.txt", context)
    try:
        with transaction.atomic():
            IncidentReminder.objects.create(
                incident=incident, kind=kind, recipient=user.email, sent_at=now
            )
            audit_record(
                event=Event.INCIDENT_REMINDER_SENT,
                organisation=incident.organisation,
                user=user,
                detail=f"Draft {incident.pk}: {IncidentReminder.Kind(kind).label}",
            )
            EmailMessage(
                subject=subject,
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            ).send()
    except IntegrityError:
        run.skipped += 1
        return
    except Exception as error:  # the mail server refused: tried again on the next run
        run.errors.append(f"draft {incident.pk} {kind}: {error!r}")
        logger.exception("Could not send incident reminder %s for draft %s", kind, incident.pk)
        return
    run.sent[kind] += 1
