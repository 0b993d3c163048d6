"""What the publish pages show for a `rules.Decision`: each level with its problems grouped.

Plain functions over the rules' results; views pass these to templates, which only display them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from assessments.vocabulary import (
    LEVELS,
    STANDARDS_EXCEEDED,
    STANDARDS_MET,
    format_date,
    level_label,
    status_text,
)

from .coverage import PublicationFact, current_until
from .rules import Decision, Problem, ProblemKind


@dataclass(frozen=True)
class LevelChoice:
    """One level on the publish page: whether it is open, and if not, what to do, grouped."""

    value: str
    label: str
    allowed: bool
    # Standards Exceeded while Standards Met is still out of reach: its item lists would repeat
    # Standards Met's, so the page says "complete Standards Met first" instead.
    needs_met_first: bool
    item_problems: tuple[Problem, ...]  # to complete or review, each a link to its item
    not_met_problems: tuple[Problem, ...]  # answered, but the answer leaves it unmet
    plan_problems: tuple[Problem, ...]  # the action plan still needs these
    profile_problems: tuple[Problem, ...]  # fixed in the organisation profile
    rule_problems: tuple[Problem, ...]  # the level is not open at all, and why
    item_problems_open: bool  # the first list of items is unfolded; later ones repeat it


def publish_levels(decision: Decision) -> list[LevelChoice]:
    """Every level in order, with the decision's problems for it sorted by what fixes them."""
    met_first = not decision.may_publish(STANDARDS_MET)
    choices: list[LevelChoice] = []
    for level in LEVELS:
        problems = decision.problems_for(level)
        needs_met_first = level == STANDARDS_EXCEEDED and met_first

        def of(
            *kinds: ProblemKind, problems: tuple[Problem, ...] = problems
        ) -> tuple[Problem, ...]:
            return tuple(problem for problem in problems if problem.kind in kinds)

        items = of(ProblemKind.ITEM_MISSING, ProblemKind.ITEM_NEEDS_REVIEW)
        not_met = of(ProblemKind.ITEM_NOT_MET)
        if needs_met_first:
            items = not_met = ()  # said once, under Standards Met
        choices.append(
            LevelChoice(
                value=level,
                label=level_label(level),
                allowed=decision.may_publish(level),
                needs_met_first=needs_met_first,
                item_problems=items,
                not_met_problems=not_met,
                plan_problems=_of(problems, ProblemKind.ACTION_PLAN),
                profile_problems=_of(problems, ProblemKind.PROFILE),
                rule_problems=_of(problems, ProblemKind.LEVEL_RULE),
                item_problems_open=not choices or not choices[0].item_problems,
            )
        )
    return choices


def _of(problems: tuple[Problem, ...], *kinds: ProblemKind) -> tuple[Problem, ...]:
    return tuple(problem for problem in problems if problem.kind in kinds)


# --- the publication deadline, before and after -------------------------------------------------


@dataclass(frozen=True)
class DeadlineNotice:
    """What the dashboard, the assessment and the publish page say about the year's deadline.

    Before the deadline (and on the day itself) it is still to come. After it, the page says so
    and what it means for the organisation's status: a status published for an earlier year is
    out of date from the day after the deadline (`coverage.current_until`, ADR 8), and one
    published for this year is unaffected.
    """

    year: str
    deadline: datetime.date
    passed: bool
    published_this_year: bool
    last_status: str  # "24/25 Standards Met": the status in force, "" when never published
    out_of_date_from: datetime.date | None  # the day the last status stopped being current

    @property
    def deadline_text(self) -> str:
        return format_date(self.deadline)

    @property
    def out_of_date_from_text(self) -> str:
        return format_date(self.out_of_date_from) if self.out_of_date_from else ""


def deadline_notice(
    *,
    year: str,
    deadlines: Mapping[str, datetime.date],
    today: datetime.date,
    latest: PublicationFact | None,
) -> DeadlineNotice:
    """`latest`: the publication that speaks for the organisation (coverage.deciding_publication),
    None when nothing does. `deadlines`: DSPT year → publication deadline of the loaded banks."""
    deadline = deadlines[year]
    published_this_year = latest is not None and latest.year >= year
    out_of_date_from = None
    if latest is not None and not published_this_year:
        until = current_until(year=latest.year, deadlines=deadlines)
        if until is not None and until < today:
            out_of_date_from = until + datetime.timedelta(days=1)
    return DeadlineNotice(
        year=year,
        deadline=deadline,
        passed=today > deadline,
        published_this_year=published_this_year,
        last_status=status_text(latest.year, latest.level) if latest is not None else "",
        out_of_date_from=out_of_date_from,
    )


@dataclass(frozen=True)
class PublishedPlanLine:
    """A line of a published action plan as people read it."""

    ref: str
    requirement: str
    action: str
    responsible_person: str
    target_date: str  # "15 March 2027"


def published_action_plan(lines: list[Mapping]) -> list[PublishedPlanLine]:
    """The action plan stored with a publication (dates as ISO text), with its dates written as
    everywhere else in the portal. A date that is not ISO text is shown as it was stored."""
    shown = []
    for line in lines:
        stored = str(line.get("target_date") or "")
        try:
            target = format_date(datetime.date.fromisoformat(stored))
        except ValueError:
            target = stored
        shown.append(
            PublishedPlanLine(
                ref=str(line.get("ref", "")),
                requirement=str(line.get("requirement", "")),
                action=str(line.get("action", "")),
                responsible_person=str(line.get("responsible_person", "")),
                target_date=target,
            )
        )
    return shown
