"""Kept public responses (register/kept_responses.py, ADR 15): a badge or an API record read again
is the first response whole, from Redis, without the view — and never once a status has changed,
never past the address's rate limit, never for another site's links, never with a cookie."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from register import kept_responses
from register.status_cache import GENERATION_KEY

from ..factories import RegisteredOrganisationFactory, UserFactory, publication_build

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
BADGE = "/organisations/VW001/badge.svg"
API = "/api/v1/organisations/VW001"


@pytest.fixture
def world(db, live_cache, settings):
    settings.ALLOWED_HOSTS = ["testserver", "portal.example", "other.example"]
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=60)
    )
    site = RegisteredOrganisationFactory(ods_code="VW001", name="Willow House")
    return {"bank": bank, "site": site}


@pytest.fixture
def views_refuse(monkeypatch):
    """`views_refuse(client)`: from then on, any request of `client` that reaches a view fails
    the test."""

    def refuse(request):
        raise AssertionError(f"{request.path} reached the views")

    def install(client):
        monkeypatch.setattr(
            kept_responses.KeptPublicResponseMiddleware,
            "__init__",
            lambda self, get_response: setattr(self, "get_response", refuse),
        )
        client.handler.load_middleware()  # the middleware again, now before refusing views

    return install


def headers_and_body(response) -> tuple[dict, bytes]:
    return dict(response.items()), response.content


@pytest.mark.parametrize("path", [BADGE, API, "/organisations/VW001/badge.png"])
def test_read_again_is_the_first_response_whole_without_the_views(
    client, world, views_refuse, django_assert_num_queries, path
):
    first = client.get(path)
    assert first.status_code == 200
    views_refuse(client)
    with django_assert_num_queries(0):
        again = client.get(path)
    assert again.status_code == 200
    assert headers_and_body(again) == headers_and_body(first)


def test_without_the_kept_response_the_views_are_reached(client, world, views_refuse):
    """The test above can fail: the refusing views are really in the way of a response not
    kept."""
    views_refuse(client)
    with pytest.raises(AssertionError, match="reached the views"):
        client.get(BADGE)


def test_publishing_shows_at_once_through_kept_responses(client, world):
    for _ in range(2):  # made, then kept
        assert "Registered, not published" in client.get(BADGE).content.decode()
        assert client.get(API).json()["status"]["kind"] == "registered_not_published"
    publication_build(world["site"], world["bank"], level="met")
    assert "Standards Met" in client.get(BADGE).content.decode()
    assert client.get(API).json()["status"]["level"] == "Standards Met"


def test_a_response_from_another_day_is_not_used(client, world, monkeypatch):
    client.get(BADGE)
    publication_build(world["site"], world["bank"], level="met")
    # The generation moved with the publication; put the old entry back under the new one, as
    # if made yesterday, to see the day alone refused.
    key = kept_responses.entry_key(f"http://testserver{BADGE}")
    generation = world_generation()
    yesterday = (TODAY - datetime.timedelta(days=1)).isoformat()
    stale = (generation, yesterday, [("Content-Type", "image/svg+xml")], b"<svg>old</svg>")
    cache.set(key, stale, 60)
    assert b"old" not in client.get(BADGE).content
    cache.set(key, (generation, TODAY.isoformat(), *stale[2:]), 60)
    assert client.get(BADGE).content == b"<svg>old</svg>"  # the same entry, today: used


def world_generation():
    return cache.get(GENERATION_KEY)


def test_each_site_gets_its_own_links(client, world, settings):
    settings.DSPT_SITE_URL = ""  # links name the address asked, not one configured site
    here = client.get(API, HTTP_HOST="portal.example").json()
    there = client.get(API, HTTP_HOST="other.example").json()
    assert "portal.example" in str(here)
    assert "other.example" not in str(here)
    assert "other.example" in str(there)
    assert "portal.example" not in str(there)
    again = client.get(API, HTTP_HOST="portal.example").json()
    assert again == here


def test_a_host_not_allowed_is_refused_even_when_kept(client, world):
    client.get(API)
    assert client.get(API, HTTP_HOST="attacker.example").status_code == 400


def test_a_kept_response_answers_if_none_match_with_304(client, world):
    first = client.get(BADGE)
    again = client.get(BADGE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == "public, max-age=300"
    other = client.get(BADGE, HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200
    assert other.content == first.content


def test_the_rate_limit_counts_each_request_once_and_refuses_past_it(client, world, settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {**settings.DSPT_RATE_LIMITS, "search": 3, "api": 2}
    # The first is made by the views (counted once, not twice), the next two are kept.
    assert [client.get(BADGE).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(BADGE)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "no-store" in refused["Cache-Control"]
    assert [client.get(API).status_code for _ in range(2)] == [200, 200]
    refused = client.get(API)
    assert refused.status_code == 429
    assert "Retry-After" in refused
    # Another address has its own count, and the kept response.
    assert client.get(BADGE, REMOTE_ADDR="192.0.2.9").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "extra"),
    [
        ("get", "/organisations/vw001/badge.svg", {}),  # a redirect to the one address
        ("get", "/organisations/VW999/badge.svg", {}),  # not found
        ("get", "/api/v1/organisations/VW999", {}),
        ("get", BADGE, {"QUERY_STRING": "v=2"}),
        ("head", BADGE, {}),
    ],
)
def test_only_a_plain_get_of_a_found_code_is_kept(client, world, method, path, extra):
    first = getattr(client, method)(path, **extra)
    assert first.status_code in (200, 301, 404)
    assert not [key for key in cache_keys() if kept_responses.KEY_PREFIX in key]


def cache_keys() -> list[str]:
    client = cache._cache.get_client(None)
    return [key.decode() for key in client.scan_iter(f"*{kept_responses.KEY_PREFIX}*")]


def test_a_response_is_kept_only_once_it_has_been_sent(world):
    """The server closes a response once its body has gone; only then is it written to Redis, so
    the asker never waits for the write."""
    middleware = kept_responses.KeptPublicResponseMiddleware(
        lambda request: as_kept_view(request, HttpResponse(b"<svg/>", content_type="image/svg+xml"))
    )
    request = RequestFactory().get(BADGE)
    response = middleware(request)
    assert response.status_code == 200
    assert cache_keys() == []
    response.close()
    assert [key.split(":", 2)[-1] for key in cache_keys()] == [
        kept_responses.entry_key(f"http://testserver{BADGE}")
    ]


def as_kept_view(request, response):
    request.resolver_match = SimpleNamespace(view_name="organisation-badge-svg")
    return response


def test_a_found_code_is_kept_under_its_address(client, world):
    client.get(BADGE)
    assert [key.split(":", 2)[-1] for key in cache_keys()] == [
        kept_responses.entry_key(f"http://testserver{BADGE}")
    ]


def test_a_long_address_is_kept_under_a_short_key(client, world):
    long_search = "/search/?q=willow&page=" + "9" * 2000
    assert client.get(long_search).status_code == 200
    (key,) = cache_keys()
    assert len(key) < 250
    assert key.endswith(kept_responses.entry_key(f"http://testserver{long_search}"))


def as_from(view_name: str, **meta):
    request = RequestFactory().get("/organisations/VW001/badge.svg", **meta)
    request.resolver_match = SimpleNamespace(view_name=view_name)
    return request


BADGE_ROUTE, API_ROUTE, PAGE_ROUTE, SEARCH_ROUTE = kept_responses.ROUTES


@pytest.mark.parametrize(
    ("response", "route", "view_name", "kept"),
    [
        (HttpResponse(b"x"), BADGE_ROUTE, "organisation-badge-svg", True),
        (HttpResponse(b"x"), BADGE_ROUTE, "some-other-view", False),
        (HttpResponse(b"x"), PAGE_ROUTE, "organisation-badge-svg", False),
        (HttpResponse(b"x", status=404), BADGE_ROUTE, "organisation-badge-svg", False),
        (HttpResponse(b"x", status=429), API_ROUTE, "api-v1:organisation", False),
        (HttpResponse(b"x", headers={"Vary": "Cookie"}), API_ROUTE, "api-v1:organisation", False),
        (HttpResponse(b"x", headers={"Vary": "Cookie"}), PAGE_ROUTE, "organisation-public", True),
        (
            HttpResponse(b"x", headers={"Vary": "Accept-Encoding"}),
            PAGE_ROUTE,
            "organisation-public",
            False,
        ),
        (
            HttpResponse(b"x", headers={"Content-Security-Policy": "script-src 'nonce-abc'"}),
            BADGE_ROUTE,
            "organisation-badge-svg",
            False,  # a nonce it did not see made
        ),
    ],
)
def test_what_may_be_kept(response, route, view_name, kept):
    assert (kept_responses._kept_form(as_from(view_name), response, route) is not None) is kept


def test_a_response_setting_a_cookie_is_never_kept():
    response = HttpResponse(b"x")
    response.set_cookie("sessionid", "secret")
    assert kept_responses._kept_form(as_from("organisation-public"), response, PAGE_ROUTE) is None


def test_a_page_is_kept_with_its_nonce_marked_and_without_its_length():
    request = as_from("organisation-public")
    request._csp_nonce = "n0nce/+=="
    response = HttpResponse(
        b'<script nonce="n0nce/+==">x</script>',
        headers={"Content-Security-Policy": "script-src 'nonce-n0nce/+=='"},
    )
    response["Content-Length"] = "36"
    headers, body = kept_responses._kept_form(request, response, PAGE_ROUTE)
    mark = kept_responses.NONCE_MARK
    assert body == f'<script nonce="{mark}">x</script>'.encode()
    assert ("Content-Security-Policy", f"script-src 'nonce-{mark}'") in headers
    assert "Content-Length" not in dict(headers)
    # A body that already holds the mark is not kept (the mark would be replaced on answering).
    response = HttpResponse(mark.encode())
    assert kept_responses._kept_form(request, response, PAGE_ROUTE) is None


def test_a_signed_in_reader_neither_leaves_nor_gets_a_cookie(client, world):
    client.force_login(UserFactory(email="reader@care.example"))
    first = client.get(BADGE)
    assert not first.cookies
    assert "Vary" not in first
    client.logout()
    again = client.get(BADGE)
    assert not again.cookies
    assert headers_and_body(again) == headers_and_body(first)


def test_with_redis_away_badges_come_from_the_database(client, db, dead_cache, settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    RegisteredOrganisationFactory(ods_code="VW001", name="Willow House")
    assert [client.get(BADGE).status_code for _ in range(2)] == [200, 200]
    assert reverse("organisation-badge-svg", args=["VW001"]) == BADGE


# Pages: an organisation's public page and a search --------------------------------------------

PAGE = "/organisations/VW001/"
SEARCH = "/search/?q=willow"
NONCE = re.compile(r'<script nonce="([^"]+)">')


@pytest.mark.parametrize("path", [PAGE, SEARCH])
def test_a_page_read_again_is_kept_with_a_new_nonce_each_time(
    client, world, views_refuse, django_assert_num_queries, path
):
    first = client.get(path)
    assert first.status_code == 200
    views_refuse(client)
    nonces = {NONCE.search(first.content.decode())[1]}
    for _ in range(3):
        with django_assert_num_queries(0):
            again = client.get(path)
        assert again.status_code == 200
        nonce = NONCE.search(again.content.decode())[1]
        assert f"'nonce-{nonce}'" in again["Content-Security-Policy"]
        assert kept_responses.NONCE_MARK not in again.content.decode()
        assert kept_responses.NONCE_MARK not in again["Content-Security-Policy"]
        nonces.add(nonce)
        # All else as the first answer.
        assert again.content.decode().replace(nonce, "N") == first.content.decode().replace(
            NONCE.search(first.content.decode())[1], "N"
        )
        assert int(again["Content-Length"]) == len(again.content)
    assert len(nonces) == 4  # never the same nonce twice


@pytest.mark.parametrize("path", [PAGE, SEARCH])
def test_a_reader_with_cookies_never_gets_a_kept_page(client, world, path):
    client.get(path)  # kept for readers without cookies
    client.force_login(UserFactory(email="reader@care.example", full_name="Rowan Reader"))
    mine = client.get(path)
    assert "Rowan Reader" in mine.content.decode()
    client.logout()
    theirs = client.get(path, HTTP_COOKIE="")
    assert "Rowan Reader" not in theirs.content.decode()


def test_a_signed_in_page_is_never_kept(client, world):
    client.force_login(UserFactory(email="reader@care.example", full_name="Rowan Reader"))
    client.get(PAGE)
    client.get(SEARCH)
    assert cache_keys() == []


def test_publishing_shows_at_once_on_kept_pages(client, world):
    for _ in range(2):
        assert "Standards Met" not in client.get(PAGE).content.decode()
        assert "Standards Met" not in client.get(SEARCH).content.decode()
    publication_build(world["site"], world["bank"], level="met")
    assert "Standards Met" in client.get(PAGE).content.decode()
    assert "Standards Met" in client.get(SEARCH).content.decode()


def test_a_new_organisation_shows_at_once_in_a_kept_search(client, world):
    assert "Willow Court" not in client.get(SEARCH).content.decode()
    RegisteredOrganisationFactory(ods_code="VW002", name="Willow Court")
    assert "Willow Court" in client.get(SEARCH).content.decode()


def test_each_search_and_page_of_it_is_kept_apart(client, world):
    assert "Willow House" in client.get(SEARCH).content.decode()
    assert "Willow House" not in client.get("/search/?q=oak").content.decode()
    assert "Willow House" in client.get(SEARCH).content.decode()


def test_a_new_open_data_file_shows_at_once_on_a_kept_search_page(client, world):
    from register.models import OpenDataFile

    assert "Download the whole register" not in client.get("/search/").content.decode()
    OpenDataFile.objects.create(
        file="open-data/x.csv.gz",
        built_on=TODAY,
        built_at=timezone.now(),
        size_bytes=2048,
        organisations=1,
    )
    assert "Download the whole register" in client.get("/search/").content.decode()


def test_an_entry_of_another_shape_is_made_anew(client, world):
    key = kept_responses.entry_key(f"http://testserver{BADGE}")
    cache.set(key, (world_generation(), TODAY.isoformat(), b"<svg>old</svg>"), 60)
    answer = client.get(BADGE)
    assert answer.status_code == 200
    assert b"Willow House" in answer.content
    assert len(cache.get(key)) == 4


# A first asking keeps the response, not also the data it was drawn from ------------------------


def data_keys() -> list[str]:
    """The register's kept data (ADR 13), apart from the generation and whole responses."""
    client = cache._cache.get_client(None)
    keys = [key.decode().split(":", 2)[-1] for key in client.scan_iter("*register:*")]
    return sorted(
        key
        for key in keys
        if key != GENERATION_KEY and not key.startswith(kept_responses.KEY_PREFIX)
    )


@pytest.mark.parametrize("path", [BADGE, API, PAGE, SEARCH])
def test_a_first_asking_keeps_the_whole_response_and_not_its_data(client, world, path):
    assert client.get(path).status_code == 200
    assert len(cache_keys()) == 1
    assert data_keys() == []


@pytest.mark.parametrize(
    ("path", "kind"),
    [(PAGE, "register:page-and-table:VW001"), (SEARCH, "register:search:")],
)
def test_a_signed_in_reader_still_keeps_the_data(client, world, path, kind):
    """Their response is never kept whole (they bring a cookie), so the data is, as before."""
    client.force_login(UserFactory(email="reader@care.example", full_name="Rowan Reader"))
    assert client.get(path).status_code == 200
    assert cache_keys() == []
    (key,) = data_keys()
    assert key.startswith(kind)


def test_an_address_not_kept_whole_still_keeps_its_data(client, world):
    assert client.head(BADGE).status_code == 200  # HEAD is never kept whole
    assert client.get(BADGE, QUERY_STRING="v=2").status_code == 200  # nor a query string
    assert cache_keys() == []
    assert data_keys() == ["register:badge:VW001"]
