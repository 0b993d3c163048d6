"""What the incident pages show: each answer in words, the clock, the verdict and what to do next.

Plain functions over an Incident's answers (`Incident.answers()`) and the scales; templates only
print what these return.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from . import rules
from .models import NOBODY_ELSE, InformationAffected, PeopleTold, YesNoDontKnow
from .scales import Scales, option_labels

# The question each step asks: the page heading, and the row's key on check answers.
QUESTIONS: dict[str, str] = {
    "when-happened": "When did the incident happen?",
    "when-discovered": "When was the incident discovered?",
    "how-discovered": "How was the incident discovered?",
    "what-happened": "What happened?",
    "category": "What kind of incident was it?",
    "cyber": "Was it caused by a cyber incident?",
    "information-affected": "How was the information affected?",
    "personal-data": "What kinds of personal data were involved?",
    "people": "Who is the information about?",
    "numbers": "Roughly how many records and people are involved?",
    "consequences": "What are the likely consequences for the people affected?",
    "containment": "What has been done to contain the incident and put things right?",
    "people-told": "Have the people affected been told?",
    "others-told": "Who else has been told?",
    "likelihood": "How likely is it that harm has occurred?",
    "severity": "How severe could the harm to the people affected be?",
}

NOBODY_ELSE_LABEL = "No one else yet"
NOT_YET_KNOWN = "Not yet known"


def when(value: dt.datetime) -> str:
    """'1 June 2026 at 09:00', in England's time."""
    local = rules.local_time(value)
    return f"{local.day} {calendar.month_name[local.month]} {local.year} at {local:%H:%M}"


@dataclass(frozen=True)
class AnswerRow:
    step: str
    question: str
    lines: tuple[str, ...]  # empty when not answered yet

    @property
    def answered(self) -> bool:
        return bool(self.lines)


def _labels(values: tuple[str, ...], labels: dict[str, str]) -> tuple[str, ...]:
    return tuple(labels.get(value, value) for value in values)


def _number(count: int | None, not_known: bool, noun: str) -> str:
    if not_known:
        return f"{noun}: {NOT_YET_KNOWN.lower()}"
    return f"{noun}: {count:,}" if count is not None else ""


def _level(level: int | None, label: str) -> tuple[str, ...]:
    return (f"{level} – {label}",) if level is not None else ()


def answer_lines(step: str, answers: rules.ReportAnswers, scales: Scales) -> tuple[str, ...]:
    a = answers
    if step == "when-happened":
        if a.happened_at_unknown:
            return ("Not known",)
        return (when(a.happened_at),) if a.happened_at else ()
    if step == "when-discovered":
        return (when(a.discovered_at),) if a.discovered_at else ()
    text_steps = {
        "how-discovered": a.how_discovered,
        "what-happened": a.description,
        "consequences": a.consequences,
        "containment": a.containment,
    }
    if step in text_steps:
        text = text_steps[step].strip()
        return (text,) if text else ()
    if step == "category":
        labels = option_labels(scales.breach_categories)
        return (labels.get(a.breach_category, a.breach_category),) if a.breach_category else ()
    if step == "cyber":
        return (YesNoDontKnow(a.cyber_caused).label,) if a.cyber_caused else ()
    if step == "information-affected":
        return _labels(a.information_affected, dict(InformationAffected.choices))
    if step == "personal-data":
        return _labels(a.personal_data, option_labels(scales.personal_data_categories))
    if step == "people":
        return _labels(a.people_categories, option_labels(scales.people_categories))
    if step == "numbers":
        lines = (
            _number(a.records_count, a.records_not_known, "Records"),
            _number(a.people_count, a.people_not_known, "People"),
        )
        return tuple(line for line in lines if line)
    if step == "people-told":
        return (PeopleTold(a.people_told).label,) if a.people_told else ()
    if step == "others-told":
        labels = {**option_labels(scales.others_told), NOBODY_ELSE: NOBODY_ELSE_LABEL}
        return _labels(a.others_told, labels)
    if step == "likelihood":
        return _level(a.likelihood, scales.likelihood_label(a.likelihood))
    if step == "severity":
        return _level(a.severity, scales.severity_label(a.severity))
    raise ValueError(f"No such step: {step}")


def answer_rows(answers: rules.ReportAnswers, scales: Scales) -> list[AnswerRow]:
    return [
        AnswerRow(step=step, question=QUESTIONS[step], lines=answer_lines(step, answers, scales))
        for step in rules.STEPS
    ]


@dataclass(frozen=True)
class Clock:
    deadline: str  # '4 June 2026 at 10:00'
    left: str  # '2 days 5 hours left' / 'Overdue by 3 hours'
    overdue: bool


def clock(discovered_at: dt.datetime | None, now: dt.datetime) -> Clock | None:
    """The 72-hour clock of a draft; None until the discovery time is known."""
    if discovered_at is None:
        return None
    left = rules.time_left(discovered_at, now)
    return Clock(
        deadline=when(rules.deadline(discovered_at)),
        left=rules.describe_time_left(left),
        overdue=left < dt.timedelta(0),
    )


def verdict_preview(
    *, likelihood: int | None, severity: int | None, vulnerable_groups: bool, scales: Scales
) -> rules.Verdict | None:
    """The grid's verdict once both levels are chosen."""
    if likelihood is None or severity is None:
        return None
    return rules.verdict(
        likelihood, severity, vulnerable_groups=vulnerable_groups, grid=scales.grid
    )


@dataclass(frozen=True)
class NextSteps:
    """What the confirmation page tells the organisation it must still do."""

    reportable: bool
    also_dhsc: bool
    near_miss: bool
    tell_people: bool
    people_already_told: bool
    cyber: bool
    cyber_centre_name: str
    cyber_centre_phone: str


def next_steps(
    *,
    verdict: str,
    near_miss: bool,
    severity: int | None,
    people_told: str,
    breach_category: str,
    cyber_caused: str,
    scales: Scales,
) -> NextSteps:
    return NextSteps(
        reportable=verdict != rules.NOT_REPORTABLE,
        also_dhsc=verdict == rules.ICO_DHSC,
        near_miss=near_miss,
        tell_people=rules.must_tell_people(
            severity, from_severity=scales.tell_people_from_severity
        ),
        people_already_told=people_told == PeopleTold.YES,
        cyber=rules.is_cyber_incident(
            breach_category=breach_category,
            cyber_caused=cyber_caused,
            cyber_categories=scales.cyber_categories,
        ),
        cyber_centre_name=scales.cyber_centre.name,
        cyber_centre_phone=scales.cyber_centre.phone,
    )
