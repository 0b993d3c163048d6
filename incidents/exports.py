"""What the incident documents are made from: the log spreadsheet and one incident's PDF.

Read from the database into the builders' plain data (documents/builders/incident_log.py and
incident_report.py); the document jobs (documents/jobs.py) call these in the worker. The
fingerprints say when the data changed, so asking again after a change makes a new document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from django.conf import settings
from django.utils import timezone

from documents.builders.incident_log import IncidentLogRow, IncidentLogWorkbook
from documents.builders.incident_report import (
    IncidentReportData,
    ReportAnswer,
    ReportNotification,
    ReportUpdate,
)
from organisations.models import Organisation

from . import after_presenters, log_rules, log_selectors, notify
from .models import Incident, YesNoDontKnow
from .presenters import answer_rows, when
from .scales import option_labels, scales_current

LOG_SUBJECT = "incident-log"
INCIDENT_SUBJECT = "incident"


def _hash(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def filters_from(parameters: Mapping[str, str]) -> log_rules.LogFilters:
    """The filters a job was asked with (checked again: the job row is data like any other)."""
    filters, _errors = log_rules.parse_filters(
        parameters, categories=[option.value for option in scales_current().breach_categories]
    )
    return filters


def log_subject(*, organisation: Organisation, filters: log_rules.LogFilters) -> str:
    """One job subject per organisation and set of filters (at most 64 characters)."""
    return f"{LOG_SUBJECT}:{organisation.pk}:{_hash(filters.as_dict())[:16]}"


def _incident_state_key(incident: Incident) -> tuple:
    return (
        incident.pk,
        incident.version,
        incident.state,
        tuple((update.pk, update.verdict) for update in incident.updates.all()),
        tuple((n.pk, n.state, n.updated_at) for n in incident.notifications.all()),
    )


def log_fingerprint(*, organisation: Organisation, filters: log_rules.LogFilters) -> str:
    """Changes whenever an incident in the log, an update or a sending changes, or the
    organisation is renamed."""
    incidents = log_selectors.incident_log(organisation=organisation, filters=filters)
    return _hash(
        "v1",
        organisation.name,
        filters.as_dict(),
        [_incident_state_key(incident) for incident in incidents],
    )


def incident_subject(incident: Incident) -> str:
    return f"{INCIDENT_SUBJECT}:{incident.pk}"


def incident_fingerprint(incident: Incident) -> str:
    incident = log_selectors.incident_with_history(
        organisation=incident.organisation, incident_id=incident.pk
    )
    return _hash("v1", incident.organisation.name, _incident_state_key(incident))


def _filters_text(filters: log_rules.LogFilters, categories: Mapping[str, str]) -> str:
    if not filters.any:
        return "All incidents"
    parts = []
    if filters.status:
        parts.append(f"Status: {Incident.State(filters.status).label}")
    if filters.year:
        parts.append(f"Year: {filters.year} (1 April to 31 March)")
    if filters.category:
        parts.append(f"Kind: {categories.get(filters.category, filters.category)}")
    return "; ".join(parts)


def _count(value: int | None, not_known: bool) -> str:
    if not_known:
        return "Not yet known"
    return f"{value:,}" if value is not None else ""


def _level(level: int | None, label: str) -> str:
    return f"{level} – {label}" if level is not None else ""


def incident_log_workbook(
    *, organisation: Organisation, parameters: Mapping[str, str]
) -> IncidentLogWorkbook:
    filters = filters_from(parameters)
    scales = scales_current()
    categories = option_labels(scales.breach_categories)
    now = timezone.now()
    entries = after_presenters.log_entries(
        log_selectors.incident_log(organisation=organisation, filters=filters),
        scales=scales,
        now=now,
        configured=bool(notify.destination()),
    )
    rows = []
    for entry in entries:
        incident = entry.incident
        closing = next((u for u in incident.updates.all() if u.kind == "close"), None)
        withdrawal = next((u for u in incident.updates.all() if u.kind == "withdraw"), None)
        rows.append(
            IncidentLogRow(
                reference=incident.reference or "Draft",
                status=incident.get_state_display(),
                year=entry.year,
                started_at=incident.created_at,
                discovered_at=incident.discovered_at,
                submitted_at=incident.submitted_at,
                time_to_report=entry.time_to_report,
                late_reason=incident.late_reason,
                category=entry.category,
                cyber=YesNoDontKnow(incident.cyber_caused).label if incident.cyber_caused else "",
                description=incident.description,
                likelihood=_level(
                    entry.standing.likelihood, scales.likelihood_label(entry.standing.likelihood)
                ),
                severity=_level(
                    entry.standing.severity, scales.severity_label(entry.standing.severity)
                ),
                verdict_submitted=incident.get_verdict_display() if incident.verdict else "",
                verdict_now=entry.standing.label,
                near_miss=incident.near_miss,
                records=_count(incident.records_count, incident.records_not_known),
                people=_count(incident.people_count, incident.people_not_known),
                follow_ups=sum(1 for u in incident.updates.all() if u.kind == "follow_up"),
                sent=entry.sending,
                outcome=closing.outcome if closing else "",
                lessons_learned=closing.lessons_learned if closing else "",
                withdrawn_reason=withdrawal.reason if withdrawal else "",
            )
        )
    return IncidentLogWorkbook(
        organisation_name=organisation.name,
        ods_code=organisation.ods_code,
        filters_text=_filters_text(filters, categories),
        generated_at=now,
        rows=rows,
    )


def incident_report_data(*, organisation: Organisation, incident_id: int) -> IncidentReportData:
    incident = log_selectors.incident_with_history(
        organisation=organisation, incident_id=incident_id
    )
    scales = scales_current()
    now = timezone.now()
    standing = after_presenters.standing(incident)
    summary = [
        f"Started on {when(incident.created_at)} by {incident.created_by or 'a former member'}."
    ]
    if incident.submitted_at:
        summary.append(
            f"Submitted on {when(incident.submitted_at)} by "
            f"{incident.submitted_by or 'a former member'}."
        )
        taken = log_rules.time_to_report(incident.discovered_at, incident.submitted_at)
        if taken is not None:
            summary.append(f"Time from discovery to report: {log_rules.describe_duration(taken)}.")
    if incident.late_reason:
        summary.append(f"Why the report was late: {incident.late_reason}")
    if standing.revised:
        summary.append(f"Verdict when submitted: {incident.get_verdict_display()}.")
    notifications = after_presenters.notifications_shown(
        incident, now=now, configured=bool(notify.destination())
    )
    return IncidentReportData(
        organisation_name=organisation.name,
        ods_code=organisation.ods_code,
        title=f"Incident {incident.reference}" if incident.reference else "Draft incident report",
        reference=incident.reference or "",
        state=incident.get_state_display(),
        summary_lines=tuple(summary),
        verdict_label=standing.label,
        verdict_reason=standing.reason,
        reportable=standing.reportable,
        answers=[
            ReportAnswer(question=row.question, lines=row.lines)
            for row in answer_rows(incident.answers(), scales)
        ],
        updates=[
            ReportUpdate(heading=f"{item.heading} – {item.at} by {item.by}", lines=item.lines)
            for item in after_presenters.updates_shown(incident, scales)
        ],
        notifications=[
            ReportNotification(what=item.what, state=item.shown.text) for item in notifications
        ],
        generated_on=when(now),
        notes=(f"From the {settings.DSPT_SERVICE_NAME} portal.",),
    )
