"""What the pages show after submission: the incident's updates, its sending to the regulator,
the verdict it stands at, and the log's rows. Plain functions over incidents whose updates and
notifications are prefetched (incidents/log_selectors.py); templates only print what these return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import log_rules, notify_rules, rules
from .models import Incident, IncidentNotification, IncidentUpdate, Verdict
from .presenters import Clock, clock, when
from .scales import Scales, option_labels


@dataclass(frozen=True)
class UpdateShown:
    update: IncidentUpdate
    heading: str  # "Follow-up", "Closed", "Withdrawn"
    at: str
    by: str
    lines: tuple[tuple[str, str], ...]  # (label, text)
    verdict_label: str  # a revision's verdict, "" when it did not revise the levels
    reportable: bool


def update_lines(update: IncidentUpdate, scales: Scales) -> tuple[tuple[str, str], ...]:
    lines: list[tuple[str, str]] = []
    if update.new_facts:
        lines.append(("What we have found out", update.new_facts))
    if update.actions_taken:
        lines.append(("What we have done", update.actions_taken))
    if update.revised_likelihood is not None and update.revised_severity is not None:
        likelihood = scales.likelihood_label(update.revised_likelihood)
        lines.append(("Likelihood now", f"{update.revised_likelihood} – {likelihood}"))
        lines.append(
            (
                "Severity now",
                f"{update.revised_severity} – {scales.severity_label(update.revised_severity)}",
            )
        )
        lines.append(("Verdict now", f"{update.get_verdict_display()}. {update.verdict_reason}"))
    if update.outcome:
        lines.append(("Outcome", update.outcome))
    if update.lessons_learned:
        lines.append(("Lessons learned", update.lessons_learned))
    if update.reason:
        lines.append(("Why it was withdrawn", update.reason))
    return tuple(lines)


def updates_shown(incident: Incident, scales: Scales) -> list[UpdateShown]:
    return [
        UpdateShown(
            update=update,
            heading=update.get_kind_display(),
            at=when(update.created_at),
            by=update.created_by_name or "a former member",
            lines=update_lines(update, scales),
            verdict_label=update.get_verdict_display() if update.verdict else "",
            reportable=update.verdict not in ("", rules.NOT_REPORTABLE),
        )
        for update in incident.updates.all()
    ]


@dataclass(frozen=True)
class NotificationShown:
    notification: IncidentNotification
    what: str  # "The report", "Follow-up of 3 June 2026 at 10:00"
    destination: str
    shown: notify_rules.Shown
    last_error: str


def notification_what(notification: IncidentNotification) -> str:
    update = notification.update
    if update is None:
        return "The report"
    return f"{_SENT_AS[update.kind]} of {when(update.created_at)}"


_SENT_AS = {
    IncidentUpdate.Kind.FOLLOW_UP: "Follow-up",
    IncidentUpdate.Kind.CLOSE: "Closing",
    IncidentUpdate.Kind.WITHDRAW: "Withdrawal",
}


def notifications_shown(
    incident: Incident, *, now: dt.datetime, configured: bool
) -> list[NotificationShown]:
    return [
        NotificationShown(
            notification=notification,
            what=notification_what(notification),
            destination=notification.destination,
            shown=notify_rules.shown(
                state=notification.state,
                age=now - notification.updated_at,
                configured=configured,
                sent_on=when(notification.sent_at) if notification.sent_at else "",
            ),
            last_error=notification.last_error,
        )
        for notification in incident.notifications.all()
    ]


def sending_summary(incident: Incident, *, now: dt.datetime, configured: bool) -> str:
    """The latest notification's state in words, for the log; "" when nothing was to be sent."""
    notifications = list(incident.notifications.all())
    if not notifications:
        return ""
    latest = notifications[-1]
    return notify_rules.shown(
        state=latest.state,
        age=now - latest.updated_at,
        configured=configured,
        sent_on=when(latest.sent_at) if latest.sent_at else "",
    ).text


@dataclass(frozen=True)
class Standing:
    """The verdict and levels an incident stands at after its follow-ups."""

    verdict: str
    label: str
    reason: str
    reportable: bool
    likelihood: int | None
    severity: int | None
    revised: bool


def standing(incident: Incident) -> Standing:
    verdict, reason = incident.verdict, incident.verdict_reason
    likelihood, severity = incident.likelihood, incident.severity
    revised = False
    for update in incident.updates.all():
        if update.verdict:
            verdict, reason, revised = update.verdict, update.verdict_reason, True
            likelihood, severity = update.revised_likelihood, update.revised_severity
    return Standing(
        verdict=verdict,
        label=Verdict(verdict).label if verdict else "",
        reason=reason,
        reportable=verdict not in ("", rules.NOT_REPORTABLE),
        likelihood=likelihood,
        severity=severity,
        revised=revised,
    )


@dataclass(frozen=True)
class LogEntry:
    incident: Incident
    year: str
    standing: Standing
    category: str
    time_to_report: str  # "" for a draft
    late: bool
    clock: Clock | None  # drafts only
    sending: str


def log_entries(
    incidents: list[Incident], *, scales: Scales, now: dt.datetime, configured: bool
) -> list[LogEntry]:
    categories = option_labels(scales.breach_categories)
    entries = []
    for incident in incidents:
        taken = log_rules.time_to_report(incident.discovered_at, incident.submitted_at)
        entries.append(
            LogEntry(
                incident=incident,
                year=log_rules.year_of(
                    discovered_at=incident.discovered_at, created_at=incident.created_at
                ),
                standing=standing(incident),
                category=categories.get(incident.breach_category, incident.breach_category),
                time_to_report=log_rules.describe_duration(taken) if taken is not None else "",
                late=taken is not None and taken > rules.REPORTING_WINDOW,
                clock=clock(incident.discovered_at, now) if incident.is_draft else None,
                sending=sending_summary(incident, now=now, configured=configured),
            )
        )
    return entries
