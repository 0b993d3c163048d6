"""Writes for incident reports: start a draft, save a step, submit.

Every write checks who is acting (their membership must allow adding evidence, in the incident's
own organisation), refuses to overwrite a save made after the page was read (`version`), and
records its audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Membership
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import rules
from .models import Incident, reference_for
from .scales import Scales, scales_current

logger = logging.getLogger(__name__)

# The model fields each step of the guided report writes (rules.STEPS).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "when-happened": ("happened_at", "happened_at_unknown"),
    "when-discovered": ("discovered_at",),
    "how-discovered": ("how_discovered",),
    "what-happened": ("description",),
    "category": ("breach_category",),
    "cyber": ("cyber_caused",),
    "information-affected": ("information_affected",),
    "personal-data": ("personal_data",),
    "people": ("people_categories",),
    "numbers": ("records_count", "records_not_known", "people_count", "people_not_known"),
    "consequences": ("consequences",),
    "containment": ("containment",),
    "people-told": ("people_told", "people_told_details"),
    "others-told": ("others_told",),
    "likelihood": ("likelihood",),
    "severity": ("severity",),
}


class IncidentRefused(Exception):
    """The person may not change this incident (wrong role or another organisation's)."""


class IncidentNotDraft(Exception):
    """The incident has been submitted: its facts are fixed."""


class IncidentConflict(Exception):
    """Someone saved the report after the page was read; `current` is the report as it is now."""

    def __init__(self, current: Incident) -> None:
        super().__init__("The report changed since the page was loaded")
        self.current = current


class IncidentIncomplete(Exception):
    """Answers the report still needs, in step order."""

    def __init__(self, missing: list[rules.Missing]) -> None:
        super().__init__(", ".join(item.step for item in missing))
        self.missing = missing


class LateReasonNeeded(Exception):
    """More than 72 hours after discovery: the report must say why it is late."""


def _check_may_change(*, membership: Membership | None, organisation_id: int) -> None:
    if membership is None or membership.organisation_id != organisation_id:
        raise IncidentRefused("Not a member of this incident's organisation")
    if not membership_has_permission(membership, Permission.EDIT_EVIDENCE):
        raise IncidentRefused("Viewers cannot change incident reports")


def _locked_draft(*, incident: Incident, membership: Membership, expected_version: int) -> Incident:
    _check_may_change(membership=membership, organisation_id=incident.organisation_id)
    current = Incident.objects.select_for_update().get(pk=incident.pk)
    if not current.is_draft:
        raise IncidentNotDraft(current.reference or "")
    if current.version != expected_version:
        raise IncidentConflict(current)
    return current


def incident_start(*, membership: Membership, actor: Actor) -> Incident:
    """A new draft report for the person's organisation."""
    _check_may_change(membership=membership, organisation_id=membership.organisation_id)
    with transaction.atomic():
        incident = Incident.objects.create(
            organisation_id=membership.organisation_id,
            created_by=membership.user,
            updated_by=membership.user,
        )
        audit_record(
            event=Event.INCIDENT_STARTED,
            organisation=membership.organisation,
            actor=actor,
            detail=f"Draft {incident.pk}",
        )
    return incident


def incident_save_step(
    *,
    incident: Incident,
    step: str,
    values: Mapping[str, Any],
    expected_version: int,
    membership: Membership,
    actor: Actor,
    scales: Scales | None = None,
) -> Incident:
    """Saves one step's answers to a draft, unless someone saved it after `expected_version`.

    `values` holds exactly the step's fields (STEP_FIELDS). Choosing who the information is about
    also records whether vulnerable groups are involved (from the scales file's people list).
    """
    fields = STEP_FIELDS.get(step)
    if fields is None:
        raise ValueError(f"No such step: {step}")
    if set(values) != set(fields):
        raise ValueError(f"Step {step} saves {sorted(fields)}, not {sorted(values)}")
    scales = scales or scales_current()
    with transaction.atomic():
        current = _locked_draft(
            incident=incident, membership=membership, expected_version=expected_version
        )
        for name in fields:
            setattr(current, name, values[name])
        changed = list(fields)
        if step == "people":
            current.vulnerable_groups = rules.involves_vulnerable_groups(
                current.people_categories, vulnerable=scales.vulnerable_people
            )
            changed.append("vulnerable_groups")
        current.version += 1
        current.updated_by = membership.user
        current.updated_at = timezone.now()
        current.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
        audit_record(
            event=Event.INCIDENT_SAVED,
            organisation=membership.organisation,
            actor=actor,
            detail=f"Draft {current.pk}: {step}",
        )
    return current


def incident_submit(
    *,
    incident: Incident,
    expected_version: int,
    late_reason: str,
    membership: Membership,
    actor: Actor,
    now: dt.datetime | None = None,
    scales: Scales | None = None,
) -> Incident:
    """Submits a complete draft: stores the verdict and the scales version it was judged by,
    gives it its reference, and fixes its facts. Refused when answers are missing, or when it is
    more than 72 hours after discovery and no reason for the delay is given."""
    scales = scales or scales_current()
    late_reason = late_reason.strip()
    with transaction.atomic():
        current = _locked_draft(
            incident=incident, membership=membership, expected_version=expected_version
        )
        missing = rules.missing_answers(current.answers())
        if missing:
            raise IncidentIncomplete(missing)
        assert current.discovered_at is not None
        assert current.likelihood is not None
        assert current.severity is not None
        submitted_at = now or timezone.now()
        if rules.needs_late_reason(current.discovered_at, submitted_at, late_reason):
            raise LateReasonNeeded()
        result = rules.verdict(
            current.likelihood,
            current.severity,
            vulnerable_groups=current.vulnerable_groups,
            grid=scales.grid,
        )
        current.state = Incident.State.SUBMITTED
        current.reference = reference_for(pk=current.pk, year=rules.local_time(submitted_at).year)
        current.scales_version = scales.version
        current.verdict = result.outcome
        current.verdict_reason = result.reason
        current.near_miss = result.near_miss
        current.late_reason = (
            late_reason if rules.is_late(current.discovered_at, submitted_at) else ""
        )
        current.submitted_at = submitted_at
        current.submitted_by = membership.user
        current.version += 1
        current.updated_by = membership.user
        current.updated_at = submitted_at
        current.save()
        audit_record(
            event=Event.INCIDENT_SUBMITTED,
            organisation=membership.organisation,
            actor=actor,
            detail=f"{current.reference}: {result.label}",
        )
        transaction.on_commit(lambda: incident_submitted(incident=current))
    return current


def incident_submitted(*, incident: Incident) -> None:
    """Runs once a submission is committed: a reportable incident is sent to the regulator's
    address through the background worker (incidents/notify.py)."""
    logger.info(
        "Incident %s submitted for organisation %s (%s)",
        incident.reference,
        incident.organisation_id,
        incident.verdict,
    )
    if incident.verdict in (rules.ICO, rules.ICO_DHSC):
        from .notify import notification_queue  # notify imports this module's checks

        notification_queue(incident=incident)
