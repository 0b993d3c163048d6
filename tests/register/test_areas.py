"""Commissioner areas (figures by table, the chart, the pages and their CSV), and the public
organisation page's status by year and certificate link."""

from __future__ import annotations

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from organisations.models import Organisation
from register.area_selectors import AREA_PAGE_SIZE
from register.areas import AreaMember, area_chart_svg, area_figures, area_slug
from register.exports import EXPORT_HEADER
from register.history import certificate_code, last_years, status_by_year
from register.status import PublicStatus, StatusKind

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build
from ..pages import csv_rows, table_rows
from ..publication_facts import at, hq, own, withdrawn

D = datetime.date
TODAY = timezone.localdate()


# Plain rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("NHS WEST YORKSHIRE ICB", "nhs-west-yorkshire-icb"),
        ("NHS West Yorkshire ICB ", "nhs-west-yorkshire-icb"),
        (
            "NHS NORTHERN, EASTERN AND WESTERN DEVON CCG",
            "nhs-northern-eastern-and-western-devon-ccg",
        ),
        ("Café  Area", "cafe-area"),
        ("<script>", "script"),
        ("---", ""),
    ],
)
def test_area_slug(name, slug):
    assert area_slug(name) == slug


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (D(2026, 5, 1), ["2022-23", "2023-24", "2024-25", "2025-26", "2026-27"]),
        (D(2026, 3, 31), ["2021-22", "2022-23", "2023-24", "2024-25", "2025-26"]),
    ],
)
def test_the_last_five_years(today, years):
    assert last_years(today) == years


MET_26 = own("2025-26", "met", at(2026, 5, 10))
APPROACHING_25 = own("2024-25", "approaching", at(2025, 5, 10))
HQ_EXCEEDED_26 = hq("2025-26", "exceeded", at(2026, 4, 1))
HQ_MET_25 = hq("2024-25", "met", at(2025, 4, 1))


@pytest.mark.parametrize(
    ("publications", "registered", "expected"),
    [
        ([], False, []),
        ([MET_26, APPROACHING_25], True, ["25/26 Standards Met", "24/25 Approaching Standards"]),
        # Withdrawn publications decide nothing: the year falls back or disappears.
        ([withdrawn(MET_26), APPROACHING_25], True, ["24/25 Approaching Standards"]),
        # Covered by an HQ, never registered: the HQ's publications count.
        ([HQ_EXCEEDED_26, HQ_MET_25], False, ["25/26 Standards Exceeded", "24/25 Standards Met"]),
        # Its own publication beats the HQ's in the same year, even an older one.
        (
            [MET_26, HQ_EXCEEDED_26, HQ_MET_25],
            False,
            ["25/26 Standards Met", "24/25 Standards Met"],
        ),
        # Registered on its own: no HQ publication speaks for it, as on the status line.
        ([HQ_EXCEEDED_26, HQ_MET_25], True, []),
    ],
)
def test_status_by_year(publications, registered, expected):
    rows = status_by_year(publications, registered=registered)
    assert [row.status_text for row in rows] == expected


def test_the_certificate_behind_the_status():
    met = own("2025-26", "met", at(2026, 5, 10))
    coded = type(met)(**{**met.__dict__, "verification_code": "ABCDE-FGHJK-MNPQR-STVWX"})
    assert certificate_code([coded], registered=True) == "ABCDE-FGHJK-MNPQR-STVWX"
    assert certificate_code([withdrawn(coded)], registered=True) == ""
    approaching = type(met)(**{**coded.__dict__, "level": "approaching"})
    assert certificate_code([approaching], registered=True) == ""


def status(kind: StatusKind, level: str = "") -> PublicStatus:
    return PublicStatus(kind=kind, text="", level=level)


CURRENT_MET = status(StatusKind.CURRENT, "Standards Met")
CURRENT_EXCEEDED = status(StatusKind.CURRENT, "Standards Exceeded")
LAPSED = status(StatusKind.OUT_OF_DATE, "Standards Met")
WAITING = status(StatusKind.REGISTERED_NOT_PUBLISHED)
UNKNOWN = status(StatusKind.NOT_REGISTERED)
YEARS = ["2024-25", "2025-26"]


@pytest.mark.parametrize(
    ("members", "now", "years"),
    [
        ([], [0, 0, 0, 0, 0, 0], {"2024-25": (0, 0, 0, 0), "2025-26": (0, 0, 0, 0)}),
        (
            [
                AreaMember(CURRENT_MET, (MET_26, APPROACHING_25), True),
                AreaMember(CURRENT_EXCEEDED, (HQ_EXCEEDED_26, HQ_MET_25), False),
                AreaMember(LAPSED, (APPROACHING_25,), True),
                AreaMember(WAITING, (withdrawn(MET_26),), True),
                AreaMember(UNKNOWN, (), False),
                AreaMember(UNKNOWN, (HQ_MET_25,), True),  # registered: the HQ's does not count
            ],
            # Exceeded, Met, Approaching, Out of date, Registered not published, Not registered
            [1, 1, 0, 1, 1, 2],
            # (exceeded, met, approaching, not published)
            {"2024-25": (0, 1, 2, 3), "2025-26": (1, 1, 0, 4)},
        ),
    ],
)
def test_area_figures(members, now, years):
    figures = area_figures(members, years=YEARS)
    assert figures.total == len(members)
    assert [count for _, _, count in figures.now] == now
    assert {
        year.year: (
            year.by_level["exceeded"],
            year.by_level["met"],
            year.by_level["approaching"],
            year.not_published,
        )
        for year in figures.years
    } == years


def test_the_chart_is_an_accessible_image_with_every_figure():
    members = [
        AreaMember(CURRENT_MET, (MET_26,), True),
        AreaMember(UNKNOWN, (), False),
    ]
    svg = area_chart_svg("Leeds & <District>", area_figures(members, years=YEARS))
    soup = BeautifulSoup(svg, "html.parser")
    root = soup.find("svg")
    assert root["role"] == "img"
    assert root["aria-labelledby"] == "area-chart-title area-chart-desc"
    assert "Leeds & <District>" in soup.find("title").get_text()
    assert "&lt;District&gt;" in svg
    description = soup.find("desc").get_text()
    assert "2025-26: Standards Exceeded 0, Standards Met 1, Approaching Standards 0" in description
    assert "Not Published 1" in description
    # One bar segment per non-zero figure: 2024-25 all not published; 2025-26 met + not published.
    assert len(soup.find_all("rect")) == 3 + 4  # bars + legend keys


# The pages ---------------------------------------------------------------------------------------


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )


AREA = "NHS LEEDS ICB"


@pytest.mark.django_db
def test_the_area_list_counts_each_area_once(client):
    OrganisationFactory(commissioner=AREA)
    OrganisationFactory(commissioner=AREA)
    OrganisationFactory(commissioner="NHS Leeds ICB")  # the same area, spelt differently
    OrganisationFactory(commissioner="NHS YORK ICB")
    OrganisationFactory(commissioner="")
    response = client.get(reverse("area-list"))
    assert table_rows(response) == [["NHS LEEDS ICB", "3"], ["NHS YORK ICB", "1"]]


@pytest.mark.django_db
def test_an_area_page(client, bank):
    met = RegisteredOrganisationFactory(name="A Met Home", commissioner=AREA)
    publication_build(met, bank, level="met")
    waiting = RegisteredOrganisationFactory(name="B Waiting Home", commissioner=AREA)
    publication_build(waiting, bank, level="met", withdrawn_at=timezone.now())
    OrganisationFactory(name="C Directory Home", commissioner="NHS Leeds ICB")
    OrganisationFactory(name="Elsewhere", commissioner="NHS YORK ICB")
    response = client.get(reverse("area-detail", args=["nhs-leeds-icb"]))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    now = {
        row.th.get_text(strip=True): row.td.get_text(strip=True)
        for row in soup.find("caption", string=lambda s: "status now" in s)
        .find_parent("table")
        .tbody.find_all("tr")
    }
    assert now == {
        "Standards Exceeded": "0",
        "Standards Met": "1",
        "Approaching Standards": "0",
        "Out of date": "0",
        "Registered, not published": "1",
        "Not registered": "1",
    }
    years = table_rows(response, "published at each level")
    assert [bank.year, "0", "1", "0", "2"] in years
    assert len(years) == 5
    listed = table_rows(response, "Organisations in")
    assert [row[0] for row in listed] == ["A Met Home", "B Waiting Home", "C Directory Home"]
    chart = soup.find("svg", class_="app-chart")
    assert chart["role"] == "img"
    assert f"{bank.year}: Standards Exceeded 0, Standards Met 1" in chart.desc.get_text()


@pytest.mark.django_db
def test_the_area_csv_uses_the_register_layout(client, bank):
    met = RegisteredOrganisationFactory(ods_code="VL001", name="=Met Home", commissioner=AREA)
    publication_build(met, bank, level="met")
    OrganisationFactory(ods_code="VL002", name="Other Home", commissioner=AREA)
    response = client.get(reverse("area-csv", args=["nhs-leeds-icb"]))
    assert response["Content-Disposition"] == 'attachment; filename="dspt-area-nhs-leeds-icb.csv"'
    rows = csv_rows(response)
    assert tuple(rows[0]) == EXPORT_HEADER
    # The search download's rows, cell safety and all.
    search = csv_rows(client.get(reverse("organisation-search-csv"), {"q": "VL001"}))
    assert rows[1] == search[1]
    assert rows[1][1] == "'=Met Home"
    assert [row[0] for row in rows[1:]] == ["VL001", "VL002"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["area-detail", "area-csv"])
def test_an_unknown_area_is_404(client, name):
    OrganisationFactory(commissioner=AREA)
    assert client.get(reverse(name, args=["nhs-nowhere-icb"])).status_code == 404


@pytest.mark.django_db
def test_an_area_address_in_another_spelling_goes_to_the_one_address(client):
    OrganisationFactory(commissioner=AREA)
    response = client.get("/areas/NHS%20Leeds%20ICB/")
    assert response.status_code == 301
    assert response["Location"] == reverse("area-detail", args=["nhs-leeds-icb"])
    assert client.get("/areas/%2D%2D/").status_code == 404


# Paging: AREA_PAGE_SIZE organisations a page; the counts, the chart and the CSV cover them all.

BIG = AREA_PAGE_SIZE * 2 + 7


@pytest.fixture
def big_area(bank):
    for n in range(BIG):
        details = {"ods_code": f"VA{n:03d}", "name": f"Area Home {n:03d}", "commissioner": AREA}
        if n % 10 == 0:
            publication_build(RegisteredOrganisationFactory(**details), bank, level="met")
        else:
            OrganisationFactory(**details)
    return [f"Area Home {n:03d}" for n in range(BIG)]


def area_get(client, **params):
    return client.get(reverse("area-detail", args=["nhs-leeds-icb"]), params)


def listed_names(response) -> list[str]:
    return [row[0] for row in table_rows(response, "Organisations in")]


def _now_cells(response) -> list[tuple[str, str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.find("caption", string=lambda s: "status now" in s).find_parent("table")
    return [(row.th.get_text(strip=True), row.td.get_text(strip=True)) for row in table.tbody("tr")]


@pytest.mark.django_db
def test_an_area_lists_a_page_at_a_time_and_counts_the_whole_area(client, big_area):
    first = area_get(client)
    assert first.status_code == 200
    assert listed_names(first) == big_area[:AREA_PAGE_SIZE]
    soup = BeautifulSoup(first.content, "html.parser")
    assert f"Showing 1 to {AREA_PAGE_SIZE} of {BIG}, by name." in soup.get_text(" ")
    assert f"{BIG} organisations in the national directory" in soup.get_text(" ")
    nav = soup.select_one("nav.nhsuk-pagination.nhsuk-pagination--numbered")
    assert nav.select_one(".nhsuk-pagination__item--current a")["aria-current"] == "page"
    assert nav.select_one("a.nhsuk-pagination__next")["href"] == "?page=2"
    assert nav.select_one("a.nhsuk-pagination__previous") is None
    assert [a.get_text(strip=True) for a in nav.select(".nhsuk-pagination__link")] == [
        "1",
        "2",
        "3",
    ]
    # Whichever page is shown, the counts and the chart are the whole area's.
    published = (BIG + 9) // 10
    last = area_get(client, page="3")
    assert listed_names(last) == big_area[AREA_PAGE_SIZE * 2 :]
    for response in (first, last):
        now = dict(_now_cells(response))
        assert now["Standards Met"] == str(published)
        assert now["Not registered"] == str(BIG - published)
        chart = BeautifulSoup(response.content, "html.parser").find("svg", class_="app-chart")
        assert f"the {BIG} organisations in" in chart.desc.get_text()
    last_nav = BeautifulSoup(last.content, "html.parser").select_one("nav.nhsuk-pagination")
    assert last_nav.select_one("a.nhsuk-pagination__previous")["href"] == "?page=2"
    assert last_nav.select_one("a.nhsuk-pagination__next") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("2", 2),
        ("4", 3),  # past the end: the last page
        ("99999999999", 3),
        ("abc", 1),
        ("0", 1),
        ("-1", 1),
        ("1.5", 1),
        ("", 1),
        ("9" * 5000, 1),  # absurdly long: nonsense
        ("²", 1),  # a digit to Unicode, not to int()
        ("\x00", 1),
    ],
)
def test_a_bad_page_number_shows_the_nearest_page(client, big_area, page, shown):
    response = area_get(client, page=page)
    assert response.status_code == 200
    assert response.context["page"].listed.number == shown
    start = (shown - 1) * AREA_PAGE_SIZE
    assert listed_names(response) == big_area[start : start + AREA_PAGE_SIZE]


@pytest.mark.django_db
def test_a_small_area_has_no_pagination(client, bank):
    OrganisationFactory(name="Only Home", commissioner=AREA)
    response = area_get(client, page="7")
    assert listed_names(response) == ["Only Home"]
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one("nav.nhsuk-pagination") is None
    assert "Showing" not in soup.get_text()


@pytest.mark.django_db
def test_the_area_csv_holds_every_organisation_not_a_page(client, big_area):
    response = client.get(reverse("area-csv", args=["nhs-leeds-icb"]), {"page": "2"})
    rows = csv_rows(response)
    assert [row[1] for row in rows[1:]] == big_area
    assert len(rows) == BIG + 1


def build_area(size: int, bank, older_bank) -> None:
    hq_org = OrganisationFactory(kind="headquarters", commissioner=AREA)
    for n in range(size):
        site = OrganisationFactory(commissioner=AREA, parent=hq_org if n % 2 else None)
        publication_build(site, bank if n % 3 else older_bank, level="met")
    publication_build(hq_org, bank, level="exceeded", sites=list(hq_org.branches.all()))


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["area-detail", "area-csv"])
def test_an_area_costs_the_same_queries_whatever_its_size(client, bank, view):
    older = QuestionBank.objects.create(year="2024-25", publication_deadline=D(2025, 6, 30))
    counts = []
    for size in (3, 40):
        Organisation.objects.filter(commissioner=AREA).update(commissioner="")
        build_area(size, bank, older)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(view, args=["nhs-leeds-icb"])).status_code == 200
        counts.append(len(queries))
    # Areas, organisations, deadlines, the own and HQ latest (one query), own and HQ
    # publications by year.
    assert counts == [6, 6]


# The public organisation page --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_public_page_shows_each_year_and_the_certificate(client, bank):
    older = QuestionBank.objects.create(year="2024-25", publication_deadline=D(2025, 6, 30))
    organisation = RegisteredOrganisationFactory(ods_code="VL001", commissioner=AREA)
    publication_build(organisation, older, level="approaching", published_at=at(2025, 5, 1))
    current = publication_build(organisation, bank, level="met")
    publication_build(organisation, bank, level="exceeded", withdrawn_at=timezone.now())
    response = client.get(reverse("organisation-public", args=["VL001"]))
    rows = table_rows(response, "each year")
    assert [row[:2] for row in rows] == [
        ["2025-26", "25/26 Standards Met Published by the organisation itself"],
        ["2024-25", "24/25 Approaching Standards Published by the organisation itself"],
    ]
    body = response.content.decode()
    assert reverse("certificate-verify", args=[current.verification_code]) in body
    assert reverse("area-detail", args=["nhs-leeds-icb"]) in body


@pytest.mark.django_db
def test_a_site_covered_by_its_hq_links_to_the_hq_certificate(client, bank):
    hq_org = OrganisationFactory(ods_code="AB12", kind="headquarters")
    site = OrganisationFactory(ods_code="VL001", parent=hq_org)
    publication = publication_build(hq_org, bank, level="met", sites=[site])
    body = client.get(reverse("organisation-public", args=["VL001"])).content.decode()
    assert reverse("certificate-verify", args=[publication.verification_code]) in body


@pytest.mark.django_db
def test_approaching_standards_has_no_certificate_link(client, bank):
    organisation = RegisteredOrganisationFactory(ods_code="VL001")
    publication_build(organisation, bank, level="approaching")
    body = client.get(reverse("organisation-public", args=["VL001"])).content.decode()
    assert "Check the certificate" not in body
