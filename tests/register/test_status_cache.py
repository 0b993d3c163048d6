"""Kept register answers (register/status_cache.py): a badge or API answer comes from the shared
cache (Redis) while no status has changed, and never says an old status once one has — publish,
withdraw, an organisation's change, a directory import, a new day — nor when Redis is away."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from organisations.directory_import import directory_imported
from organisations.models import Organisation
from register import status_cache

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build

TODAY = timezone.localdate()


@pytest.fixture
def world(db, live_cache):
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=60)
    )
    site = RegisteredOrganisationFactory(ods_code="VW001", name="Willow House")
    return {"bank": bank, "site": site}


def badge(client, code="VW001"):
    response = client.get(reverse("organisation-badge-svg", args=[code]))
    assert response.status_code == 200
    return response.content.decode()


def api(client, code="VW001"):
    response = client.get(f"/api/v1/organisations/{code}")
    assert response.status_code == 200
    return response.json()


def page(client, code="VW001"):
    response = client.get(reverse("organisation-public", args=[code]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_badge_api_answer_and_page_cost_no_query(client, world):
    first_badge, first_api = badge(client), api(client)
    page(client)
    with CaptureQueriesContext(connection) as queries:
        assert badge(client) == first_badge
        assert api(client) == first_api
        assert "Registered, not published" in page(client)  # (each page has its own nonce)
    assert len(queries) == 0


def test_publishing_shows_at_once(client, world):
    assert "Registered, not published" in badge(client)
    assert api(client)["status"]["kind"] == "registered_not_published"
    assert "Standards Met" not in page(client)
    publication_build(world["site"], world["bank"], level="met")
    assert "Standards Met" in badge(client)
    assert api(client)["status"]["level"] == "Standards Met"
    assert "Standards Met" in page(client)


def test_withdrawing_shows_at_once(client, world):
    publication = publication_build(world["site"], world["bank"], level="exceeded")
    assert "Standards Exceeded" in badge(client)
    assert api(client)["status"]["level"] == "Standards Exceeded"
    publication.withdrawn_at = timezone.now()
    publication.save(update_fields=["withdrawn_at"])
    assert "Standards Exceeded" not in badge(client)
    assert api(client)["status"]["level"] is None
    assert "Withdrawn" in page(client) or "withdrawn" in page(client)


def test_an_hq_publishing_for_the_site_shows_at_once(client, world):
    hq = RegisteredOrganisationFactory(ods_code="AB12", kind=Organisation.Kind.HEADQUARTERS)
    world["site"].parent = hq
    world["site"].registration_state = Organisation.RegistrationState.DIRECTORY
    world["site"].save()
    assert "Standards Met" not in badge(client)
    publication_build(hq, world["bank"], level="met", sites=[world["site"]])
    assert "Standards Met" in badge(client)
    assert api(client)["status"]["deciding_hq"]["ods_code"] == "AB12"


def test_a_renamed_organisation_shows_at_once(client, world):
    assert api(client)["name"] == "Willow House"
    Organisation.objects.filter(pk=world["site"].pk).first().save()  # a save of any field
    world["site"].name = "Willow Court"
    world["site"].save(update_fields=["name"])
    assert api(client)["name"] == "Willow Court"
    assert "Willow Court" in badge(client)
    assert "Willow Court" in page(client)


def test_a_directory_import_makes_kept_answers_stale(client, world):
    api(client)
    # The import writes in bulk (no save signals) and says so when it is done.
    Organisation.objects.filter(pk=world["site"].pk).update(name="Willow Court")
    assert api(client)["name"] == "Willow House"  # kept: nothing said it changed
    directory_imported.send(sender=Organisation)
    assert api(client)["name"] == "Willow Court"


def test_an_entry_from_another_day_is_not_used(client, world, monkeypatch):
    api(client)
    Organisation.objects.filter(pk=world["site"].pk).update(name="Willow Court")
    tomorrow = TODAY + datetime.timedelta(days=1)
    monkeypatch.setattr(status_cache.timezone, "localdate", lambda: tomorrow)
    assert api(client)["name"] == "Willow Court"


def test_an_entry_expires_on_its_own(world):
    assert status_cache.cached("test", "VW001", lambda: "answer") == "answer"
    assert status_cache.cached("test", "VW001", lambda: "not asked") == "answer"
    key = caches["default"].make_and_validate_key("register:test:VW001")
    ttl = caches["default"]._cache.get_client(key).ttl(key)
    assert 0 < ttl <= status_cache.ENTRY_SECONDS


def test_not_found_is_never_kept(client, world):
    assert client.get("/api/v1/organisations/VW002").status_code == 404
    OrganisationFactory.build(ods_code="VW002", name="Ash Lodge").save()
    assert client.get("/api/v1/organisations/VW002").status_code == 200


def test_other_spellings_of_a_code_still_redirect_and_are_not_kept(client, world):
    badge(client), page(client)
    response = client.get(reverse("organisation-badge-svg", args=["vw001"]))
    assert response.status_code == 301
    assert response["Location"].endswith(reverse("organisation-badge-svg", args=["VW001"]))
    response = client.get(reverse("organisation-public", args=["vw001"]))
    assert response.status_code == 301
    assert response["Location"].endswith(reverse("organisation-public", args=["VW001"]))
    assert client.get(reverse("organisation-public", args=["VW009"])).status_code == 404


def test_with_redis_away_answers_come_from_the_database(client, db, dead_cache):
    QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=60)
    )
    RegisteredOrganisationFactory(ods_code="VW001", name="Willow House")
    assert "Registered, not published" in badge(client)
    assert api(client)["name"] == "Willow House"
    assert "Willow House" in page(client)


def test_a_reader_between_the_change_and_its_commit_cannot_keep_the_old_answer(world):
    """The generation changes at the change and again at the commit: an answer read from the
    old rows in between is kept under a generation that is gone by the time anyone reads it."""
    cache = caches["default"]
    status_cache.register_changed()
    between = cache.get(status_cache.GENERATION_KEY)
    status_cache._new_generation()  # what the commit does
    assert cache.get(status_cache.GENERATION_KEY) != between


def search(client, query, page=None):
    params = {"q": query, **({"page": page} if page else {})}
    response = client.get(reverse("organisation-search"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_kept_search_costs_no_query_and_a_new_name_shows_at_once(client, world):
    assert "Willow House" in search(client, "willow")
    with CaptureQueriesContext(connection) as queries:
        kept = search(client, "willow")
    assert len(queries) == 0
    # The kept table is HTML, not text: the link to the organisation's page is a link.
    assert f'<a href="{reverse("organisation-public", args=["VW001"])}">Willow House</a>' in kept
    assert "&lt;table" not in kept
    OrganisationFactory(ods_code="VW002", name="Willow Grange")
    assert "Willow Grange" in search(client, "willow")
    assert "Willow Grange" not in search(client, "house")


def test_each_page_of_a_search_is_kept_apart(client, world):
    OrganisationFactory.create_batch(30, name="Alder Court")
    first, second = search(client, "alder"), search(client, "alder", page=2)
    assert first != second
    assert 'aria-current="page">2<' in search(client, "alder", page=2)
    assert 'aria-current="page">1<' in search(client, "alder")


def test_an_hq_page_keeps_its_branches_table_and_a_branch_publishing_shows_at_once(client, world):
    hq = RegisteredOrganisationFactory(
        ods_code="VW100", name="Willow Group", kind=Organisation.Kind.HEADQUARTERS
    )
    branch = OrganisationFactory(ods_code="VW101", name="Willow Annexe", parent=hq)
    first = page(client, "VW100")
    link = f'<a href="{reverse("organisation-public", args=["VW101"])}">Willow Annexe</a>'
    assert link in first
    assert "&lt;table" not in first
    with CaptureQueriesContext(connection) as queries:
        assert link in page(client, "VW100")
    assert len(queries) == 0

    def branch_row() -> str:
        return page(client, "VW100").split("Willow Annexe", 1)[1].split("</tr>", 1)[0]

    assert "Standards Met" not in branch_row()
    publication_build(hq, world["bank"], level="met", sites=(branch,))
    assert "Standards Met" in branch_row()
