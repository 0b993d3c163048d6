"""The status badge: what it says (a table over public statuses), how it is drawn, and how it is
served (the public page's status, HTTP caching, no cookies, few queries, 404 for unknown codes)."""

from __future__ import annotations

import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from assessments.models import QuestionBank
from organisations.roles import Role
from register.badge import (
    HEIGHT,
    WIDTH,
    BadgeLook,
    badge_for,
    badge_not_found,
    badge_png,
    badge_svg,
)
from register.status import PublicStatus, StatusKind

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    publication_build,
)

D = datetime.date
TODAY = timezone.localdate()


# What a badge says: one row per kind of public status -------------------------------------------

CURRENT = PublicStatus(
    kind=StatusKind.CURRENT,
    text="25/26 Standards Met",
    published_on=D(2026, 5, 10),
    level="Standards Met",
    year="2025-26",
)
VIA_HQ = PublicStatus(
    kind=StatusKind.CURRENT,
    text="25/26 Standards Exceeded",
    published_on=D(2026, 4, 2),
    level="Standards Exceeded",
    year="2025-26",
    via_hq_name="Example Care Group",
    via_hq_code="AB12",
)
LAPSED = PublicStatus(
    kind=StatusKind.OUT_OF_DATE,
    text="Out of date (last published 24/25 Standards Met on 10 May 2025)",
    published_on=D(2025, 5, 10),
    level="Standards Met",
    year="2024-25",
    out_of_date=True,
)
OLD_TOOLKIT = PublicStatus(
    kind=StatusKind.OUT_OF_DATE,
    text="Out of date (last published Standards Met (19-20) on 3 March 2020)",
    published_on=D(2020, 3, 3),
    level="Standards Met (19-20)",
    out_of_date=True,
    from_directory=True,
)
WAITING = PublicStatus(kind=StatusKind.REGISTERED_NOT_PUBLISHED, text="Registered, not published")
UNKNOWN = PublicStatus(kind=StatusKind.NOT_REGISTERED, text="Not registered")

PREFIX = "Data Security and Protection Toolkit status of Willow House (VW001): "


@pytest.mark.parametrize(
    ("status", "look", "headline", "detail", "description"),
    [
        (
            CURRENT,
            BadgeLook.CURRENT,
            "25/26 Standards Met",
            "Published 10 May 2026",
            "25/26 Standards Met, published 10 May 2026",
        ),
        (
            VIA_HQ,
            BadgeLook.CURRENT,
            "25/26 Standards Exceeded",
            "Published 2 April 2026",
            "25/26 Standards Exceeded, published 2 April 2026",
        ),
        (
            LAPSED,
            BadgeLook.OUT_OF_DATE,
            "Out of date",
            "Last published 10 May 2025",
            "Out of date (last published 24/25 Standards Met on 10 May 2025)",
        ),
        (
            OLD_TOOLKIT,
            BadgeLook.OUT_OF_DATE,
            "Out of date",
            "Last published 3 March 2020",
            "Out of date (last published Standards Met (19-20) on 3 March 2020)",
        ),
        (
            WAITING,
            BadgeLook.NOT_PUBLISHED,
            "Not Published",
            "Registered, not published",
            "Registered, not published",
        ),
        (UNKNOWN, BadgeLook.NOT_PUBLISHED, "Not Published", "Not registered", "Not registered"),
    ],
)
def test_what_the_badge_says(status, look, headline, detail, description):
    badge = badge_for(status, name="Willow House", ods_code="VW001")
    assert (badge.look, badge.headline, badge.detail) == (look, headline, detail)
    assert badge.description == PREFIX + description


def test_the_svg_is_one_named_image_with_every_word_escaped():
    badge = badge_for(CURRENT, name='Rose & <Thorn> "Care"', ods_code="VW001")
    svg = badge_svg(badge)
    soup = BeautifulSoup(svg, "html.parser")
    root = soup.find("svg")
    assert root["role"] == "img"
    assert root["aria-labelledby"] == "badge-title"
    assert soup.find("title", id="badge-title").get_text() == badge.description
    assert "<Thorn>" not in svg
    assert "&lt;Thorn&gt;" in svg
    assert [text.get_text() for text in soup.find_all("text")] == [
        "DSPT",
        "25/26 Standards Met",
        "Published 10 May 2026",
    ]


def test_the_png_is_twice_the_svg_size():
    image = Image.open(io.BytesIO(badge_png(badge_for(LAPSED, name="X", ods_code="V1"))))
    assert image.format == "PNG"
    assert image.size == (WIDTH * 2, HEIGHT * 2)


def test_the_etag_changes_with_the_words_and_the_format():
    met = badge_for(CURRENT, name="Willow House", ods_code="VW001")
    assert met.etag("svg") == badge_for(CURRENT, name="Willow House", ods_code="VW001").etag("svg")
    assert met.etag("svg") != met.etag("png")
    assert met.etag("svg") != badge_for(LAPSED, name="Willow House", ods_code="VW001").etag("svg")


def test_an_unknown_code_has_a_not_found_badge():
    badge = badge_not_found("ZZ999")
    assert badge.look is BadgeLook.NOT_FOUND
    assert "no organisation has the code ZZ999" in badge.description


# Serving it --------------------------------------------------------------------------------------


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )


def badge_url(code: str, file_format: str = "svg") -> str:
    return reverse(f"organisation-badge-{file_format}", args=[code])


def public_status_text(client, code: str) -> str:
    """The Status row of the organisation's public page."""
    page = client.get(reverse("organisation-public", args=[code]))
    soup = BeautifulSoup(page.content, "html.parser")
    for row in soup.select(".nhsuk-summary-list__row"):
        if row.dt.get_text(strip=True) == "Status":
            return row.dd.get_text(strip=True)
    raise AssertionError("no Status row")


def title_of(response) -> str:
    return BeautifulSoup(response.content, "html.parser").find("title").get_text()


@pytest.mark.django_db
def test_the_badge_says_what_the_public_page_says(client, bank):
    hq = OrganisationFactory(ods_code="AB12", name="Example Care Group", kind="headquarters")
    site = OrganisationFactory(ods_code="VW001", name="Willow House", parent=hq)
    publication_build(hq, bank, level="exceeded", sites=[site])
    response = client.get(badge_url("VW001"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    status_text = public_status_text(client, "VW001")
    assert status_text == "25/26 Standards Exceeded"
    assert f": {status_text}, published" in title_of(response)


@pytest.mark.django_db
def test_a_withdrawn_publication_leaves_the_badge(client, bank):
    organisation = RegisteredOrganisationFactory(ods_code="VW001", name="Willow House")
    publication_build(organisation, bank, level="met", withdrawn_at=timezone.now())
    title = title_of(client.get(badge_url("VW001")))
    assert title.endswith(": Registered, not published")
    assert public_status_text(client, "VW001") == "Registered, not published"


@pytest.mark.django_db
def test_an_out_of_date_status_has_the_out_of_date_badge(client):
    old = QuestionBank.objects.create(year="2019-20", publication_deadline=D(2020, 9, 30))
    organisation = OrganisationFactory(ods_code="VW001", name="Willow House")
    publication_build(
        organisation, old, level="met", published_at=timezone.now() - datetime.timedelta(days=2000)
    )
    response = client.get(badge_url("VW001"))
    assert ">Out of date<" in response.content.decode()
    assert public_status_text(client, "VW001") in title_of(response)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["svg", "png"])
def test_badges_are_cached_and_set_no_cookies(client, bank, file_format):
    organisation = RegisteredOrganisationFactory(ods_code="VW001")
    publication_build(organisation, bank, level="met")
    member = MembershipFactory(organisation=organisation, role=Role.ADMINISTRATOR).user
    for signed_in in (False, True):
        if signed_in:
            client.force_login(member)
        response = client.get(badge_url("VW001", file_format))
        assert response.status_code == 200
        assert response["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
        assert response["ETag"].startswith('"')
        assert not response.cookies, signed_in
        assert "cookie" not in response.get("Vary", "").lower(), signed_in
        # The same picture again: 304, nothing drawn, still shareable and cookieless.
        again = client.get(badge_url("VW001", file_format), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == response["ETag"]
        assert "max-age=300" in again["Cache-Control"]
        assert not again.cookies
        assert "cookie" not in again.get("Vary", "").lower()


@pytest.mark.django_db
def test_a_changed_status_is_a_new_etag(client, bank):
    organisation = RegisteredOrganisationFactory(ods_code="VW001")
    before = client.get(badge_url("VW001"))["ETag"]
    publication_build(organisation, bank, level="met")
    response = client.get(badge_url("VW001"), HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before


@pytest.mark.django_db
def test_the_png_badge(client, bank):
    publication_build(OrganisationFactory(ods_code="VW001"), bank, level="met")
    response = client.get(badge_url("VW001", "png"))
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (WIDTH * 2, HEIGHT * 2)


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["svg", "png"])
def test_an_unknown_code_is_404_with_a_small_badge(client, file_format):
    response = client.get(badge_url("VZZ99", file_format))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("image/")
    assert not response.cookies


@pytest.mark.django_db
def test_a_code_in_lower_case_goes_to_the_one_address(client):
    OrganisationFactory(ods_code="VW001")
    response = client.get(badge_url("vw001"))
    assert response.status_code == 301
    assert response["Location"] == badge_url("VW001")


@pytest.mark.django_db
def test_the_badge_is_rate_limited_without_being_cached(client, settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {**settings.DSPT_RATE_LIMITS, "search": 2}
    cache.clear()
    OrganisationFactory(ods_code="VW001")
    assert [client.get(badge_url("VW001")).status_code for _ in range(2)] == [200, 200]
    refused = client.get(badge_url("VW001"))
    assert refused.status_code == 429
    assert "no-store" in refused["Cache-Control"]
    assert "public" not in refused["Cache-Control"]
    assert not refused.cookies
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [0, 1, 30])
def test_a_branch_badge_costs_four_queries_however_much_was_published(client, size):
    banks = [
        QuestionBank.objects.create(
            year=f"{2023 + n}-{(2024 + n) % 100:02d}", publication_deadline=D(2024 + n, 6, 30)
        )
        for n in range(3)
    ]
    hq = OrganisationFactory(ods_code="AB12", kind="headquarters")
    site = OrganisationFactory(ods_code="VW001", parent=hq)
    for n in range(size):
        publication_build(site, banks[n % 3], level="met")
        publication_build(hq, banks[n % 3], level="met", sites=[site])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(badge_url("VW001")).status_code == 200
    # The organisation, its HQ, the deadlines, and its own and its HQ's latest publications (one
    # query).
    assert len(queries) == 4


# "Add to your website" ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_add_to_your_website_page_gives_the_html(client, bank, settings):
    settings.DSPT_SITE_URL = "https://dspt.example"
    organisation = RegisteredOrganisationFactory(ods_code="VW001", name="Rose & Thorn")
    publication = publication_build(organisation, bank, level="met")
    response = client.get(reverse("organisation-badge", args=["VW001"]))
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    snippet = BeautifulSoup(soup.find("textarea", id="badge-html").get_text(), "html.parser")
    link = snippet.find("a")
    assert link["href"] == "https://dspt.example/organisations/VW001/"
    image = link.find("img")
    assert image["src"] == "https://dspt.example/organisations/VW001/badge.svg"
    published = publication.published_at
    assert image["alt"] == (
        "Data Security and Protection Toolkit status of Rose & Thorn (VW001): "
        f"25/26 Standards Met, published {timezone.localdate(published):%-d %B %Y}"
    )
    png = BeautifulSoup(soup.find("textarea", id="badge-html-png").get_text(), "html.parser")
    assert png.find("img")["src"] == "https://dspt.example/organisations/VW001/badge.png"
    assert soup.find("img", id="badge-preview")["alt"] == image["alt"]


@pytest.mark.django_db
def test_the_page_is_linked_from_the_public_page_and_the_profile(client):
    organisation = RegisteredOrganisationFactory(ods_code="VW001")
    badge_page = reverse("organisation-badge", args=["VW001"])
    public = client.get(reverse("organisation-public", args=["VW001"])).content.decode()
    assert f'href="{badge_page}"' in public
    client.force_login(MembershipFactory(organisation=organisation, role=Role.VIEWER).user)
    assert f'href="{badge_page}"' in client.get(reverse("profile")).content.decode()
    assert f'href="{badge_page}"' in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_page_for_an_unknown_code_is_404(client):
    assert client.get(reverse("organisation-badge", args=["VZZ99"])).status_code == 404
