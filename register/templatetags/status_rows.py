"""`{% status_rows rows %}`: the body rows of the register's status tables (search results, an
HQ's branches, an area's organisations).

A search page is drawn afresh for every new word anyone types. Drawn by the template language, its
25 rows took about 2.5 ms, a fifth of the whole page: each cell's lookups, filters and escaping,
and a URL reversed for each row, cost more than the markup. Here each value is escaped once (as
the template language escapes it) and the organisation pages' address is reversed once per table.
The table around the rows stays in `register/_status_table.html`.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from assessments.vocabulary import format_date

register = template.Library()

# Any code the address accepts, as a stand-in to reverse the address once.
_STAND_IN = "X0"


def _heading(text: str) -> str:
    return f'<span class="nhsuk-table-responsive__heading" aria-hidden="true">{text} </span>'


_CELL = '<td class="nhsuk-table__cell">'
_NAME, _CODE, _STATUS, _DATE = (
    _CELL + _heading(text) for text in ("Name", "ODS code", "Status", "Date published")
)
_NOT_PUBLISHED = '<span class="nhsuk-u-visually-hidden">Not published</span>'


def _row(result, before: str, after: str) -> str:
    organisation, status = result.organisation, result.status
    code = organisation.ods_code
    source = status.source_text
    published = format_date(status.published_on) if status.published_on else ""
    # The address as reverse() writes it: the code percent-encoded (a space as %20).
    href = escape(f"{before}{quote(code, safe='-')}{after}")
    return (
        '<tr class="nhsuk-table__row">'
        f'{_NAME}<a href="{href}">{escape(organisation.name)}</a></td>'
        f"{_CODE}{escape(code)}</td>"
        f"{_STATUS}{escape(status.text)}"
        + (f'<br><span class="nhsuk-body-s">{escape(source)}</span>' if source else "")
        + "</td>"
        f"{_DATE}{escape(published) if published else _NOT_PUBLISHED}</td>"
        "</tr>\n"
    )


@register.simple_tag
def status_rows(rows: Iterable) -> SafeString:
    """One row per result (anything with `.organisation` and `.status`): name linking to the
    organisation's page, ODS code, status with where it comes from, date published."""
    before, _, after = reverse("organisation-public", args=[_STAND_IN]).rpartition(_STAND_IN)
    return mark_safe("".join(_row(result, before, after) for result in rows))
