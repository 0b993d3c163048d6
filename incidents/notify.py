"""Sending reportable incidents, and what follows them, to the regulator's address.

The address is the setting DSPT_INCIDENT_REPORT_EMAIL (no real address is in the code). Each
sending is an IncidentNotification row; its states and when a sending is stuck are the rules in
`incidents/notify_rules.py`. What is sent: a plain-text summary a person can read, and the same
facts as an attached JSON file for the regulator's systems, whose layout is SCHEMA_VERSION
(docs/incident-notifications.md).

* `notification_queue` makes the row inside the caller's transaction and sends the task once it
  commits (so the worker finds the row). With no address set the row says so and nothing is sent.
* `notification_send` is what the worker runs (incidents/tasks.py, retried with backoff); after
  the last retry `notification_fail` marks the row failed with the error.
* `notification_send_again` is the "Try again" / "Send now" button.
* `notifications_fail_abandoned` is the periodic sweep: a notification stuck far past its time
  (a worker killed mid-send, a task lost with Redis) is marked failed, so its page offers
  "Try again", the way document jobs are recovered (docs/adr/0005-documents-as-jobs.md).

A worker killed after the email left but before the row said "sent" leaves it "sending"; sending
it again may deliver a duplicate. A duplicate is better than a report silently lost.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

import kombu.exceptions
from celery.exceptions import Retry
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from audit.services import Actor, audit_record
from dspt_portal.wording import counted
from organisations.models import Membership

from . import notify_rules, rules
from .models import (
    Incident,
    IncidentNotification,
    IncidentUpdate,
    PeopleTold,
    Verdict,
    YesNoDontKnow,
)
from .presenters import answer_rows, when
from .scales import option_labels, scales_current

logger = logging.getLogger(__name__)

SCHEMA_VERSION = "dspt-incident-notification/1"
ATTACHMENT_TYPE = "application/json"
BROKER_ERRORS = (kombu.exceptions.OperationalError, ConnectionError, TimeoutError)
ABANDONED_MESSAGE = (
    "The sending stopped before it finished (the background worker may have stopped). "
    "Try again: if the first attempt did reach the regulator, they may receive it twice."
)
NOT_STARTED_MESSAGE = "The background worker could not be reached. Try again in a few minutes."

State = IncidentNotification.State


class NotificationNotSent(Exception):
    """Sending the email failed; the task retries it."""


class NotificationNotStarted(Exception):
    """ "Try again" could not reach the worker (the broker is down)."""


def destination() -> str:
    return (getattr(settings, "DSPT_INCIDENT_REPORT_EMAIL", "") or "").strip()


# --- Queueing --------------------------------------------------------------------------------


def notification_queue(
    *, incident: Incident, update: IncidentUpdate | None = None, actor: Actor | None = None
) -> IncidentNotification:
    """A notification of `incident` (or of `update` to it), sent once the transaction commits.
    Call inside the transaction that made the incident or update what it is."""
    address = destination()
    now = timezone.now()
    with transaction.atomic():
        notification = IncidentNotification.objects.create(
            incident=incident,
            update=update,
            destination=address,
            state=State.PENDING if address else State.UNCONFIGURED,
            created_at=now,
            updated_at=now,
        )
        audit_record(
            event=Event.INCIDENT_NOTICE_QUEUED,
            organisation=incident.organisation,
            actor=actor,
            detail=f"{incident.reference}: {_what(notification)}"
            + ("" if address else " – not sent: no destination configured"),
        )
        if address:
            transaction.on_commit(lambda: _send_task(notification.pk))
    return notification


def _dispatch(notification_id: int) -> None:
    """Sends the task to a worker. In-process (no Redis: `make run` and the tests) it runs at
    once with its retries (no waiting between them), and its last failure is recorded on the
    row, never raised into the request that queued it."""
    from . import tasks  # the tasks import this module to do their work

    task = tasks.send_incident_notification
    if not task.app.conf.task_always_eager:
        task.delay(notification_id)
        return
    # In-process, a retry comes back as the Retry exception carrying the next attempt.
    attempt = task.s(notification_id)
    while True:
        try:
            attempt.apply(throw=True)
        except Retry as retry:
            attempt = retry.sig
        except Exception as error:  # the last retry failed: what on_failure does in a worker
            notification_fail(notification_id=notification_id, error=error)
            return
        else:
            return


def _send_task(notification_id: int) -> None:
    """Sends the task; a broker fault leaves the row waiting, to go stale and offer "Try again"."""
    try:
        _dispatch(notification_id)
    except BROKER_ERRORS as error:
        logger.warning("Notification %s could not be sent to a worker: %s", notification_id, error)


def notification_send_again(
    *, notification: IncidentNotification, membership: Membership, actor: Actor
) -> IncidentNotification:
    """ "Try again" (failed or stuck) or "Send now" (no address was set, one is now): back in the
    queue with the current address. Pressing twice, or two people, sends it once."""
    from .services import _check_may_change

    _check_may_change(membership=membership, organisation_id=notification.incident.organisation_id)
    now = timezone.now()
    configured = bool(destination())
    if not notify_rules.may_send_again(
        state=notification.state, age=now - notification.updated_at, configured=configured
    ):
        return notification
    with transaction.atomic():
        claimed = IncidentNotification.objects.filter(
            pk=notification.pk, state=notification.state, updated_at=notification.updated_at
        ).update(
            # With no address set, it says so rather than waiting for one.
            state=State.PENDING if configured else State.UNCONFIGURED,
            destination=destination(),
            last_error="",
            updated_at=now,
        )
        if claimed:
            audit_record(
                event=Event.INCIDENT_NOTICE_RETRIED,
                organisation=membership.organisation,
                actor=actor,
                detail=f"{notification.incident.reference}: {_what(notification)}",
            )
    notification.refresh_from_db()
    if not claimed or not configured:
        return notification
    try:
        _dispatch(notification.pk)
    except BROKER_ERRORS as error:
        _mark_failed(notification.pk, NOT_STARTED_MESSAGE, states=(State.PENDING,))
        raise NotificationNotStarted(str(error)) from error
    notification.refresh_from_db()
    return notification


# --- What the worker does ---------------------------------------------------------------------


def notification_send(*, notification_id: int) -> str:
    """Sends one notification; its new state. Raises NotificationNotSent (after recording the
    attempt) when the email could not be sent, for the task to retry. Sending one already sent
    does nothing; one failed, or waiting for an address, is left as it is."""
    with transaction.atomic():
        notification = (
            IncidentNotification.objects.select_for_update(of=("self",))
            .select_related("incident__organisation", "update")
            .get(pk=notification_id)
        )
        if notification.state not in (State.PENDING, State.SENDING):
            return notification.state
        notification.state = State.SENDING
        notification.attempts += 1
        notification.updated_at = timezone.now()
        notification.save(update_fields=["state", "attempts", "updated_at"])
    try:
        message = notification_message(notification)
        message.send()
    except Exception as error:
        _record_attempt(notification_id, error)
        raise NotificationNotSent(f"{type(error).__name__}: {error}") from error
    now = timezone.now()
    with transaction.atomic():
        notification = IncidentNotification.objects.select_for_update().get(pk=notification_id)
        notification.state = State.SENT
        notification.sent_at = now
        notification.updated_at = now
        notification.last_error = ""
        notification.history = [*notification.history, {"at": now.isoformat(), "outcome": "sent"}]
        notification.save(update_fields=["state", "sent_at", "updated_at", "last_error", "history"])
        incident = Incident.objects.select_related("organisation").get(pk=notification.incident_id)
        audit_record(
            event=Event.INCIDENT_NOTICE_SENT,
            organisation=incident.organisation,
            detail=f"{incident.reference}: {_what(notification)} to {notification.destination}",
        )
    return State.SENT


def _record_attempt(notification_id: int, error: BaseException) -> None:
    now = timezone.now()
    text = f"{type(error).__name__}: {error}"[:1000]
    with transaction.atomic():
        notification = IncidentNotification.objects.select_for_update().get(pk=notification_id)
        notification.history = [
            *notification.history,
            {"at": now.isoformat(), "outcome": "error", "error": text},
        ]
        notification.last_error = text
        if notification.state == State.SENDING:
            notification.state = State.PENDING  # waiting for the next retry
            notification.updated_at = now
        notification.save(update_fields=["history", "last_error", "state", "updated_at"])
    logger.warning("Notification %s not sent: %s", notification_id, text)


def notification_fail(*, notification_id: int, error: BaseException | str) -> None:
    """After the last retry: failed, with the error, so the page offers "Try again"."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    _mark_failed(notification_id, text, states=(State.PENDING, State.SENDING))


def _mark_failed(
    notification_id: int,
    text: str,
    *,
    states: tuple[str, ...],
    unchanged_since: dt.datetime | None = None,
) -> bool:
    """Marks it failed if it is still in one of `states` (and, with `unchanged_since`, has not
    changed state since then); whether it did."""
    with transaction.atomic():
        notification = (
            IncidentNotification.objects.select_for_update(of=("self",))
            .select_related("incident__organisation")
            .get(pk=notification_id)
        )
        if notification.state not in states:
            return False
        if unchanged_since is not None and notification.updated_at >= unchanged_since:
            return False
        notification.state = State.FAILED
        notification.last_error = text[:1000]
        notification.updated_at = timezone.now()
        notification.save(update_fields=["state", "last_error", "updated_at"])
        audit_record(
            event=Event.INCIDENT_NOTICE_FAILED,
            organisation=notification.incident.organisation,
            detail=f"{notification.incident.reference}: {_what(notification)}: {text}",
        )
    logger.error("Notification %s failed: %s", notification_id, text)
    return True


def notifications_fail_abandoned(*, now: dt.datetime | None = None) -> int:
    """Marks failed every notification stuck so long nothing will finish it; how many. The state
    and age are checked in the update itself, so one that finishes meanwhile is left alone."""
    now = now or timezone.now()
    marked = 0
    for state, limit in notify_rules.STALE_AFTER.items():
        stuck = IncidentNotification.objects.filter(
            state=state, updated_at__lt=now - limit * notify_rules.ABANDONED_FACTOR
        ).order_by("pk")
        cutoff = now - limit * notify_rules.ABANDONED_FACTOR
        for notification_id in stuck.values_list("pk", flat=True):
            if _mark_failed(
                notification_id, ABANDONED_MESSAGE, states=(state,), unchanged_since=cutoff
            ):
                marked += 1
    if marked:
        logger.warning("Marked %s failed", counted(marked, "abandoned incident notification"))
    return marked


# --- What is sent ----------------------------------------------------------------------------

SENT_FOR = {
    None: "report",
    IncidentUpdate.Kind.FOLLOW_UP: "follow_up",
    IncidentUpdate.Kind.CLOSE: "closure",
    IncidentUpdate.Kind.WITHDRAW: "withdrawal",
}
_WHAT = {
    "report": "the report",
    "follow_up": "a follow-up",
    "closure": "the closing of the incident",
    "withdrawal": "the withdrawal",
}


def _sent_for(notification: IncidentNotification) -> str:
    return SENT_FOR[notification.update.kind if notification.update_id else None]


def _what(notification: IncidentNotification) -> str:
    return _WHAT[_sent_for(notification)]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _updates_until(notification: IncidentNotification) -> list[IncidentUpdate]:
    updates = IncidentUpdate.objects.filter(incident_id=notification.incident_id).select_related(
        "created_by"
    )
    if notification.update_id:
        return [update for update in updates if update.pk <= notification.update_id]
    return list(updates)


def _first_notification(notification: IncidentNotification) -> bool:
    earlier = IncidentNotification.objects.filter(
        incident_id=notification.incident_id, pk__lt=notification.pk
    ).values_list("state", flat=True)
    return not notify_rules.regulator_involved(list(earlier))


def notification_payload(notification: IncidentNotification) -> dict[str, Any]:
    """The machine-readable copy (SCHEMA_VERSION; docs/incident-notifications.md)."""
    incident = notification.incident
    organisation = incident.organisation
    scales = scales_current()
    categories = option_labels(scales.breach_categories)
    updates = _updates_until(notification)
    current = incident.verdict
    current_reason = incident.verdict_reason
    for update in updates:
        if update.verdict:
            current, current_reason = update.verdict, update.verdict_reason

    def count(value: int | None, not_known: bool) -> int | str | None:
        return "not_known" if not_known else value

    return {
        "schema": SCHEMA_VERSION,
        "sent_for": _sent_for(notification),
        "first_notification": _first_notification(notification),
        "sent_at": _iso(timezone.now()),
        "organisation": {"name": organisation.name, "ods_code": organisation.ods_code},
        "incident": {
            "reference": incident.reference,
            "state": incident.state,
            "submitted_at": _iso(incident.submitted_at),
            "submitted_by": _person(incident.submitted_by),
            "happened_at": None if incident.happened_at_unknown else _iso(incident.happened_at),
            "happened_at_unknown": incident.happened_at_unknown,
            "discovered_at": _iso(incident.discovered_at),
            "report_deadline": _iso(rules.deadline(incident.discovered_at))
            if incident.discovered_at
            else None,
            "how_discovered": incident.how_discovered,
            "description": incident.description,
            "breach_category": {
                "value": incident.breach_category,
                "label": categories.get(incident.breach_category, incident.breach_category),
            },
            "cyber_caused": incident.cyber_caused,
            "information_affected": list(incident.information_affected),
            "personal_data": list(incident.personal_data),
            "people_categories": list(incident.people_categories),
            "vulnerable_groups": incident.vulnerable_groups,
            "records": count(incident.records_count, incident.records_not_known),
            "people": count(incident.people_count, incident.people_not_known),
            "consequences": incident.consequences,
            "containment": incident.containment,
            "people_told": incident.people_told,
            "people_told_details": incident.people_told_details,
            "others_told": list(incident.others_told),
            "likelihood": incident.likelihood,
            "severity": incident.severity,
            "verdict": {
                "value": incident.verdict,
                "label": incident.get_verdict_display(),
                "reason": incident.verdict_reason,
                "scales_version": incident.scales_version,
            },
            "near_miss": incident.near_miss,
            "late_reason": incident.late_reason,
        },
        "current_verdict": {
            "value": current,
            "label": Verdict(current).label if current else "",
            "reason": current_reason,
        },
        "updates": [_update_payload(update) for update in updates],
    }


def _person(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"name": user.full_name, "email": user.email}


def _update_payload(update: IncidentUpdate) -> dict[str, Any]:
    return {
        "kind": SENT_FOR[update.kind],
        "at": _iso(update.created_at),
        "by": update.created_by_name,
        "new_facts": update.new_facts,
        "actions_taken": update.actions_taken,
        "outcome": update.outcome,
        "lessons_learned": update.lessons_learned,
        "reason": update.reason,
        "revised_likelihood": update.revised_likelihood,
        "revised_severity": update.revised_severity,
        "verdict": update.verdict or None,
        "verdict_reason": update.verdict_reason,
        "scales_version": update.scales_version,
    }


def _site_url(path: str) -> str:
    return str(getattr(settings, "DSPT_SITE_URL", "")).rstrip("/") + path


def notification_message(notification: IncidentNotification) -> EmailMessage:
    """The email: a readable summary, and the JSON copy attached."""
    incident = notification.incident
    scales = scales_current()
    payload = notification_payload(notification)
    updates = _updates_until(notification)
    context = {
        "service_name": settings.DSPT_SERVICE_NAME,
        "incident": incident,
        "organisation": incident.organisation,
        "what": _what(notification),
        "sent_for": payload["sent_for"],
        "first": payload["first_notification"],
        "submitted": when(incident.submitted_at) if incident.submitted_at else "",
        "rows": answer_rows(incident.answers(), scales),
        "updates": [
            {
                "update": update,
                "at": when(update.created_at),
                "likelihood": scales.likelihood_label(update.revised_likelihood)
                if update.revised_likelihood
                else "",
                "severity": scales.severity_label(update.revised_severity)
                if update.revised_severity
                else "",
            }
            for update in updates
        ],
        "people_told": PeopleTold(incident.people_told).label if incident.people_told else "",
        "cyber": YesNoDontKnow(incident.cyber_caused).label if incident.cyber_caused else "",
        "current_verdict": payload["current_verdict"],
        "schema": SCHEMA_VERSION,
        "page_url": _site_url(reverse("incident-detail", args=[incident.pk])),
    }
    subject = " ".join(
        render_to_string("incidents/email/notification_subject.txt", context).split()
    )
    body = render_to_string("incidents/email/notification.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.destination],
    )
    message.attach(
        f"{incident.reference}-{payload['sent_for']}-{notification.pk}.json",
        json.dumps(payload, indent=2, ensure_ascii=False),
        ATTACHMENT_TYPE,
    )
    return message
