"""Reminder emails about the publication deadline, and when a public status goes out of date.

Who is due what is decided by the pure rules in `publishing.reminder_rules` (`reminder_due`,
`out_of_date_due`, `days_left`); this module reads what they need and does the sending:

* The service `reminders_send`, run daily by the Celery beat task
  `publishing.send_deadline_reminders`: it reads registered organisations in chunks of 1,000 with a
  fixed number of queries per chunk, works out what is due with the pure rules, and for each
  organisation with something due records a `ReminderSent` row and emails each administrator.

Sending, once only and never claimed when it failed: the `ReminderSent` row is inserted first in a
transaction for that one organisation, the emails are sent inside that transaction, and only then
is it committed.

* Another worker sending the same reminder at the same moment waits on the unique constraint and
  then gets an IntegrityError: it skips the organisation, so nobody gets it twice.
* A failed send (SMTP error) raises inside the transaction, so the row is rolled back: nothing
  claims the reminder went out, it is tried again on the next run, and the run carries on with the
  next organisation.
* The opposite failure — the mail went out but the commit failed — leaves no row, so at worst the
  reminder is sent again the next day. A duplicate is better than a reminder silently lost.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from assessments.vocabulary import format_date, out_of_date_text, short_year, status_text
from organisations.models import Membership, Organisation
from organisations.roles import Role

from .coverage import PublicationFact, current_until, deciding_publication
from .models import ReminderSent
from .reminder_rules import (
    KINDS,
    OUT_OF_DATE,
    days_left,
    out_of_date_due,
    reminder_due,
)
from .selectors import latest_publications, publications_in_force

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
DEFAULT_SITE_URL = "http://127.0.0.1:8000"

# The organisation columns the run reads: whether it is registered, and the name for emails.
_ORGANISATION_COLUMNS = ("ods_code", "name", "registration_state")


# The service -------------------------------------------------------------------------------------


@dataclass
class ReminderReport:
    """What one run did."""

    today: datetime.date
    year: str = ""  # the current DSPT year, "" when no question bank is loaded
    organisations_checked: int = 0
    sent: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    emails_sent: int = 0
    skipped_sent_elsewhere: int = 0  # another run claimed the same reminder first
    errors: list[str] = field(default_factory=list)  # "VAB12 days_30: SMTPException(...)"

    @property
    def reminders_sent(self) -> int:
        return sum(self.sent.values())

    def as_dict(self) -> dict:
        """JSON-friendly, for the Celery result and the log."""
        return {
            "today": self.today.isoformat(),
            "year": self.year,
            "organisations_checked": self.organisations_checked,
            "sent": dict(self.sent),
            "emails_sent": self.emails_sent,
            "skipped_sent_elsewhere": self.skipped_sent_elsewhere,
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class _Due:
    organisation: Organisation
    kind: str
    bank_id: int
    year: str
    publication: PublicationFact | None  # the lapsed publication, for the out-of-date email


@dataclass(frozen=True)
class _Banks:
    latest_id: int
    latest_year: str
    deadline: datetime.date
    deadlines: dict[str, datetime.date]  # year -> publication deadline, as coverage.py wants them
    ids: dict[str, int]  # year -> bank id


def _banks() -> _Banks | None:
    """Every loaded year (a handful of rows): one query."""
    rows = list(QuestionBank.objects.values_list("pk", "year", "publication_deadline"))
    if not rows:
        return None
    latest_id, latest_year, deadline = max(rows, key=lambda row: row[1])
    return _Banks(
        latest_id=latest_id,
        latest_year=latest_year,
        deadline=deadline,
        deadlines={year: day for _, year, day in rows},
        ids={year: pk for pk, year, _ in rows},
    )


def _candidates(today: datetime.date):
    """Registered, open organisations with at least one active administrator. A suspended
    registration gets nothing: its people have no access until the helpdesk reinstates it."""
    administrators = Membership.objects.filter(
        organisation=OuterRef("pk"),
        role=Role.ADMINISTRATOR,
        user__is_active=True,
        suspended_at__isnull=True,
    )
    return (
        Organisation.objects.filter(registration_state=Organisation.RegistrationState.REGISTERED)
        .filter(suspended_at__isnull=True)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=today))
        .filter(Exists(administrators))
        .only(*_ORGANISATION_COLUMNS)
        .order_by("pk")
    )


def _chunks(today: datetime.date, size: int) -> Iterable[list[Organisation]]:
    """The candidates, `size` at a time, by primary key (keyset pagination: one query a chunk
    however far into the table, and rows added during the run cannot shift the pages)."""
    last_pk = 0
    while True:
        chunk = list(_candidates(today).filter(pk__gt=last_pk)[:size])
        if not chunk:
            return
        yield chunk
        if len(chunk) < size:
            return
        last_pk = chunk[-1].pk


def _published_for_bank(organisation_ids: Sequence[int], bank_id: int) -> set[int]:
    """The organisations that have published for this year themselves. One query.

    Reminders go only to registered organisations, and a registered organisation speaks for
    itself: an HQ publication that listed it does not decide its status (coverage.py), so it does
    not excuse it from the reminders either. A withdrawn publication does not count: the
    organisation has not published for the year until it publishes again.
    """
    return set(
        publications_in_force()
        .filter(bank_id=bank_id, organisation_id__in=organisation_ids)
        .values_list("organisation_id", flat=True)
        .distinct()
    )


def _already_sent(
    organisation_ids: Sequence[int], current_bank_id: int
) -> dict[int, set[tuple[int, str]]]:
    """organisation id -> {(bank id, kind)} of the reminders it was sent that matter now: this
    year's deadline reminders and every out-of-date email. One query."""
    rows = (
        ReminderSent.objects.filter(organisation_id__in=organisation_ids)
        .filter(Q(bank_id=current_bank_id) | Q(kind=OUT_OF_DATE))
        .values_list("organisation_id", "bank_id", "kind")
    )
    sent: dict[int, set[tuple[int, str]]] = {}
    for organisation_id, bank_id, kind in rows:
        sent.setdefault(organisation_id, set()).add((bank_id, kind))
    return sent


def _administrators(organisation_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """organisation id -> [(full name, email)] of its active, not suspended administrators. One
    query."""
    rows = (
        Membership.objects.filter(
            organisation_id__in=organisation_ids,
            role=Role.ADMINISTRATOR,
            user__is_active=True,
            suspended_at__isnull=True,
        )
        .order_by("organisation_id", "user__email")
        .values_list("organisation_id", "user__full_name", "user__email")
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for organisation_id, full_name, email in rows:
        found.setdefault(organisation_id, []).append((full_name, email))
    return found


def _library_overdue(organisation_ids: Sequence[int], today: datetime.date) -> dict[int, int]:
    """organisation id -> how many of its evidence library documents are past their review date
    (only those with any). One query, through the organisation's relation to the library so the
    publish flow does not import the evidence app above it."""
    rows = (
        Organisation.objects.filter(pk__in=organisation_ids)
        .annotate(
            overdue=Count("library_documents", filter=Q(library_documents__review_date__lt=today))
        )
        .filter(overdue__gt=0)
        .values_list("pk", "overdue")
    )
    return dict(rows)


def _due_in_chunk(
    chunk: Sequence[Organisation], *, banks: _Banks, today: datetime.date
) -> list[_Due]:
    """What each organisation of the chunk is due today: four queries, whatever the chunk holds."""
    ids = [organisation.pk for organisation in chunk]
    latest = latest_publications(organisation_ids=ids)
    published = _published_for_bank(ids, banks.latest_id)
    sent = _already_sent(ids, banks.latest_id)
    due: list[_Due] = []
    for organisation in chunk:
        publication = deciding_publication(
            latest[organisation.pk], registered=organisation.is_registered
        )
        sent_here = sent.get(organisation.pk, set())
        kind = reminder_due(
            deadline=banks.deadline,
            today=today,
            already_sent={k for bank_id, k in sent_here if bank_id == banks.latest_id},
            has_published_this_year=organisation.pk in published,
        )
        if kind is not None:
            due.append(_Due(organisation, kind, banks.latest_id, banks.latest_year, publication))
        # Only a lapsed publication counts: statuses from the old toolkit's export lapsed years ago.
        if publication is not None:
            lapsed_bank_id = banks.ids.get(publication.year)
            if lapsed_bank_id is not None and out_of_date_due(
                year=publication.year,
                deadlines=banks.deadlines,
                today=today,
                already_sent=(lapsed_bank_id, OUT_OF_DATE) in sent_here,
            ):
                due.append(
                    _Due(organisation, OUT_OF_DATE, lapsed_bank_id, publication.year, publication)
                )
    return due


def _site_url(path: str, query: dict[str, str] | None = None) -> str:
    base = str(getattr(settings, "DSPT_SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")
    return f"{base}{path}" + (f"?{urlencode(query)}" if query else "")


def _email_context(
    due: _Due, *, banks: _Banks, today: datetime.date, library_overdue: int = 0
) -> dict:
    publish_path = reverse("publish-start")
    library_path = reverse("library-list")
    context = {
        "library_overdue": library_overdue,
        "library_url": _site_url(reverse("sign-in"), {"next": f"{library_path}?show=review"}),
        "service_name": settings.DSPT_SERVICE_NAME,
        "organisation": due.organisation,
        "kind": due.kind,
        "out_of_date": due.kind == OUT_OF_DATE,
        "year": banks.latest_year,
        "short_year": short_year(banks.latest_year),
        "deadline": format_date(banks.deadline),
        "days_left": days_left(deadline=banks.deadline, today=today),
        "sign_in_url": _site_url(reverse("sign-in"), {"next": publish_path}),
        "publish_url": _site_url(publish_path),
    }
    if due.kind == OUT_OF_DATE and due.publication is not None:
        last_current_day = current_until(year=due.year, deadlines=banks.deadlines)
        lapsed = due.publication
        context.update(
            {
                "lapsed": lapsed,
                # What the public register now shows for the organisation.
                "status_text": out_of_date_text(
                    status_text(lapsed.year, lapsed.level), lapsed.published_on
                ),
                "lapsed_year": due.year,
                "current_until": format_date(last_current_day) if last_current_day else "",
                "deadline_passed": today > banks.deadline,
            }
        )
    return context


def _messages(due: _Due, recipients: list[tuple[str, str]], context: dict, connection):
    subject_template = "publishing/email/reminder_subject.txt"
    subject = " ".join(render_to_string(subject_template, context).split())
    for full_name, email in recipients:
        body = render_to_string(
            "publishing/email/reminder.txt", {**context, "recipient_name": full_name}
        )
        yield EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email],
            connection=connection,
        )


def _deliver(
    due: _Due,
    recipients: list[tuple[str, str]],
    *,
    banks: _Banks,
    today: datetime.date,
    report: ReminderReport,
    library_overdue: int = 0,
) -> None:
    """Claims the reminder and emails each administrator, all or nothing for this organisation."""
    try:
        context = _email_context(due, banks=banks, today=today, library_overdue=library_overdue)
        with transaction.atomic():
            ReminderSent.objects.create(
                organisation=due.organisation,
                bank_id=due.bank_id,
                kind=due.kind,
                recipients=", ".join(email for _, email in recipients),
                sent_at=timezone.now(),
            )
            # One connection per organisation: one SMTP session for its administrators, and a
            # broken connection cannot spoil the organisations after it.
            with get_connection() as connection:
                for message in _messages(due, recipients, context, connection):
                    message.send()
    except IntegrityError:
        report.skipped_sent_elsewhere += 1
        logger.info(
            "Reminder %s for %s was already sent by another run",
            due.kind,
            due.organisation.ods_code,
        )
        return
    except Exception as error:  # SMTP refused, template missing …: next organisation
        report.errors.append(f"{due.organisation.ods_code} {due.kind}: {error!r}")
        logger.exception(
            "Could not send reminder %s to %s; it will be tried again on the next run",
            due.kind,
            due.organisation.ods_code,
        )
        return
    report.sent[due.kind] += 1
    report.emails_sent += len(recipients)


def reminders_send(
    *, today: datetime.date | None = None, chunk_size: int = CHUNK_SIZE
) -> ReminderReport:
    """Sends the reminders due today (UK date by default); safe to run again the same day.

    Queries: one for the years, then per chunk of `chunk_size` organisations one for the chunk,
    four to decide what is due (two for the latest publications, one for "published this year",
    one for what was already sent) and, only when something is due, one for the administrators
    and one for their evidence library documents past their review date;
    then, for each reminder actually sent, the insert inside its own transaction.
    """
    today = today or timezone.localdate()
    report = ReminderReport(today=today)
    banks = _banks()
    if banks is None:
        return report
    report.year = banks.latest_year
    for chunk in _chunks(today, chunk_size):
        report.organisations_checked += len(chunk)
        due = _due_in_chunk(chunk, banks=banks, today=today)
        if not due:
            continue
        due_ids = sorted({item.organisation.pk for item in due})
        administrators = _administrators(due_ids)
        overdue = _library_overdue(due_ids, today)
        for item in due:
            recipients = administrators.get(item.organisation.pk)
            if recipients:  # an administrator may have left since the chunk was read
                _deliver(
                    item,
                    recipients,
                    banks=banks,
                    today=today,
                    report=report,
                    library_overdue=overdue.get(item.organisation.pk, 0),
                )
    logger.info("Deadline reminders: %s", report.as_dict())
    return report
