"""The public organisation search, its CSV download and the public organisation page."""

from __future__ import annotations

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Assessment, QuestionBank
from organisations.access import Access
from organisations.models import Organisation
from organisations.roles import Role
from publishing.models import ActionPlanEntry, PublicationLevel
from register import search as search_module
from register import views as register_views
from register.search import (
    PAGE_SIZE,
    organisation_search,
    organisation_search_page,
    organisation_search_rows,
    organisation_statuses,
)
from register.status import StatusKind

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    bank_build,
    publication_build,
)
from ..markup import fixture_html, skeleton
from ..pages import csv_rows, result_rows, search, table_rows

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()
IS_POSTGRESQL = connection.vendor == "postgresql"


# Building data ---------------------------------------------------------------------------------


@pytest.fixture
def current_bank(db):
    """A year whose publications are current today (its deadline is still ahead)."""
    return QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )


@pytest.fixture
def old_bank(db):
    """2019-20, deadline 30 September 2020: with no 2020-21 bank, current until September 2021."""
    return QuestionBank.objects.create(
        year="2019-20", publication_deadline=datetime.date(2020, 9, 30)
    )


def names_in_order(query: str) -> list[str]:
    return [organisation.name for organisation in organisation_search(query=query)]


# The views are public -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "view",
    [
        register_views.organisation_search,
        register_views.organisation_search_csv,
        register_views.organisation_public,
    ],
)
def test_every_view_is_declared_public(view):
    assert view.required_access is Access.PUBLIC


@pytest.mark.parametrize("signed_in", [False, True])
def test_everyone_may_use_the_public_pages(client, administrator, organisation, signed_in):
    if signed_in:
        client.force_login(administrator)
    assert search(client, "langdale").status_code == 200
    assert client.get(reverse("organisation-search-csv"), {"q": "langdale"}).status_code == 200
    assert client.get(reverse("organisation-search-csv")).status_code == 302
    page = client.get(reverse("organisation-public", args=[organisation.ods_code]))
    assert page.status_code == 200
    assert client.post(reverse("organisation-search"), {"q": "x"}).status_code == 405


def test_an_empty_search_shows_the_form_only(client):
    OrganisationFactory(name="Langdale House")
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "\x00\x01"}, {"page": "2"}):
        response = client.get(reverse("organisation-search"), params)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'name="q"' in page
        assert "<table" not in page
        assert "nhsuk-error-summary" not in page


def test_the_search_form_is_the_nhsuk_search_input(client):
    response = client.get(reverse("organisation-search"))
    soup = BeautifulSoup(response.content, "html.parser")
    form = soup.find("form", attrs={"role": "search"})
    assert form["method"] == "get"
    group = form.select_one(".nhsuk-form-group.nhsuk-search-input")
    field = group.select_one("input.nhsuk-search-input__input")
    assert field["type"] == "search"
    assert field["name"] == "q"
    assert group.find("label")["for"] == field["id"]
    assert group.select_one("button.nhsuk-search-input__button")["type"] == "submit"


def _structure(html_or_element, document=None) -> list[str]:
    """The package's structural comparison, blind to the input width and label size we chose."""
    return [
        re.sub(r"\.nhsuk-(input--width-\d+|label--[a-z]+)\b", "", line)
        for line in skeleton(html_or_element, document)
    ]


@pytest.mark.parametrize(
    ("query", "fixture"),
    [("langdale", "default"), ("x" * 101, "with error message and hint")],
)
def test_the_search_input_matches_the_package(client, query, fixture):
    soup = BeautifulSoup(search(client, query).content, "html.parser")
    ours = soup.select_one(".nhsuk-search-input")
    assert _structure(ours, soup) == _structure(fixture_html("search-input", fixture))


def test_the_pagination_matches_the_package(client):
    for n in range(PAGE_SIZE * 2 + 1):
        OrganisationFactory(name=f"Paging Home {n:02d}")
    soup = BeautifulSoup(search(client, "paging", page="2").content, "html.parser")
    ours = soup.select_one("nav.nhsuk-pagination")
    assert _structure(ours, soup) == _structure(fixture_html("pagination", "numbered"))


# Matching and ranking ----------------------------------------------------------------------------


def test_names_starting_with_the_query_come_first_then_alphabetical():
    for name in ["Royal Oak House", "Oakwood", "Broad Oak Care", "Oak Lodge", "Elm Court"]:
        OrganisationFactory(name=name)
    assert names_in_order("oak") == ["Oak Lodge", "Oakwood", "Broad Oak Care", "Royal Oak House"]


def test_the_page_shows_the_same_order(client):
    for name in ["Royal Oak House", "Oakwood", "Broad Oak Care", "Oak Lodge"]:
        OrganisationFactory(name=name)
    response = search(client, "Oak")
    assert response.status_code == 200
    assert [row[0] for row in result_rows(response)] == [
        "Oak Lodge",
        "Oakwood",
        "Broad Oak Care",
        "Royal Oak House",
    ]


def test_a_leading_space_in_an_imported_name_does_not_hide_a_prefix_match():
    for name in [
        "Aardvark Langdale Annexe",
        "Langdale Zeta",
        " LANGDALE HOUSE LTD",
        "Langdale Abbey",
    ]:
        OrganisationFactory(name=name)
    # Ranked and sorted as if the space were not there.
    assert names_in_order("langdale") == [
        "Langdale Abbey",
        " LANGDALE HOUSE LTD",
        "Langdale Zeta",
        "Aardvark Langdale Annexe",
    ]


@pytest.mark.parametrize("query", ["langdale", "LANGDALE", "LangDale", "  langdale  "])
def test_the_search_ignores_case(query):
    OrganisationFactory(name="Langdale House")
    OrganisationFactory(name="Elsewhere Lodge")
    assert names_in_order(query) == ["Langdale House"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Cafe", ["Café Care", "Cafe Royale"]),
        ("CAFÉ", ["Café Care", "Cafe Royale"]),
        ("cafe care", ["Café Care"]),
        ("Zoe", ["Zoë's Place"]),
        ("brontë", ["Bronte House"]),
    ],
)
def test_the_search_ignores_accents_on_postgresql(query, expected):
    if not IS_POSTGRESQL:
        pytest.skip("Accent folding needs PostgreSQL's unaccent; SQLite only folds ASCII case")
    for name in ["Café Care", "Cafe Royale", "Zoë's Place", "Bronte House", "Coffee House"]:
        OrganisationFactory(name=name)
    assert sorted(names_in_order(query)) == sorted(expected)


def test_an_exact_ods_code_comes_first():
    OrganisationFactory(name="AAA Care (VM8L1 annexe)", ods_code="VX001")
    OrganisationFactory(name="VM8L1 Anchors", ods_code="VX002")
    OrganisationFactory(name="Zeta House", ods_code="VM8L1")
    OrganisationFactory(name="Unrelated", ods_code="VM8L2")
    assert names_in_order("vm8l1 ") == ["Zeta House", "VM8L1 Anchors", "AAA Care (VM8L1 annexe)"]


def test_a_code_is_matched_exactly_not_as_a_part():
    OrganisationFactory(name="Zeta House", ods_code="VM8L1")
    assert names_in_order("VM8L") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("%", ["100% Care"]),
        ("100%", ["100% Care"]),
        ("_", ["Under_score Homes"]),
        ("r_s", ["Under_score Homes"]),
        ("\\", ["Back\\slash Care"]),
    ],
)
def test_like_wildcards_are_taken_literally(query, expected):
    for name in [
        "100% Care",
        "1000 Care",
        "Under_score Homes",
        "Underscore Homes",
        "Back\\slash Care",
    ]:
        OrganisationFactory(name=name)
    OrganisationFactory(name="Backslash Care")
    assert names_in_order(query) == expected


# Statuses -----------------------------------------------------------------------------------------


@pytest.fixture
def group(current_bank):
    """An HQ that published for one of its three branches."""
    hq = RegisteredOrganisationFactory(
        name="Example Care Group", ods_code="AB12", kind=Organisation.Kind.HEADQUARTERS
    )
    covered = OrganisationFactory(name="Branch Covered", ods_code="VBR01", parent=hq)
    uncovered = OrganisationFactory(name="Branch Uncovered", ods_code="VBR02", parent=hq)
    registered = RegisteredOrganisationFactory(
        name="Branch Registered", ods_code="VBR03", parent=hq
    )
    publication = publication_build(hq, current_bank, level=PublicationLevel.MET, sites=(covered,))
    return {
        "hq": hq,
        "covered": covered,
        "uncovered": uncovered,
        "registered": registered,
        "publication": publication,
    }


def test_a_branch_covered_by_an_hq_shows_the_hqs_status(client, group, current_bank):
    response = search(client, "Branch")
    published_on = timezone.localdate(group["publication"].published_at)
    rows = {row[1]: row for row in result_rows(response)}
    assert rows["VBR01"][2] == (
        "25/26 Standards Met Covered by the publication of Example Care Group (AB12)"
    )
    assert rows["VBR01"][3] == f"{published_on.day} {published_on:%B %Y}"
    assert rows["VBR02"][2] == "Not registered"
    assert rows["VBR03"][2] == "Registered, not published"
    # Nothing published: the date cell only says so to screen readers.
    assert rows["VBR02"][3] == "Not published"


def test_statuses_in_bulk_pick_the_latest_of_own_and_hq_publications(group, current_bank, old_bank):
    hq, covered, registered = group["hq"], group["covered"], group["registered"]
    uncovered = group["uncovered"]
    earlier, later = NOW - datetime.timedelta(days=20), NOW - datetime.timedelta(days=5)
    # The covered branch: an older HQ publication covered it too; only the HQ's latest counts.
    publication_build(
        hq, old_bank, published_at=NOW - datetime.timedelta(days=400), sites=(covered,)
    )
    # The registered branch: its own publications decide, whatever the HQ published around them.
    publication_build(hq, old_bank, published_at=earlier, sites=(registered,))
    publication_build(
        registered, current_bank, level=PublicationLevel.APPROACHING, published_at=later
    )
    publication_build(registered, old_bank, published_at=NOW - datetime.timedelta(days=400))
    # An unregistered branch with a publication of its own (an import): its own still wins.
    publication_build(
        uncovered, current_bank, level=PublicationLevel.APPROACHING, published_at=earlier
    )
    # The HQ's latest (yesterday) names both: it overrules neither.
    publication_build(
        hq,
        current_bank,
        level=PublicationLevel.EXCEEDED,
        published_at=NOW - datetime.timedelta(days=1),
        sites=(registered, uncovered),
    )

    statuses = organisation_statuses(
        organisations=[hq, covered, registered, uncovered], today=TODAY
    )
    assert statuses[covered.pk].text == "25/26 Standards Met"
    assert statuses[covered.pk].via_hq_code == "AB12"
    assert statuses[registered.pk].text == "25/26 Approaching Standards"
    assert not statuses[registered.pk].is_via_hq
    assert statuses[uncovered.pk].text == "25/26 Approaching Standards"
    assert not statuses[uncovered.pk].is_via_hq
    assert statuses[hq.pk].text == "25/26 Standards Exceeded"
    assert not statuses[hq.pk].is_via_hq


def test_out_of_date_statuses(client, old_bank):
    lapsed = RegisteredOrganisationFactory(name="Lapsed Lodge", ods_code="VLP01")
    publication_build(
        lapsed, old_bank, published_at=datetime.datetime(2020, 6, 1, 9, tzinfo=datetime.UTC)
    )
    OrganisationFactory(
        name="Lapsed Directory Home",
        ods_code="VLP02",
        directory_status="Standards Exceeded",
        directory_published_on=datetime.date(2019, 3, 29),
    )
    rows = {row[1]: row for row in result_rows(search(client, "lapsed"))}
    assert rows["VLP01"][2:] == [
        "Out of date (last published 19/20 Standards Met on 1 June 2020)"
        " Published by the organisation itself",
        "1 June 2020",
    ]
    assert rows["VLP02"][2:] == [
        "Out of date (last published Standards Exceeded on 29 March 2019)"
        " Published in the previous toolkit",
        "29 March 2019",
    ]


# Pagination ---------------------------------------------------------------------------------------


@pytest.fixture
def thirty(db):
    return [OrganisationFactory(name=f"Paging Home {n:02d}") for n in range(30)]


@pytest.mark.parametrize(
    ("page", "expected_page", "expected_rows"),
    [
        (None, 1, PAGE_SIZE),
        ("1", 1, PAGE_SIZE),
        ("2", 2, 5),
        ("3", 2, 5),  # past the end: the last page
        ("99999999999", 2, 5),
        ("abc", 1, PAGE_SIZE),
        ("-1", 1, PAGE_SIZE),
        ("0", 1, PAGE_SIZE),
        ("1.5", 1, PAGE_SIZE),
        ("9" * 5000, 1, PAGE_SIZE),  # absurdly long: treated as nonsense
        ("²", 1, PAGE_SIZE),  # a digit to Unicode, not to int()
        ("\x00", 1, PAGE_SIZE),
    ],
)
def test_pagination(client, thirty, page, expected_page, expected_rows):
    params = {} if page is None else {"page": page}
    response = search(client, "paging home", **params)
    assert response.status_code == 200
    assert response.context["results"].page.number == expected_page
    assert len(result_rows(response)) == expected_rows


def test_the_pagination_is_the_nhsuk_numbered_component(client, thirty):
    soup = BeautifulSoup(search(client, "paging home").content, "html.parser")
    nav = soup.select_one("nav.nhsuk-pagination.nhsuk-pagination--numbered")
    assert nav["aria-label"] == "Pagination"
    current = nav.select_one(".nhsuk-pagination__item--current a")
    assert current["aria-current"] == "page"
    assert current.get_text(strip=True) == "1"
    assert nav.select_one("a.nhsuk-pagination__next")["href"] == "?q=paging+home&page=2"
    assert nav.select_one("a.nhsuk-pagination__previous") is None
    assert soup.find("table")["class"] == ["nhsuk-table-responsive"]


def test_the_result_page_is_paged_in_the_service_layer_too(thirty):
    page = organisation_search_page(query="Paging", page="2", today=TODAY)
    assert page.total == 30
    assert [result.organisation.name for result in page.results] == [
        f"Paging Home {n:02d}" for n in range(25, 30)
    ]


# Hostile input ------------------------------------------------------------------------------------


HOSTILE = [
    "'; DROP TABLE organisations_organisation; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "%",
    "_",
    "%%__%%",
    "\\",
    "\\%",
    "<script>alert(1)</script>",
    "Ñandú señor",
    "🏥",
    "👩‍⚕️ care",
    "Lang\x00dale",
    "\x00",
    "\t\r\n",
    "\u202eelif",
    "",
    "a" * 100,
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(client, query):
    OrganisationFactory(name="Langdale House")
    count = Organisation.objects.count()
    assert search(client, query).status_code == 200
    csv_response = client.get(reverse("organisation-search-csv"), {"q": query})
    assert csv_response.status_code in (200, 302)  # 302: nothing to search for, back to the form
    assert Organisation.objects.count() == count


@pytest.mark.parametrize(
    "query_string",
    [
        "q=%ED%A0%80",  # an encoded lone surrogate: not UTF-8
        "q=%FF%FE%00",
        "q=%",
        "q=%%25",
        "q=a&q=b",
        "q=langdale&page=%FF",
        "q[]=langdale",
    ],
)
def test_malformed_query_strings_never_fail(client, query_string):
    OrganisationFactory(name="Langdale House")
    assert client.get(reverse("organisation-search") + "?" + query_string).status_code == 200
    csv_response = client.get(reverse("organisation-search-csv") + "?" + query_string)
    assert csv_response.status_code in (200, 302)


def test_a_sql_looking_query_is_just_text(client):
    OrganisationFactory(name="Langdale House")
    response = search(client, "'; DROP TABLE organisations_organisation; --")
    assert response.status_code == 200
    assert "No organisations found" in response.content.decode()
    assert Organisation.objects.filter(name="Langdale House").exists()


def test_nul_and_control_characters_are_stripped(client):
    OrganisationFactory(name="Langdale House")
    response = search(client, "Lang\x00dale\x07")
    assert [row[0] for row in result_rows(response)] == ["Langdale House"]


def test_emoji_and_unicode_names_are_found(client):
    OrganisationFactory(name="🏥 Sunshine Ñursing")
    assert [row[0] for row in result_rows(search(client, "🏥"))] == ["🏥 Sunshine Ñursing"]
    assert [row[0] for row in result_rows(search(client, "Ñursing"))] == ["🏥 Sunshine Ñursing"]


@pytest.mark.parametrize("query", ["a" * 101, "x" * 10_240, "🏥" * 101])
def test_a_query_over_100_characters_is_refused(client, query):
    response = search(client, query)
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    summary = soup.select_one(".nhsuk-error-summary")
    assert "Search must be 100 characters or fewer" in summary.get_text()
    assert summary.find("a")["href"] == "#id_q"
    assert (
        "Search must be 100 characters or fewer"
        in soup.select_one(".nhsuk-error-message").get_text()
    )
    assert soup.title.get_text().startswith("Error: ")
    assert soup.find("table") is None
    csv_response = client.get(reverse("organisation-search-csv"), {"q": query})
    assert csv_response.status_code == 400


def test_exactly_100_characters_is_allowed(client):
    assert search(client, "a" * 100).status_code == 200


# CSV --------------------------------------------------------------------------------------------


def test_the_csv_download(client, group, old_bank):
    OrganisationFactory(
        name="Branch Café",
        ods_code="VBR04",
        primary_sector="Care Home",
        directory_status="Standards Met",
        directory_published_on=datetime.date(2019, 5, 14),
    )
    response = client.get(reverse("organisation-search-csv"), {"q": "branch"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="dspt-organisation-search.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content
    rows = csv_rows(response)
    # The toolkit's export layout: its status words, and whether the status lapsed apart.
    assert rows[0] == [
        "Code",
        "Organisation Name",
        "Status",
        "Date Of Publication",
        "Primary Sector",
        "Commissioner",
        "Out Of Date",
    ]
    published_on = timezone.localdate(group["publication"].published_at)
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["VBR01"] == [
        "VBR01",
        "Branch Covered",
        "25/26 Standards Met",
        published_on.strftime("%d/%m/%Y"),
        "Social Care",
        "",
        "No",
    ]
    assert by_code["VBR02"][2:] == ["Not Published", "", "Social Care", "", ""]
    assert by_code["VBR03"][2:4] == ["Not Published", ""]
    # The 2019 export's untagged status was for 2018-19 (published in the months before the
    # deadline), and it has lapsed: said in its own column, never inside the status.
    assert by_code["VBR04"] == [
        "VBR04",
        "Branch Café",
        "18/19 Standards Met",
        "14/05/2019",
        "Care Home",
        "",
        "Yes",
    ]


def test_the_csv_neutralises_formulas(client):
    for code, name in [
        ("VIN01", '=HYPERLINK("http://x")'),
        ("VIN02", "+Plus Injection"),
        ("VIN03", "-Minus Injection"),
        ("VIN04", "@Sum Injection"),
        ("VIN05", "\tTab Injection"),
        ("VIN06", "Plain Injection = fine"),
    ]:
        OrganisationFactory(name=name, ods_code=code)
    names = {
        row[0]: row[1]
        for row in csv_rows(client.get(reverse("organisation-search-csv"), {"q": "i"}))[1:]
    }
    assert names["VIN01"] == '\'=HYPERLINK("http://x")'
    assert names["VIN02"] == "'+Plus Injection"
    assert names["VIN03"] == "'-Minus Injection"
    assert names["VIN04"] == "'@Sum Injection"
    assert names["VIN05"] == "'\tTab Injection"
    assert names["VIN06"] == "Plain Injection = fine"


def test_the_csv_is_capped(client, monkeypatch):
    for n in range(7):
        OrganisationFactory(name=f"Capped Home {n}")
    monkeypatch.setattr(register_views, "CSV_ROW_LIMIT", 5)
    rows = csv_rows(client.get(reverse("organisation-search-csv"), {"q": "capped"}))
    assert [row[1] for row in rows[1:]] == [f"Capped Home {n}" for n in range(5)]


def test_the_csv_statuses_are_worked_out_in_chunks(group):
    for n in range(3):
        OrganisationFactory(name=f"Branch Extra {n}")
    results = organisation_search_rows(query="branch", limit=2000, today=TODAY)
    assert len(results) == 6
    assert {result.organisation.ods_code: result.status.kind for result in results}["VBR01"] is (
        StatusKind.CURRENT
    )


def test_the_page_mentions_the_cap_and_links_the_csv(client):
    OrganisationFactory(name="Langdale House")
    page = search(client, "langdale").content.decode()
    assert "5,000" in page
    assert reverse("organisation-search-csv") + "?q=langdale" in page


def test_the_csv_of_an_empty_search_goes_back_to_the_form(client):
    response = client.get(reverse("organisation-search-csv"))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation-search")


# The public organisation page ---------------------------------------------------------------


def test_a_branch_page_names_the_hq_that_covers_it(client, group):
    response = client.get(reverse("organisation-public", args=["VBR01"]))
    assert response.status_code == 200
    page = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    published_on = timezone.localdate(group["publication"].published_at)
    date_text = f"{published_on.day} {published_on:%B %Y}"
    assert "Branch Covered" in page
    assert "VBR01" in page
    assert "Status 25/26 Standards Met" in page
    assert "DSPT year 2025-26" in page
    assert f"Date published {date_text}" in page
    assert "Which publication Covered by the publication of Example Care Group (AB12)" in page
    assert table_rows(response, "Publications covering") == [
        [
            "2025-26",
            "25/26 Standards Met",
            date_text,
            "Covered by the publication of Example Care Group (AB12)",
        ]
    ]
    assert "LS1 4AP" in page


def test_an_hq_page_lists_branches_with_their_own_statuses(client, group):
    response = client.get(reverse("organisation-public", args=["AB12"]))
    assert response.status_code == 200
    rows = {row[1]: row for row in table_rows(response, "Branches of")}
    assert rows["VBR01"][2] == (
        "25/26 Standards Met Covered by the publication of Example Care Group (AB12)"
    )
    assert rows["VBR02"][2] == "Not registered"
    assert rows["VBR03"][2] == "Registered, not published"


def test_a_page_of_an_organisation_with_nothing_published(client):
    OrganisationFactory(name="Quiet House", ods_code="VQT01")
    page = client.get(reverse("organisation-public", args=["VQT01"])).content.decode()
    assert "Not registered" in page
    assert "Nothing published yet." in page


@pytest.mark.parametrize(
    ("code", "path_code"),
    [("V10679-765139", "V10679-765139"), ("TEST ACCOUNT 1", "TEST%20ACCOUNT%201")],
)
def test_directory_codes_with_hyphens_and_spaces_have_pages(client, code, path_code):
    OrganisationFactory(name="Odd Code", ods_code=code)
    assert reverse("organisation-public", args=[code]) == f"/organisations/{path_code}/"
    assert client.get(f"/organisations/{path_code}/").status_code == 200


def test_a_code_in_lower_case_redirects_to_the_normalised_address(client):
    OrganisationFactory(name="Langdale House", ods_code="VAB12")
    response = client.get("/organisations/vab12/")
    assert response.status_code == 301
    assert response["Location"] == "/organisations/VAB12/"


@pytest.mark.parametrize(
    "path", ["/organisations/NOPE1/", "/organisations/%3Cscript%3E/", "/organisations/%00/"]
)
def test_an_unknown_organisation_is_the_nhsuk_404_page(client, path):
    OrganisationFactory(name="Langdale House", ods_code="VAB12")
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# Nothing private on public pages ------------------------------------------------------------------


SECRETS = [
    "SECRET-ANSWER-7Q2",
    "SECRET-COMMENT-9X4",
    "SECRET-SNAPSHOT-3K8",
    "SECRET-PLAN-5M1",
    "Priscilla Publisherperson",
    "Mabel Memberperson",
    "Gordon Guardianperson",
]


def test_public_pages_never_show_answers_comments_plans_or_people(client, group):
    hq, covered = group["hq"], group["covered"]
    bank = bank_build(year="2026-27", deadline=TODAY + datetime.timedelta(days=400))
    assessment = Assessment.objects.create(organisation=hq, bank=bank)
    item = bank.items.order_by("position").first()
    Answer.objects.create(
        assessment=assessment,
        item=item,
        text="SECRET-ANSWER-7Q2",
        comments="SECRET-COMMENT-9X4",
        updated_at=NOW,
    )
    ActionPlanEntry.objects.create(
        assessment=assessment,
        item=item,
        action="SECRET-PLAN-5M1",
        responsible_person="Mabel Memberperson",
        target_date=TODAY,
    )
    MembershipFactory(
        organisation=hq, role=Role.ADMINISTRATOR, user__full_name="Mabel Memberperson"
    )
    publication_build(
        hq,
        bank,
        published_at=NOW - datetime.timedelta(days=1),
        sites=(covered,),
        published_by_name="Priscilla Publisherperson",
        answers_snapshot=[{"ref": item.ref, "text": "SECRET-SNAPSHOT-3K8"}],
        profile_snapshot={"caldicott_guardian": "Gordon Guardianperson"},
        action_plan=[{"ref": item.ref, "action": "SECRET-PLAN-5M1"}],
    )
    pages = {
        "search": search(client, "e"),
        "csv": client.get(reverse("organisation-search-csv"), {"q": "e"}),
        "hq": client.get(reverse("organisation-public", args=["AB12"])),
        "branch": client.get(reverse("organisation-public", args=["VBR01"])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.content.decode()
        assert "26/27 Standards Met" in text, name  # the publication is there…
        for secret in SECRETS:
            assert secret not in text, (name, secret)  # …its private parts are not


# Efficiency -------------------------------------------------------------------------------------


def _seed(count: int, bank: QuestionBank) -> None:
    hq = RegisteredOrganisationFactory(
        name="Counting Group", ods_code=f"AC{count:02d}", kind=Organisation.Kind.HEADQUARTERS
    )
    branches = [OrganisationFactory(name=f"Counting Home {n:03d}", parent=hq) for n in range(count)]
    publication_build(hq, bank, sites=tuple(branches[::3]))
    for branch in branches[1::3]:
        publication_build(branch, bank, level=PublicationLevel.EXCEEDED)


@pytest.mark.parametrize("count", [5, 50])
def test_the_results_page_takes_a_fixed_number_of_queries(
    client, current_bank, count, django_assert_max_num_queries
):
    _seed(count, current_bank)
    # two counts, the rows of each part the page reaches (three at most), banks, and the latest
    # publications (their ids, then the publications).
    with django_assert_max_num_queries(8):
        response = search(client, "counting")
    assert response.status_code == 200
    assert len(result_rows(response)) == min(count + 1, PAGE_SIZE)


def test_five_and_fifty_results_take_the_same_queries(client, current_bank):
    _seed(5, current_bank)
    with CaptureQueriesContext(connection) as few:
        search(client, "counting")
    _seed(50, current_bank)
    with CaptureQueriesContext(connection) as many:
        response = search(client, "counting")
    assert response.context["results"].total == 57
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_organisation_page_takes_a_fixed_number_of_queries(
    client, current_bank, django_assert_max_num_queries
):
    _seed(40, current_bank)
    # organisation, banks, history, branches, branches' own and HQ latest publications.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("organisation-public", args=["AC40"]))
    assert len(table_rows(response, "Branches of")) == 40


@pytest.mark.skipif(not IS_POSTGRESQL, reason="the trigram index exists on PostgreSQL only")
@pytest.mark.parametrize("query", ["langdale", "care home", "café", "100%"])
def test_the_name_search_uses_the_trigram_index(query):
    for n in range(50):
        OrganisationFactory(name=f"Langdale Care Home {n}")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        matches = organisation_search(query=query)
        contains_plan = matches.parts[2].order_by().explain()
        starts_plan = matches.parts[1].explain()
    # Names containing the query: the trigram index on the stored folded name; names starting
    # with it, in order: the B-tree on (search_name, ods_code).
    assert "organisation_search_name_trgm" in contains_plan, contains_plan
    assert "organisation_search_name" in starts_plan, starts_plan
    assert "Seq Scan" not in starts_plan, starts_plan


# Reading the names that contain the query: sorted, or in the B-tree's order ----------------------


SORTED = re.compile(r"ORDER BY LOWER\(")


def _zest(prefixed: int, containing: int) -> list[str]:
    """Organisations whose names start with "zest", then ones containing it: all of them, in the
    search's order. Made last name first, so neither their ids nor their codes are in that
    order."""
    starts = [f"Zest Lodge {n:02d}" for n in range(prefixed)]
    contains = [f"Care {n:02d} Zest" for n in range(containing)]
    for name in reversed(starts + contains):
        OrganisationFactory(name=name)
    return starts + contains


# (names starting with the query, names containing it, limit, window, asks for an estimate).
# Within the limit the rest is sorted; past it, a first page of a rest that has room is walked;
# otherwise PostgreSQL's estimate decides (the embedded default walks).
WALK_OR_SORT = [
    pytest.param(1, 6, 1000, (0, 7), None, id="within-the-limit-sorted"),
    pytest.param(1, 6, 4, (0, 4), False, id="past-the-limit-first-page-walked"),
    pytest.param(1, 45, 40, (0, 25), False, id="past-the-limit-page-one-of-two-walked"),
    pytest.param(1, 45, 40, (25, 40), True, id="past-the-limit-later-page-estimated"),
    pytest.param(30, 20, 40, (25, 40), True, id="past-the-limit-little-room-estimated"),
]


@pytest.mark.parametrize("estimate_says_walk", [False, True])
@pytest.mark.parametrize(("prefixed", "containing", "limit", "window", "asks"), WALK_OR_SORT)
def test_the_rest_is_walked_or_sorted_and_lists_the_same(
    monkeypatch, estimate_says_walk, prefixed, containing, limit, window, asks
):
    monkeypatch.setattr(search_module, "SORT_AT_MOST", -1 if estimate_says_walk else 10**9)
    expected = _zest(prefixed, containing)
    matches = organisation_search(query="zest", limit=limit)
    assert matches.more is (limit < prefixed + containing)
    with CaptureQueriesContext(connection) as queries:
        found = [organisation.name for organisation in matches[window[0] : window[1]]]
    assert found == expected[window[0] : window[1]]
    statements = [q["sql"] for q in queries.captured_queries]
    asked = any(sql.startswith("EXPLAIN") for sql in statements)
    assert asked is bool(asks and IS_POSTGRESQL)
    if asks is None:
        walks = False
    elif asks:
        walks = estimate_says_walk or not IS_POSTGRESQL
    else:
        walks = True
    reads = [sql for sql in statements if not sql.startswith("EXPLAIN")]
    assert any(SORTED.search(sql) for sql in reads) is not walks, reads


def test_the_rest_is_read_by_code_after_finding_the_codes_alone():
    """The rest's slice is found from the names and codes alone (the B-tree serves them without
    reading the rows), and only its rows are read."""
    expected = _zest(1, 6)
    matches = organisation_search(query="zest", limit=4)
    with CaptureQueriesContext(connection) as queries:
        assert [o.name for o in matches[1:4]] == expected[1:4]
    read = queries.captured_queries[-1]  # after the count
    assert re.search(r'"ods_code" IN \(SELECT U0\."ods_code"( AS "ods_code")? FROM', read["sql"]), (
        read["sql"]
    )


# Counting the parts in one statement, up to the limit ---------------------------------------------


@pytest.mark.parametrize("code", [0, 1])
@pytest.mark.parametrize("starting", [0, 2, 4, 5, 7])
@pytest.mark.parametrize("containing", [0, 2, 5])
def test_the_parts_are_counted_up_to_one_past_the_limit(code, starting, containing):
    """Limit 4: the code and the names starting with the query are counted together up to 5,
    the rest up to what that leaves; the first page lists them in order."""
    if code:
        OrganisationFactory(ods_code="QUIX", name="Nothing Alike")
    starts = [OrganisationFactory(name=f"Quix Home {n}").name for n in range(starting)]
    contains = [OrganisationFactory(name=f"Care {n} Quix").name for n in range(containing)]
    matches = organisation_search(query="quix", limit=4)
    first = min(code + starting, 5)
    assert sum(matches._part_counts()[:2]) == first
    assert matches._part_counts()[2] == min(containing, 5 - first)
    total = code + starting + containing
    assert matches.count() == min(total, 4)
    assert matches.more is (total > 4)
    expected = (["Nothing Alike"] if code else []) + sorted(starts) + sorted(contains)
    assert [organisation.name for organisation in matches[0:4]] == expected[:4]


def test_a_first_page_reads_its_parts_in_one_statement_each_as_a_page():
    """One round trip for the parts a page reaches; one compiled shape per part serves every
    first page: a part of three rows is read as a page of 25 and cut down, never compiled anew
    for three."""
    OrganisationFactory(ods_code="QUIX", name="Nothing Alike")
    for n in range(3):
        OrganisationFactory(name=f"Quix Home {n}")
    for n in range(10):
        OrganisationFactory(name=f"Care {n:02d} Quix")
    with CaptureQueriesContext(connection) as queries:
        page = organisation_search_page(query="quix", page=1, today=TODAY)
    assert [result.organisation.name for result in page.results] == [
        "Nothing Alike",
        *[f"Quix Home {n}" for n in range(3)],
        *[f"Care {n:02d} Quix" for n in range(10)],
    ]
    reads = [q["sql"] for q in queries.captured_queries if "search_name" in q["sql"]][1:]
    assert len(reads) == 1, reads
    assert reads[0].count("UNION ALL") == 2
    assert reads[0].count("LIMIT 25)") == 3, reads


@pytest.mark.parametrize("sort_at_most", [10**9, 0])
def test_parts_read_together_are_the_parts_read_one_by_one(monkeypatch, sort_at_most):
    """Every window of the results, read in one statement, is what reading each part on its
    own gives, in the same order: sorted, and walked in the B-tree's order."""
    monkeypatch.setattr(search_module, "SORT_AT_MOST", sort_at_most)
    OrganisationFactory(ods_code="ZEST", name="Not Alike")
    for n in range(4):
        OrganisationFactory(name=f"Zest {'DCBA'[n]} Home")
    for prefix in ("Cedar", "ash", "Birch", "Élan", "Dune", "fir", "Gorse"):
        OrganisationFactory(name=f"{prefix} Zest House")
    matches = organisation_search(query="zest", limit=10)  # 12 match: the rest is walked or sorted

    def one_by_one(start: int, stop: int) -> list[str]:
        names = []
        for part, size in enumerate(matches._part_counts()):
            if start < size and start < stop:
                names += [o.name for o in matches._read(part, start, min(stop, size))]
            start, stop = max(start - size, 0), stop - size
        return names

    windows = [(0, 10), (0, 3), (1, 6), (2, 9), (4, 10), (5, 7)]
    for start, stop in windows:
        together = [organisation.name for organisation in matches[start:stop]]
        assert together == one_by_one(start, stop), (start, stop)
        assert len(together) == stop - start
    assert [o.name for o in matches[0:5]][:2] == ["Not Alike", "Zest A Home"]
