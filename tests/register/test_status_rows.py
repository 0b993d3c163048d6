"""The register's status tables' rows (`{% status_rows %}`) are drawn in Python for speed; they must
be exactly what the template language drew, escaping included."""

import datetime
import re

import pytest
from django.template import engines
from django.test import override_settings
from django.urls import clear_script_prefix, set_script_prefix

from register.search import OrganisationResult
from register.status import PublicStatus, StatusKind

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db

# The rows as the template language drew them before: the oracle.
TEMPLATE_ROWS = """{% for result in rows %}
<tr class="nhsuk-table__row">
<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Name </span><a href="{% url 'organisation-public' result.organisation.ods_code %}">{{ result.organisation.name }}</a></td>
<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">ODS code </span>{{ result.organisation.ods_code }}</td>
<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Status </span>{{ result.status.text }}{% if result.status.source_text %}<br><span class="nhsuk-body-s">{{ result.status.source_text }}</span>{% endif %}</td>
<td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading" aria-hidden="true">Date published </span>{% if result.status.published_on %}{{ result.status.published_on|date:"j F Y" }}{% else %}<span class="nhsuk-u-visually-hidden">Not published</span>{% endif %}</td>
</tr>
{% endfor %}"""  # noqa: E501


def rows_of(template_text: str, rows) -> str:
    html = engines["django"].from_string(template_text).render({"rows": rows})
    return re.sub(r">\s+<", "><", html).strip()


def results():
    published = datetime.date(2026, 1, 5)
    return [
        OrganisationResult(
            OrganisationFactory.build(ods_code="VQ1", name='Tom & Jerry\'s "Care" <Home>'),
            PublicStatus(
                kind=StatusKind.CURRENT,
                text="25/26 Standards Met",
                published_on=published,
                level="Standards Met",
                year="2025-26",
                toolkit_text="25/26 Standards Met",
            ),
        ),
        OrganisationResult(
            OrganisationFactory.build(ods_code="TEST CODE-1", name="Café <b>Ward</b>"),
            PublicStatus(
                kind=StatusKind.CURRENT,
                text="25/26 Standards Exceeded",
                published_on=datetime.date(2025, 11, 30),
                via_hq_name="Group <&> Ltd",
                via_hq_code="AB12",
            ),
        ),
        OrganisationResult(
            OrganisationFactory.build(ods_code="VQ3", name="Nothing yet"),
            PublicStatus(kind=StatusKind.NOT_REGISTERED, text="Not registered <yet>"),
        ),
    ]


def test_the_rows_are_what_the_template_language_drew():
    drawn = rows_of("{% load status_rows %}{% status_rows rows %}", results())
    assert drawn == rows_of(TEMPLATE_ROWS, results())
    # What the comparison covers: escaping, a covering HQ, a code with a space, no date.
    assert "Tom &amp; Jerry&#x27;s &quot;Care&quot; &lt;Home&gt;" in drawn
    assert "Covered by the publication of Group &lt;&amp;&gt; Ltd (AB12)" in drawn
    assert 'href="/organisations/TEST%20CODE-1/"' in drawn
    assert '<span class="nhsuk-u-visually-hidden">Not published</span>' in drawn
    assert "30 November 2025" in drawn


@override_settings(FORCE_SCRIPT_NAME="/X0portal/")
def test_the_links_follow_the_sites_address_prefix():
    set_script_prefix("/X0portal/")
    try:
        drawn = rows_of("{% load status_rows %}{% status_rows rows %}", results())
        assert drawn == rows_of(TEMPLATE_ROWS, results())
        assert 'href="/X0portal/organisations/VQ1/"' in drawn
    finally:
        clear_script_prefix()
