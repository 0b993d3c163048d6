"""Publishing's panels on other apps' pages: the assessment page's Publish entry point and the
deadline notice on the dashboard, the assessment and the publish page.

Templates of the assessments and organisations apps load these tags, so that those apps never
import publishing (imports run one way, ADR 6) while the words and the reasons come from
publishing's own rules and presenters, never worked out again.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from assessments import selectors as assessment_selectors

from .. import coverage, inputs, presenters, selectors

register = template.Library()

# How many item problems the assessment page lists one by one before linking to the rest.
ITEM_PROBLEMS_SHOWN = 5


@register.inclusion_tag("publishing/_publish_panel.html", takes_context=True)
def publish_panel(context, assessment, view=None):
    """The Publish entry point on the assessment page of the year that can be published (the
    latest bank): the button for those who may publish, and the problems when nothing can be
    published yet, from the same decision and presenter as the publish page."""
    latest_bank = assessment_selectors.bank_latest()
    if latest_bank is None or latest_bank.pk != assessment.bank_id:
        return {"show": False}
    decision = inputs.publishing_decision(
        assessment=assessment, publication_date=timezone.localdate(), view=view
    )
    levels = presenters.publish_levels(decision)
    # The problems of the first level that is open in principle (no level rule bars it, as one
    # does Approaching Standards once it has been published): what to work on, after the reasons
    # the levels below it are closed.
    target = next(
        (level for level in levels if not level.rule_problems and not level.needs_met_first),
        levels[0],
    )
    below = levels[: levels.index(target)]
    item_problems = target.item_problems
    return {
        "show": True,
        "bank": assessment.bank,
        "organisation": assessment.organisation,
        "may_publish": "publish" in context.get("current_permissions", ()),
        "can_publish": bool(decision.allowed),
        "rule_problems": tuple(p for level in below for p in level.rule_problems)
        + target.rule_problems,
        "target": target,
        "item_problems_shown": item_problems[:ITEM_PROBLEMS_SHOWN],
        "item_problems_more": max(len(item_problems) - ITEM_PROBLEMS_SHOWN, 0),
    }


@register.inclusion_tag("publishing/_deadline_notice.html", takes_context=True)
def deadline_notice(context, bank, style="inset"):
    """The year's deadline: still to come, or passed and what that means for the status."""
    organisation = context.get("current_organisation") or getattr(
        context.get("request"), "organisation", None
    )
    latest = None
    if organisation is not None:
        facts = selectors.latest_publications(organisation_ids=[organisation.pk])
        latest = coverage.deciding_publication(
            facts.get(organisation.pk, []), registered=organisation.is_registered
        )
    deadlines = assessment_selectors.bank_deadlines()
    deadlines.setdefault(bank.year, bank.publication_deadline)
    return {
        "notice": presenters.deadline_notice(
            year=bank.year, deadlines=deadlines, today=timezone.localdate(), latest=latest
        ),
        "style": style,
    }
