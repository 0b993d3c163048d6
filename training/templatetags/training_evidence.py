"""The staff training register on the evidence items it serves: `{% training_register_evidence
item bank %}` on the evidence item page. On 3.2.1 it shows today's figure and the "Fill 3.2.1
from the register" button; on 3.1.1 the training needs analysis spreadsheet made from the
register's job titles."""

from __future__ import annotations

from django import template
from django.utils import timezone

from organisations.roles import Permission
from organisations.rules import membership_has_permission
from training import fill, presenters, selectors

register = template.Library()

NEEDS_ANALYSIS_REF = "3.1.1"


@register.inclusion_tag("training/_item_panel.html", takes_context=True)
def training_register_evidence(context, item, bank) -> dict:
    request = context.get("request")
    organisation = getattr(request, "organisation", None)
    if organisation is None or item.ref not in (fill.ITEM_REF, NEEDS_ANALYSIS_REF):
        return {"show": False}
    if item.ref == NEEDS_ANALYSIS_REF:
        return {"show": True, "needs_analysis": True}
    today = timezone.localdate()
    figures = selectors.register_headline(
        rows=selectors.register_rows(organisation=organisation, day=today), day=today
    )
    panel = None
    if membership_has_permission(getattr(request, "membership", None), Permission.EDIT_EVIDENCE):
        try:
            panel = {
                "year": bank.year,
                "plan": fill.fill_plan(organisation=organisation, year=bank.year, today=today),
            }
        except fill.FillRefused as refusal:
            panel = {"year": bank.year, "refused": refusal.message}
    return {
        "show": True,
        "needs_analysis": False,
        "headline_text": presenters.headline_text(figures),
        "has_people": figures.percent is not None,
        "today": today,
        "fill": panel,
    }
