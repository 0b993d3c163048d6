"""The incident log on the evidence items it is evidence for: `{% incident_log_evidence %}`
on the evidence item page shows "Your incident log: N reports this year" with a link, on those
items only (EVIDENCE_REFS)."""

from __future__ import annotations

from django import template
from django.utils import timezone

from assessments.vocabulary import dspt_year_dates, dspt_year_for
from incidents.log_selectors import incident_reports_in_year

register = template.Library()

# 6.1.1 "Do you have a way for data breaches to be reported?" and 5.1.1, the yearly look back at
# breaches and near misses (fixtures/question-bank-2025-26.yaml).
EVIDENCE_REFS = frozenset({"6.1.1", "5.1.1"})


@register.inclusion_tag("incidents/_evidence_link.html", takes_context=True)
def incident_log_evidence(context, item, bank) -> dict:
    request = context.get("request")
    organisation = getattr(request, "organisation", None)
    if item.ref not in EVIDENCE_REFS or organisation is None:
        return {"show": False}
    try:
        dspt_year_dates(bank.year)
        year = bank.year
    except ValueError:
        year = dspt_year_for(timezone.localdate())
    return {
        "show": True,
        "count": incident_reports_in_year(organisation=organisation, year=year),
        "year": year,
        "this_year": year == dspt_year_for(timezone.localdate()),
    }
