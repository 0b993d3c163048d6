"""Writes after submission: follow-up updates, closing and withdrawing an incident.

A submitted report's facts never change: each of these appends an IncidentUpdate, timestamped and
attributed, and moves the incident's state (submitted → closed or withdrawn). Each locks the
incident, checks its state (and, for closing and withdrawing, that nothing was added since the
page was read: `expected_version`), records its audit event in the same transaction, and sends
the update on to the regulator when the rules say so (incidents/notify_rules.py).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Membership

from . import log_rules, notify, notify_rules, rules
from .models import Incident, IncidentUpdate
from .scales import Scales, scales_current
from .services import IncidentConflict, _check_may_change

MAX_TEXT = 10_000


class IncidentNotOpen(Exception):
    """The incident is a draft, closed or withdrawn: `current` is how it stands now."""

    def __init__(self, current: Incident) -> None:
        super().__init__(f"Incident is {current.state}")
        self.current = current


class UpdateInvalid(Exception):
    """What was given cannot be saved; `message` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def current_levels(incident: Incident) -> tuple[int | None, int | None]:
    """The likelihood and severity an incident stands at: the latest revision's, or as submitted."""
    likelihood, severity = incident.likelihood, incident.severity
    for update in incident.updates.all():
        if update.revised_likelihood is not None:
            likelihood, severity = update.revised_likelihood, update.revised_severity
    return likelihood, severity


def current_verdict(incident: Incident) -> str:
    return log_rules.current_verdict(
        incident.verdict, [update.verdict for update in incident.updates.all()]
    )


def _locked_open(*, incident: Incident, membership: Membership) -> Incident:
    _check_may_change(membership=membership, organisation_id=incident.organisation_id)
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if current.state != Incident.State.SUBMITTED:
        raise IncidentNotOpen(current)
    return current


def _text(value: str, name: str, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise UpdateInvalid(f"Enter {name}")
    if len(value) > MAX_TEXT:
        raise UpdateInvalid(f"{name[0].upper()}{name[1:]} must be {MAX_TEXT:,} characters or fewer")
    return value


def _append(
    current: Incident,
    *,
    membership: Membership,
    kind: str,
    **values,
) -> IncidentUpdate:
    now = timezone.now()
    user = membership.user
    update = IncidentUpdate.objects.create(
        incident=current,
        kind=kind,
        created_at=now,
        created_by=user,
        created_by_name=user.full_name or user.email,
        **values,
    )
    current.version += 1
    current.updated_by = user
    current.updated_at = now
    return update


def _send_on(current: Incident, update: IncidentUpdate, *, needed: bool, actor: Actor) -> None:
    if needed:
        notify.notification_queue(incident=current, update=update, actor=actor)


def _earlier_states(current: Incident) -> list[str]:
    return list(current.notifications.values_list("state", flat=True))


def incident_follow_up(
    *,
    incident: Incident,
    new_facts: str,
    actions_taken: str,
    revised_likelihood: int | None,
    revised_severity: int | None,
    membership: Membership,
    actor: Actor,
    scales: Scales | None = None,
) -> IncidentUpdate:
    """Appends what was learned or done since, and a revised likelihood and severity with the
    verdict recomputed from the grid. Sent on when the incident is reportable now, or the
    regulator has already heard of it. Several people may add follow-ups at once: each is kept."""
    new_facts = _text(new_facts, "the new facts", required=False)
    actions_taken = _text(actions_taken, "the actions taken", required=False)
    revised = (revised_likelihood, revised_severity)
    if (revised_likelihood is None) != (revised_severity is None):
        raise UpdateInvalid("Select both the likelihood and the severity, or neither")
    if not (new_facts or actions_taken or revised_likelihood is not None):
        raise UpdateInvalid(
            "Enter what you have found out, what you have done, or a new assessment of the harm"
        )
    scales = scales or scales_current()
    with transaction.atomic():
        current = _locked_open(incident=incident, membership=membership)
        values: dict = {"new_facts": new_facts, "actions_taken": actions_taken}
        if revised_likelihood is not None and revised_severity is not None:
            result = rules.verdict(
                revised_likelihood,
                revised_severity,
                vulnerable_groups=current.vulnerable_groups,
                grid=scales.grid,
            )
            values.update(
                revised_likelihood=revised[0],
                revised_severity=revised[1],
                scales_version=scales.version,
                verdict=result.outcome,
                verdict_reason=result.reason,
            )
        earlier = _earlier_states(current)
        update = _append(
            current, membership=membership, kind=IncidentUpdate.Kind.FOLLOW_UP, **values
        )
        current.save(update_fields=["version", "updated_by", "updated_at"])
        verdict_now = current_verdict(current)
        audit_record(
            event=Event.INCIDENT_FOLLOWED_UP,
            organisation=membership.organisation,
            actor=actor,
            detail=f"{current.reference}"
            + (
                f": revised to {revised[0]} × {revised[1]}, {values['verdict']}"
                if values.get("verdict")
                else ""
            ),
        )
        _send_on(
            current,
            update,
            needed=notify_rules.update_needs_sending(
                reportable_now=verdict_now != rules.NOT_REPORTABLE, earlier_states=earlier
            ),
            actor=actor,
        )
    return update


def _check_version(current: Incident, expected_version: int) -> None:
    if current.version != expected_version:
        raise IncidentConflict(current)


def incident_close(
    *,
    incident: Incident,
    expected_version: int,
    outcome: str,
    lessons_learned: str,
    membership: Membership,
    actor: Actor,
) -> IncidentUpdate:
    """Closes a submitted incident with its outcome and the lessons learned. Refused when it is
    not open, or when anything was added since the page was read."""
    outcome = _text(outcome, "the outcome", required=True)
    lessons_learned = _text(lessons_learned, "the lessons learned", required=True)
    with transaction.atomic():
        current = _locked_open(incident=incident, membership=membership)
        _check_version(current, expected_version)
        earlier = _earlier_states(current)
        update = _append(
            current,
            membership=membership,
            kind=IncidentUpdate.Kind.CLOSE,
            outcome=outcome,
            lessons_learned=lessons_learned,
        )
        current.state = Incident.State.CLOSED
        current.save(update_fields=["state", "version", "updated_by", "updated_at"])
        audit_record(
            event=Event.INCIDENT_CLOSED,
            organisation=membership.organisation,
            actor=actor,
            detail=current.reference or "",
        )
        _send_on(
            current,
            update,
            needed=notify_rules.update_needs_sending(
                reportable_now=current_verdict(current) != rules.NOT_REPORTABLE,
                earlier_states=earlier,
            ),
            actor=actor,
        )
    return update


def incident_withdraw(
    *,
    incident: Incident,
    expected_version: int,
    reason: str,
    membership: Membership,
    actor: Actor,
) -> IncidentUpdate:
    """Withdraws an incident reported in error, with the reason. It stays in the log, marked
    withdrawn; if the regulator was told of it, the withdrawal is sent on too."""
    reason = _text(reason, "why it is being withdrawn", required=True)
    with transaction.atomic():
        current = _locked_open(incident=incident, membership=membership)
        _check_version(current, expected_version)
        earlier = _earlier_states(current)
        update = _append(
            current, membership=membership, kind=IncidentUpdate.Kind.WITHDRAW, reason=reason
        )
        current.state = Incident.State.WITHDRAWN
        current.save(update_fields=["state", "version", "updated_by", "updated_at"])
        audit_record(
            event=Event.INCIDENT_WITHDRAWN,
            organisation=membership.organisation,
            actor=actor,
            detail=current.reference or "",
        )
        _send_on(
            current,
            update,
            needed=notify_rules.withdrawal_needs_sending(earlier_states=earlier),
            actor=actor,
        )
    return update
