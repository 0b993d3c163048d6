"""The evidence library on the assessment overview: `{% library_review_panel %}` warns about
documents past their review date (with a link to review them) and otherwise links to the
library. One query."""

from __future__ import annotations

from django import template
from django.utils import timezone

from evidence.selectors import library_overdue_count

register = template.Library()


@register.inclusion_tag("evidence/_library_review_panel.html", takes_context=True)
def library_review_panel(context) -> dict:
    request = context.get("request")
    organisation = getattr(request, "organisation", None)
    if organisation is None:
        return {"show": False}
    return {
        "show": True,
        "overdue": library_overdue_count(organisation=organisation, on=timezone.localdate()),
    }
