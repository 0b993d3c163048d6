"""Which levels an organisation may publish at, and why not: plain functions over plain data.

No Django imports (a test checks): the publish page, the action plan spreadsheet and the public
status all build on these, and they are tested as tables without a database. Applicability and
"answered" come from `assessments.rules` so the assessment pages and publishing never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from assessments.rules import (
    APPROACHING,
    MET,
    AnswerValues,
    Item,
    ItemStatus,
    add_months,
    item_statuses,
    what_meets,
)
from assessments.vocabulary import (
    APPROACHING_STANDARDS,
    LEVELS,
    STANDARDS_EXCEEDED,
    STANDARDS_MET,
    format_date,
    status_text,
)

# How far ahead an action plan target date may be.
ACTION_PLAN_MONTHS = 12

# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviousPublication:
    year: str  # DSPT year, "2024-25"
    level: str  # approaching / met / exceeded
    published_on: date


@dataclass(frozen=True)
class CyberEssentialsPlus:
    has_certificate: bool
    expires_on: date | None = None


@dataclass(frozen=True)
class ActionPlanLine:
    ref: str
    action: str
    responsible_person: str
    target_date: date | None


# --- output -------------------------------------------------------------------------------------


class ProblemKind(StrEnum):
    """What a problem is about, so pages group and link problems without reading codes."""

    ITEM_MISSING = "item_missing"  # an item that applies is not answered
    ITEM_NEEDS_REVIEW = "item_needs_review"  # carried forward and not looked at again
    ITEM_NOT_MET = "item_not_met"  # answered in a way that leaves the requirement unmet
    ACTION_PLAN = "action_plan"  # a line of the Approaching Standards action plan
    PROFILE = "profile"  # fixed in the organisation profile (Cyber Essentials Plus)
    LEVEL_RULE = "level_rule"  # the level itself is not open (once only, Met within reach)


# Every code a rule can give, with its kind: a code names one reason, a kind a family of them.
PROBLEM_KINDS: Mapping[str, ProblemKind] = MappingProxyType(
    {
        "missing_mandatory": ProblemKind.ITEM_MISSING,
        "missing": ProblemKind.ITEM_MISSING,
        "needs_review": ProblemKind.ITEM_NEEDS_REVIEW,
        "not_met": ProblemKind.ITEM_NOT_MET,
        "action_plan_missing": ProblemKind.ACTION_PLAN,
        "action_plan_action": ProblemKind.ACTION_PLAN,
        "action_plan_person": ProblemKind.ACTION_PLAN,
        "action_plan_target_date": ProblemKind.ACTION_PLAN,
        "action_plan_target_past": ProblemKind.ACTION_PLAN,
        "action_plan_target_too_far": ProblemKind.ACTION_PLAN,
        "cyber_essentials_plus_missing": ProblemKind.PROFILE,
        "cyber_essentials_plus_no_expiry": ProblemKind.PROFILE,
        "cyber_essentials_plus_expired": ProblemKind.PROFILE,
        "approaching_already_published": ProblemKind.LEVEL_RULE,
        "approaching_met_achievable": ProblemKind.LEVEL_RULE,
    }
)


@dataclass(frozen=True)
class Problem:
    ref: str | None  # the item to link to, when the problem is about one item
    section: str | None
    message: str
    code: str  # one reason, stable for tests; the message may be reworded

    def __post_init__(self) -> None:
        if self.code not in PROBLEM_KINDS:
            raise ValueError(f"Unknown problem code {self.code!r}")

    @property
    def kind(self) -> ProblemKind:
        return PROBLEM_KINDS[self.code]

    @property
    def is_about_an_item(self) -> bool:
        return self.kind in (ProblemKind.ITEM_MISSING, ProblemKind.ITEM_NEEDS_REVIEW)


@dataclass(frozen=True)
class Decision:
    allowed: tuple[str, ...]  # in LEVELS order
    problems: Mapping[str, tuple[Problem, ...]]  # one entry for every level NOT allowed

    def may_publish(self, level: str) -> bool:
        return level in self.allowed

    @property
    def best_level(self) -> str | None:
        return self.allowed[-1] if self.allowed else None

    def problems_for(self, level: str) -> tuple[Problem, ...]:
        return self.problems.get(level, ())


def _in_section(section: str) -> str:
    # Items without a section title would otherwise read "in the  section".
    return f" in the {section} section" if section else ""


# --- the rules ----------------------------------------------------------------------------------


def _needed_for_met(item: Item, status: ItemStatus) -> bool:
    # Optional items are never needed; conditional ones only when their condition holds.
    return item.level in (APPROACHING, MET) and status.applies


def outstanding_for_action_plan(
    items: Sequence[Item], answers: Mapping[str, AnswerValues], *, on: date
) -> tuple[Item, ...]:
    """Items Standards Met needs that are not met yet on `on` (missing, not reviewed, or answered
    in a way that leaves the requirement unmet), in item order.

    These are the rows of the action plan an Approaching Standards publication must carry.
    """
    items = list(items)
    statuses = item_statuses(items, answers, on=on)
    return tuple(
        item
        for item in items
        if _needed_for_met(item, statuses[item.ref]) and not statuses[item.ref].satisfied
    )


def _item_problem(item: Item, status: ItemStatus) -> Problem:
    section = item.section or None
    if status.not_met:
        return Problem(
            ref=item.ref,
            section=section,
            message=(
                f"Requirement {item.ref}{_in_section(item.section)} is not met: "
                f"Standards Met needs {what_meets(item)}"
            ),
            code="not_met",
        )
    if status.answered and status.needs_review:
        return Problem(
            ref=item.ref,
            section=section,
            message=(
                f"Please review requirement {item.ref}{_in_section(item.section)}: "
                "it was carried forward from last year"
            ),
            code="needs_review",
        )
    mandatory = "mandatory " if item.level == APPROACHING else ""
    return Problem(
        ref=item.ref,
        section=section,
        message=f"Please complete {mandatory}requirement {item.ref}{_in_section(item.section)}",
        code="missing_mandatory" if item.level == APPROACHING else "missing",
    )


def _item_problems(
    items: Sequence[Item], statuses: Mapping[str, ItemStatus], levels: tuple[str, ...]
) -> list[Problem]:
    return [
        _item_problem(item, statuses[item.ref])
        for item in items
        if item.level in levels and statuses[item.ref].applies and not statuses[item.ref].satisfied
    ]


def action_plan_line_problems(
    item: Item, line: ActionPlanLine | None, publication_date: date
) -> list[Problem]:
    ref, section = item.ref, item.section or None
    if line is None:
        return [
            Problem(
                ref=ref,
                section=section,
                message=f"Add an action plan for requirement {ref}{_in_section(item.section)}",
                code="action_plan_missing",
            )
        ]
    problems = []
    if not line.action.strip():
        problems.append(
            Problem(ref, section, f"Enter the action to be taken for {ref}", "action_plan_action")
        )
    if not line.responsible_person.strip():
        problems.append(
            Problem(ref, section, f"Enter the person responsible for {ref}", "action_plan_person")
        )
    if line.target_date is None:
        problems.append(
            Problem(ref, section, f"Enter a target date for {ref}", "action_plan_target_date")
        )
    elif line.target_date <= publication_date:
        problems.append(
            Problem(
                ref,
                section,
                f"The target date for {ref} must be in the future",
                "action_plan_target_past",
            )
        )
    elif line.target_date > add_months(publication_date, ACTION_PLAN_MONTHS):
        problems.append(
            Problem(
                ref,
                section,
                f"The target date for {ref} must be within the next 12 months",
                "action_plan_target_too_far",
            )
        )
    return problems


def _cyber_essentials_plus_problem(
    certificate: CyberEssentialsPlus | None, publication_date: date
) -> Problem | None:
    if certificate is None or not certificate.has_certificate:
        return Problem(
            None,
            None,
            "Record a current Cyber Essentials Plus certificate in your organisation profile",
            "cyber_essentials_plus_missing",
        )
    if certificate.expires_on is None:
        # Without an expiry date we cannot tell the certificate is current on the day.
        return Problem(
            None,
            None,
            "Record the expiry date of your Cyber Essentials Plus certificate "
            "in your organisation profile",
            "cyber_essentials_plus_no_expiry",
        )
    if certificate.expires_on < publication_date:
        return Problem(
            None,
            None,
            "Your Cyber Essentials Plus certificate expired on "
            f"{format_date(certificate.expires_on)}",
            "cyber_essentials_plus_expired",
        )
    if certificate.expires_on == publication_date:
        # "Current" means it runs beyond the publication day; one ending today does not.
        return Problem(
            None,
            None,
            "Your Cyber Essentials Plus certificate expires today "
            f"({format_date(certificate.expires_on)}); record your renewed certificate "
            "in your organisation profile",
            "cyber_essentials_plus_expired",
        )
    return None


def decide(
    *,
    items: Sequence[Item],
    answers: Mapping[str, AnswerValues],
    previous_publications: Sequence[PreviousPublication],
    cyber_essentials_plus: CyberEssentialsPlus | None,
    action_plan: Sequence[ActionPlanLine],
    publication_date: date,
) -> Decision:
    """The levels the organisation may publish at on `publication_date`, and what blocks the rest.

    Problems follow item order; problems not about an item (once-only, Cyber Essentials Plus)
    come where they read naturally: first when nothing else matters, last otherwise.
    """
    items = list(items)
    statuses = item_statuses(items, answers, on=publication_date)
    problems: dict[str, tuple[Problem, ...]] = {}

    met_problems = _item_problems(items, statuses, (APPROACHING, MET))
    met_ok = not met_problems
    if not met_ok:
        problems[STANDARDS_MET] = tuple(met_problems)

    approaching_problems = _approaching_problems(
        items, statuses, previous_publications, action_plan, publication_date, met_ok
    )
    if approaching_problems:
        problems[APPROACHING_STANDARDS] = tuple(approaching_problems)

    exceeded_problems = list(met_problems)
    certificate_problem = _cyber_essentials_plus_problem(cyber_essentials_plus, publication_date)
    if certificate_problem is not None:
        exceeded_problems.append(certificate_problem)
    if exceeded_problems:
        problems[STANDARDS_EXCEEDED] = tuple(exceeded_problems)

    return Decision(
        allowed=tuple(level for level in LEVELS if level not in problems),
        problems=MappingProxyType(problems),
    )


def _approaching_problems(
    items: Sequence[Item],
    statuses: Mapping[str, ItemStatus],
    previous_publications: Sequence[PreviousPublication],
    action_plan: Sequence[ActionPlanLine],
    publication_date: date,
    met_ok: bool,
) -> list[Problem]:
    if previous_publications:
        # Once only, as a first publication, whatever year or level came before. Nothing the
        # organisation can fill in changes that, so the other problems would only mislead.
        last = max(previous_publications, key=lambda p: p.published_on)
        return [
            Problem(
                None,
                None,
                "Approaching Standards can only be published once, as a first publication. "
                f"You last published {status_text(last.year, last.level)} "
                f"on {format_date(last.published_on)}",
                "approaching_already_published",
            )
        ]
    if met_ok:
        # Not offered when Standards Met is within reach: Approaching Standards is a one-off
        # allowance for an organisation not there yet. Taking it would spend that allowance, give
        # a weaker public status and no certificate, and its action plan would have nothing in it.
        return [
            Problem(
                None,
                None,
                "Your assessment is complete for Standards Met, so publish Standards Met "
                "instead of Approaching Standards",
                "approaching_met_achievable",
            )
        ]

    plan_by_ref: dict[str, ActionPlanLine] = {}
    for line in action_plan:
        # One line per item is expected; if a caller passes two, the first one counts.
        plan_by_ref.setdefault(line.ref.strip(), line)

    result: list[Problem] = []
    for item in items:
        status = statuses[item.ref]
        if not _needed_for_met(item, status) or status.satisfied:
            continue
        if item.level == APPROACHING and not status.done:
            # It must be answered (and reviewed) for this level. Once it is answered and met it
            # needs no plan; answered but not met, the plan must say how it will be met.
            result.append(_item_problem(item, status))
        else:
            result.extend(
                action_plan_line_problems(item, plan_by_ref.get(item.ref), publication_date)
            )
    return result
