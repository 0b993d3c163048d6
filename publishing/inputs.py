"""The one adapter that reads the database for the publishing rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from assessments import selectors as assessment_selectors
from assessments.models import Assessment, EvidenceItem
from assessments.selectors import AssessmentView
from organisations.models import OrganisationProfile

from . import rules
from .models import ActionPlanEntry
from .selectors import publications_in_force


def _rule_inputs(assessment: Assessment, view: AssessmentView | None = None):
    if view is None:
        view = assessment_selectors.assessment_view(assessment=assessment)
    return view, view.rule_items, view.rule_answers


def publishing_decision(
    *, assessment: Assessment, publication_date: date, view: AssessmentView | None = None
) -> rules.Decision:
    """`view`: the assessment's items and answers when the page has read them already."""
    organisation = assessment.organisation
    _, items, answers = _rule_inputs(assessment, view)
    previous = [
        rules.PreviousPublication(year=year, level=level, published_on=published_at.date())
        # A withdrawn publication never counted, so it does not spend the once-only allowance
        # for Approaching Standards (ADR 10). Only the three facts: never the answers snapshot.
        for year, level, published_at in publications_in_force()
        .filter(organisation=organisation)
        .values_list("bank__year", "level", "published_at")
    ]
    # Read afresh: the publish flow may have just changed it.
    profile = OrganisationProfile.objects.filter(organisation=organisation).first()
    certificate = None
    if profile is not None:
        certificate = rules.CyberEssentialsPlus(
            has_certificate=profile.cyber_essentials_plus == "yes",
            expires_on=profile.cyber_essentials_plus_expires_on,
        )
    plan = [
        rules.ActionPlanLine(
            ref=ref, action=action, responsible_person=responsible_person, target_date=target_date
        )
        for ref, action, responsible_person, target_date in ActionPlanEntry.objects.filter(
            assessment=assessment
        ).values_list("item__ref", "action", "responsible_person", "target_date")
    ]
    return rules.decide(
        items=items,
        answers=answers,
        previous_publications=previous,
        cyber_essentials_plus=certificate,
        action_plan=plan,
        publication_date=publication_date,
    )


def action_plan_items(*, assessment: Assessment, today: date) -> list[EvidenceItem]:
    """The items the action plan must cover: needed for Standards Met and not met yet on `today`
    (missing, not reviewed, or answered in a way that leaves the requirement unmet)."""
    view, items, answers = _rule_inputs(assessment)
    outstanding = {item.ref for item in rules.outstanding_for_action_plan(items, answers, on=today)}
    return [item for item in view.items if item.ref in outstanding]


def action_plan_problems(
    *, items: Sequence[EvidenceItem], lines: Sequence[rules.ActionPlanLine], today: date
) -> list[rules.Problem]:
    """Each refusal the publishing rules would give the lines, e.g. a date too far ahead."""
    by_ref = {line.ref: line for line in lines}
    return [
        problem
        for item in items
        for problem in rules.action_plan_line_problems(
            assessment_selectors.rule_item(item), by_ref.get(item.ref), today
        )
    ]
