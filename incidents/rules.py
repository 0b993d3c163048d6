"""Incident reporting rules: the verdict, the 72-hour clock and what a report still needs.

Plain functions over plain data, no ORM and no settings: the grid comes from the scales file
(incidents/scales.py builds a `Grid` from it), times are aware datetimes. Tested by tables in
tests/incidents/test_rules.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5)

NOT_REPORTABLE = "none"
ICO = "ico"
ICO_DHSC = "ico_dhsc"
OUTCOMES: tuple[str, ...] = (NOT_REPORTABLE, ICO, ICO_DHSC)

# Why a "none" verdict is not reportable: the keys of the scales file's not_reportable_reasons.
NEAR_MISS = "near_miss"
NOT_LIKELY = "not_likely"
NO_ADVERSE_EFFECT = "no_adverse_effect"
NOT_REPORTABLE_REASONS: tuple[str, ...] = (NEAR_MISS, NOT_LIKELY, NO_ADVERSE_EFFECT)

# The ICO's window runs from the moment the organisation became aware of the breach.
REPORTING_WINDOW = dt.timedelta(hours=72)
DISPLAY_ZONE = ZoneInfo("Europe/London")


# --- The verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeText:
    label: str
    reason: str


@dataclass(frozen=True)
class Grid:
    """The reportability grid as data: `cells[(likelihood, severity)]` is an outcome."""

    cells: Mapping[tuple[int, int], str]
    outcomes: Mapping[str, OutcomeText]
    not_reportable_reasons: Mapping[str, str] = field(default_factory=dict)
    vulnerable_minimum: int = 2


@dataclass(frozen=True)
class Verdict:
    outcome: str  # one of OUTCOMES
    label: str
    reason: str
    near_miss: bool
    # The levels the grid was read at: vulnerable groups may have raised them.
    likelihood: int
    severity: int

    @property
    def reportable(self) -> bool:
        return self.outcome != NOT_REPORTABLE

    @property
    def also_dhsc(self) -> bool:
        return self.outcome == ICO_DHSC


def effective_levels(
    likelihood: int, severity: int, *, vulnerable_groups: bool, minimum: int = 2
) -> tuple[int, int]:
    """Incidents involving vulnerable groups count as at least `minimum` on both scales."""
    if not vulnerable_groups:
        return likelihood, severity
    return max(likelihood, minimum), max(severity, minimum)


def verdict(likelihood: int, severity: int, *, vulnerable_groups: bool, grid: Grid) -> Verdict:
    """What the grid says about an incident, with the reason shown to the person reporting it.

    A near miss is an incident whose likelihood (after the vulnerable-groups minimum) is the
    lowest: the information was never seen, used or lost. Raises ValueError for a level outside
    1-5, so a bad value can never quietly read as "not reportable".
    """
    for name, level in (("likelihood", likelihood), ("severity", severity)):
        if level not in LEVELS:
            raise ValueError(f"{name} must be 1 to 5, not {level!r}")
    likelihood, severity = effective_levels(
        likelihood,
        severity,
        vulnerable_groups=vulnerable_groups,
        minimum=grid.vulnerable_minimum,
    )
    outcome = grid.cells[(likelihood, severity)]
    text = grid.outcomes[outcome]
    near_miss = likelihood == LEVELS[0]
    reason = text.reason
    if outcome == NOT_REPORTABLE:
        why = not_reportable_reason(likelihood, severity)
        reason = grid.not_reportable_reasons.get(why, reason) if why else reason
    return Verdict(
        outcome=outcome,
        label=text.label,
        reason=reason,
        near_miss=near_miss,
        likelihood=likelihood,
        severity=severity,
    )


def not_reportable_reason(likelihood: int, severity: int) -> str | None:
    """Which of NOT_REPORTABLE_REASONS explains a "none" cell, or None when the grid alone does
    (a corrected cell that is not reportable for another reason gets the outcome's own text)."""
    if likelihood == 1:
        return NEAR_MISS
    if severity == 1:
        return NO_ADVERSE_EFFECT
    if likelihood == 2:
        return NOT_LIKELY
    return None


def must_tell_people(severity: int | None, *, from_severity: int) -> bool:
    """UK GDPR Article 34: when the risk to the people affected is high, tell them."""
    return severity is not None and severity >= from_severity


def involves_vulnerable_groups(
    people_categories: Collection[str], *, vulnerable: Collection[str]
) -> bool:
    return any(value in vulnerable for value in people_categories)


def is_cyber_incident(
    *, breach_category: str, cyber_caused: str, cyber_categories: Collection[str]
) -> bool:
    """A cyber incident is reported to NHS England's cyber operations centre as well."""
    return cyber_caused == "yes" or breach_category in cyber_categories


# --- The 72-hour clock -----------------------------------------------------------------------


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def deadline(discovered_at: dt.datetime) -> dt.datetime:
    """72 real hours after discovery, in UTC. (Adding hours to a Europe/London time would add
    wall-clock hours, one too many or too few across a clock change.)"""
    _require_aware(discovered_at, "discovered_at")
    return discovered_at.astimezone(dt.UTC) + REPORTING_WINDOW


def time_left(discovered_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """Time until the deadline; negative once it has passed."""
    _require_aware(now, "now")
    return deadline(discovered_at) - now.astimezone(dt.UTC)


def is_late(discovered_at: dt.datetime, submitted_at: dt.datetime) -> bool:
    """Submitted more than 72 hours after discovery (exactly 72 hours is in time)."""
    _require_aware(submitted_at, "submitted_at")
    return submitted_at.astimezone(dt.UTC) > deadline(discovered_at)


def needs_late_reason(
    discovered_at: dt.datetime, submitted_at: dt.datetime, late_reason: str
) -> bool:
    """A late report must say why it is late."""
    return is_late(discovered_at, submitted_at) and not late_reason.strip()


def local_time(value: dt.datetime) -> dt.datetime:
    """An aware datetime as people in England read it."""
    _require_aware(value, "value")
    return value.astimezone(DISPLAY_ZONE)


def from_local(date: dt.date, time: dt.time) -> dt.datetime:
    """A date and time typed in England, in UTC. In the repeated hour when clocks go back, the
    first (summer time) reading is taken; a time skipped when clocks go forward reads as the
    same wall time in winter time (one hour later in real time)."""
    return dt.datetime.combine(date, time, tzinfo=DISPLAY_ZONE).astimezone(dt.UTC)


def describe_time_left(left: dt.timedelta) -> str:
    """'2 days 5 hours left', '45 minutes left', or 'Overdue by 3 hours'."""
    seconds = int(left.total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if not days and (minutes or not parts):
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    words = " ".join(parts)
    return f"Overdue by {words}" if overdue else f"{words} left"


# --- What a report still needs ---------------------------------------------------------------

# The steps of the guided report, in order; each key is a page of the report.
STEPS: tuple[str, ...] = (
    "when-happened",
    "when-discovered",
    "how-discovered",
    "what-happened",
    "category",
    "cyber",
    "information-affected",
    "personal-data",
    "people",
    "numbers",
    "consequences",
    "containment",
    "people-told",
    "others-told",
    "likelihood",
    "severity",
)


@dataclass(frozen=True)
class ReportAnswers:
    """A report's answers as plain data (incidents/models.py gives them from an Incident)."""

    happened_at: dt.datetime | None = None
    happened_at_unknown: bool = False
    discovered_at: dt.datetime | None = None
    how_discovered: str = ""
    description: str = ""
    breach_category: str = ""
    cyber_caused: str = ""
    information_affected: tuple[str, ...] = ()
    personal_data: tuple[str, ...] = ()
    people_categories: tuple[str, ...] = ()
    records_count: int | None = None
    records_not_known: bool = False
    people_count: int | None = None
    people_not_known: bool = False
    consequences: str = ""
    containment: str = ""
    people_told: str = ""
    others_told: tuple[str, ...] = ()
    likelihood: int | None = None
    severity: int | None = None


@dataclass(frozen=True)
class Missing:
    step: str
    message: str


def missing_answers(answers: ReportAnswers) -> list[Missing]:
    """Every answer a report still needs before it can be submitted, in step order."""
    a = answers
    checks: list[tuple[str, bool, str]] = [
        (
            "when-happened",
            a.happened_at is not None or a.happened_at_unknown,
            "Enter when the incident happened, or say you do not know",
        ),
        ("when-discovered", a.discovered_at is not None, "Enter when the incident was discovered"),
        ("how-discovered", bool(a.how_discovered.strip()), "Say how the incident was discovered"),
        ("what-happened", bool(a.description.strip()), "Describe what happened"),
        ("category", bool(a.breach_category), "Select the kind of incident"),
        ("cyber", bool(a.cyber_caused), "Say whether a cyber incident caused it"),
        (
            "information-affected",
            bool(a.information_affected),
            "Select how the information was affected",
        ),
        ("personal-data", bool(a.personal_data), "Select the kinds of personal data involved"),
        ("people", bool(a.people_categories), "Select who the information is about"),
        (
            "numbers",
            (a.records_count is not None or a.records_not_known)
            and (a.people_count is not None or a.people_not_known),
            "Enter roughly how many records and people are involved, or say not yet known",
        ),
        ("consequences", bool(a.consequences.strip()), "Describe the likely consequences"),
        ("containment", bool(a.containment.strip()), "Say what has been done to contain it"),
        ("people-told", bool(a.people_told), "Say whether the people affected have been told"),
        ("others-told", bool(a.others_told), "Say who else has been told"),
        ("likelihood", a.likelihood is not None, "Select how likely it is that harm has occurred"),
        ("severity", a.severity is not None, "Select how severe the harm could be"),
    ]
    return [Missing(step, message) for step, answered, message in checks if not answered]


def discovery_problem(
    *, happened_at: dt.datetime | None, discovered_at: dt.datetime, now: dt.datetime
) -> str | None:
    """Why a discovery time cannot be right, or None."""
    if discovered_at > now:
        return "The time it was discovered must be in the past"
    if happened_at is not None and discovered_at < happened_at:
        return "The time it was discovered must be the same as or after when it happened"
    return None
