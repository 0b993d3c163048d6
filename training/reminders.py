"""The monthly staff training reminder: on the first of each month each organisation's
administrators get the people whose training lapses in the next 30 days, has lapsed, or was never
done (training/rules.py decides who). Run by the beat task `training.send_reminders`.

Sent once per organisation per month. There is no reminder table for this (the publication
reminders' ReminderSent is once per organisation, year and kind), so the audit event written with
the emails is the record: its detail starts with the month ("2026-05: ..."). The organisation's
row is locked while one run checks for that event, writes it and sends, all in one transaction: a
second run at the same time waits, then finds the event and skips; a failed send rolls the event
back, so the next run tries again. A suspended or closed organisation gets nothing, and neither
do suspended administrators.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.vocabulary import format_date
from audit.models import AuditEvent, Event
from audit.services import audit_record
from organisations.models import Membership, Organisation
from organisations.roles import Role

from . import presenters, rules, selectors
from .models import StaffMember

logger = logging.getLogger(__name__)


@dataclass
class ReminderRun:
    today: dt.date
    checked: int = 0
    sent: int = 0  # organisations
    emails: int = 0
    already_sent: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "today": self.today.isoformat(),
            "checked": self.checked,
            "sent": self.sent,
            "emails": self.emails,
            "already_sent": self.already_sent,
            "errors": list(self.errors),
        }


def month_key(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def _administrators():
    return Membership.objects.filter(
        role=Role.ADMINISTRATOR,
        suspended_at__isnull=True,
        user__is_active=True,
    ).exclude(user__email="")


def _candidates(today: dt.date):
    return (
        Organisation.objects.filter(registration_state=Organisation.RegistrationState.REGISTERED)
        .filter(suspended_at__isnull=True)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
        .filter(Exists(_administrators().filter(organisation=OuterRef("pk"))))
        .filter(Exists(StaffMember.objects.filter(organisation=OuterRef("pk"))))
        .order_by("pk")
    )


def _already_sent(organisation: Organisation, key: str) -> bool:
    return AuditEvent.objects.filter(
        organisation=organisation,
        event=Event.TRAINING_REMINDER_SENT,
        detail__startswith=f"{key}:",
    ).exists()


def reminders_send(*, today: dt.date | None = None) -> ReminderRun:
    """Sends this month's reminders that are due and not yet sent; safe to run again."""
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    key = month_key(today)
    for organisation in _candidates(today):
        run.checked += 1
        rows = [
            row
            for row in selectors.register_rows(organisation=organisation, day=today)
            if row.status in rules.reminder_statuses()
        ]
        if not rows:
            continue
        _deliver(organisation, rows, key=key, today=today, run=run)
    logger.info("Staff training reminders: %s", run.as_dict())
    return run


def _deliver(
    organisation: Organisation,
    rows: list[selectors.RegisterRow],
    *,
    key: str,
    today: dt.date,
    run: ReminderRun,
) -> None:
    groups = {
        status: [
            {
                "name": row.member.name,
                "until": format_date(row.counts_until) if row.counts_until else "",
                "last": format_date(row.last_training.completed_on) if row.last_training else "",
            }
            for row in rows
            if row.status == status
        ]
        for status in (rules.Status.DUE_SOON, rules.Status.OVERDUE, rules.Status.NEVER_TRAINED)
    }
    figures = selectors.register_headline(
        rows=selectors.register_rows(organisation=organisation, day=today), day=today
    )
    url = str(getattr(settings, "DSPT_SITE_URL", "") or "").rstrip("/") + reverse("staff-list")
    try:
        with transaction.atomic():
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
            if _already_sent(organisation, key):
                run.already_sent += 1
                return
            administrators = list(
                _administrators().filter(organisation=organisation).select_related("user")
            )
            audit_record(
                event=Event.TRAINING_REMINDER_SENT,
                organisation=organisation,
                detail=f"{key}: {len(rows)} people listed, sent to "
                f"{len(administrators)} administrator{'' if len(administrators) == 1 else 's'}",
            )
            for membership in administrators:
                body = render_to_string(
                    "training/email/training_reminder.txt",
                    {
                        "name": membership.user.full_name,
                        "organisation": organisation,
                        "due_soon": groups[rules.Status.DUE_SOON],
                        "overdue": groups[rules.Status.OVERDUE],
                        "never": groups[rules.Status.NEVER_TRAINED],
                        "headline": presenters.headline_text(figures),
                        "today": format_date(today),
                        "url": url,
                        "service_name": settings.DSPT_SERVICE_NAME,
                    },
                )
                EmailMessage(
                    subject=f"Staff training due at {organisation.name}",
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[membership.user.email],
                ).send()
                run.emails += 1
    except Exception as error:  # the mail server refused: tried again on the next run
        run.errors.append(f"{organisation.ods_code}: {error!r}")
        logger.exception("Could not send the staff training reminder to %s", organisation.pk)
        return
    run.sent += 1
