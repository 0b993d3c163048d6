"""The register's JSON API (/api/v1/): what it says about organisations, what it refuses, its
caching, limits and CORS, and that its OpenAPI description matches what it really sends."""

import datetime
import json

import jsonschema
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from audit.services import Actor
from helpdesk.services import publication_withdraw

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build

pytestmark = pytest.mark.django_db


def by_code(client, code, **headers):
    return client.get(reverse("api-v1:organisation", args=[code]), **headers)


def lookup(client, codes):
    return client.post(
        reverse("api-v1:organisation-lookup"),
        data=json.dumps({"codes": codes}),
        content_type="application/json",
    )


@pytest.fixture
def spec(client):
    response = client.get(reverse("api-v1:openapi-json"))
    assert response.status_code == 200
    return response.json()


def conforms(spec, path, method, response):
    """The response's status is described for the operation and its body fits the schema."""
    operation = spec["paths"][path][method]
    described = operation["responses"][str(response.status_code)]
    schema = described["content"]["application/json"]["schema"]
    jsonschema.Draft202012Validator(
        {**schema, "components": spec["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(response.json())


# --- One organisation ---------------------------------------------------------------------


def test_a_registered_organisation_that_has_not_published(client, organisation, spec):
    response = by_code(client, "vab12")  # lower case is understood
    assert response.status_code == 200
    body = response.json()
    assert body["ods_code"] == "VAB12"
    assert body["name"] == "Langdale House"
    assert body["registered"] is True
    assert body["status"]["text"] == "Not Published"
    assert body["status"]["kind"] == "registered_not_published"
    assert body["status"]["decided_by"] is None
    assert body["certificate"] is None
    assert body["page_url"].endswith("/organisations/VAB12/")
    conforms(spec, "/api/v1/organisations/{ods_code}", "get", response)


def test_an_organisation_that_published_standards_met(client, organisation, bank, spec):
    publication = publication_build(organisation, bank, level="met")
    body = by_code(client, "VAB12").json()
    assert body["status"]["text"] == "25/26 Standards Met"
    assert body["status"]["level"] == "Standards Met"
    assert body["status"]["year"] == bank.year
    assert body["status"]["out_of_date"] is False
    assert body["status"]["decided_by"] == "own"
    assert body["status"]["published_on"] == str(timezone.localdate(publication.published_at))
    assert body["certificate"]["verification_code"] == publication.verification_code
    assert body["certificate"]["state"] == "current"
    assert body["certificate"]["verification_url"].endswith(
        f"/verify/{publication.verification_code}/"
    )
    conforms(spec, "/api/v1/organisations/{ods_code}", "get", by_code(client, "VAB12"))


def test_approaching_standards_has_no_certificate(client, organisation, bank):
    publication_build(organisation, bank, level="approaching")
    body = by_code(client, "VAB12").json()
    assert body["status"]["text"] == "25/26 Approaching Standards"
    assert body["certificate"] is None


def test_a_site_covered_by_its_hqs_publication(client, bank, spec):
    hq = OrganisationFactory(ods_code="AB12", name="Example Care Group", kind="hq")
    site = OrganisationFactory(ods_code="VSITE1", name="Oak Lodge", parent=hq)
    publication_build(hq, bank, level="met", sites=[site])
    response = by_code(client, "VSITE1")
    body = response.json()
    assert body["hq"] == {"ods_code": "AB12", "name": "Example Care Group"}
    assert body["status"]["decided_by"] == "hq"
    assert body["status"]["deciding_hq"] == {"ods_code": "AB12", "name": "Example Care Group"}
    assert body["status"]["text"] == "25/26 Standards Met"
    conforms(spec, "/api/v1/organisations/{ods_code}", "get", response)


def test_the_certificate_is_the_deciding_publications_never_another_ones(client, bank):
    hq = OrganisationFactory(ods_code="AB12", name="Example Care Group", kind="hq")
    covered = OrganisationFactory(ods_code="VSITE1", name="Oak Lodge", parent=hq)
    own_too = OrganisationFactory(ods_code="VSITE2", name="Elm Lodge", parent=hq)
    month_ago = timezone.now() - datetime.timedelta(days=30)
    earlier = publication_build(hq, bank, level="met", sites=[covered], published_at=month_ago)
    own = publication_build(own_too, bank, level="met", published_at=month_ago)
    later = publication_build(hq, bank, level="exceeded", sites=[covered, own_too])
    body = by_code(client, "VSITE1").json()
    assert body["status"]["decided_by"] == "hq"
    assert body["certificate"]["verification_code"] == later.verification_code
    assert later.verification_code != earlier.verification_code
    # Its own publication decides for the other site, however new the HQ's is.
    body = by_code(client, "VSITE2").json()
    assert body["status"]["decided_by"] == "own"
    assert body["certificate"]["verification_code"] == own.verification_code
    # A later Approaching Standards earns none, though the one before it did.
    publication_build(hq, bank, level="approaching", sites=[covered])
    body = by_code(client, "VSITE1").json()
    assert body["status"]["text"] == "25/26 Approaching Standards"
    assert body["certificate"] is None


def test_out_of_date_is_a_field_of_its_own_never_part_of_the_status(client, organisation, bank):
    publication_build(organisation, bank, level="met")
    after = bank.publication_deadline + datetime.timedelta(days=400)
    with time_machine.travel(datetime.datetime.combine(after, datetime.time(12)), tick=False):
        body = by_code(client, "VAB12").json()
    assert body["status"]["text"] == "25/26 Standards Met"
    assert body["status"]["out_of_date"] is True
    assert body["status"]["kind"] == "out_of_date"
    assert body["certificate"]["state"] == "out_of_date"


def test_a_withdrawn_publication_decides_nothing(client, organisation, bank, helpdesk_operator):
    publication = publication_build(organisation, bank, level="met")
    publication_withdraw(
        publication=publication, reason="Published in error", actor=Actor(user=helpdesk_operator)
    )
    body = by_code(client, "VAB12").json()
    assert body["status"]["text"] == "Not Published"
    assert body["certificate"] is None


def test_a_result_from_the_previous_toolkit(client, spec):
    OrganisationFactory(
        ods_code="VOLD1",
        name="Old Mill",
        directory_status="18/19 Standards Met",
        directory_published_on=datetime.date(2019, 1, 25),
    )
    response = by_code(client, "VOLD1")
    body = response.json()
    assert body["status"]["text"] == "18/19 Standards Met"
    assert body["status"]["out_of_date"] is True
    assert body["status"]["decided_by"] == "previous_toolkit"
    assert body["registered"] is False
    conforms(spec, "/api/v1/organisations/{ods_code}", "get", response)


@pytest.mark.parametrize("code", ["NOPE1", "x" * 300, "VAB12%00", "'; drop table"])
def test_an_unknown_code_is_a_404_with_words(client, organisation, code, spec):
    response = by_code(client, code)
    assert response.status_code == 404
    assert "No organisation has the ODS code" in response.json()["detail"]
    conforms(spec, "/api/v1/organisations/{ods_code}", "get", response)


# --- Search -----------------------------------------------------------------------------------


def test_search_by_name_pages_through_results(client, spec):
    for number in range(30):
        OrganisationFactory(ods_code=f"VS{number:03d}", name=f"Birch Court {number:02d}")
    OrganisationFactory(ods_code="VOTHER", name="Elm House")
    url = reverse("api-v1:organisation-search")
    first = client.get(url, {"q": "birch"})
    assert first.status_code == 200
    body = first.json()
    assert (body["total"], body["page"], body["pages"], len(body["results"])) == (30, 1, 2, 25)
    assert body["results"][0]["name"] == "Birch Court 00"
    second = client.get(url, {"q": "birch", "page": 2}).json()
    assert [r["name"] for r in second["results"]] == [f"Birch Court {n}" for n in range(25, 30)]
    conforms(spec, "/api/v1/organisations", "get", first)


@pytest.mark.parametrize(
    "query", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}, {"q": "a", "page": "zero"}]
)
def test_a_search_without_a_usable_query_is_a_400_with_words(client, db, query, spec):
    response = client.get(reverse("api-v1:organisation-search"), query)
    assert response.status_code == 400
    assert response.json()["detail"]
    conforms(spec, "/api/v1/organisations", "get", response)


# --- Bulk lookup --------------------------------------------------------------------------------


def test_lookup_answers_found_codes_in_order_and_lists_unknown_ones(client, bank, spec):
    first = RegisteredOrganisationFactory(ods_code="VAA01", name="First")
    OrganisationFactory(ods_code="VAA02", name="Second")
    publication_build(first, bank, level="exceeded")
    response = lookup(client, ["vaa02", " VAA01 ", "VAA02", "NOPE9", "", "!!"])
    assert response.status_code == 200
    body = response.json()
    assert [r["ods_code"] for r in body["results"]] == ["VAA02", "VAA01"]
    assert body["results"][1]["status"]["text"] == "25/26 Standards Exceeded"
    assert body["unknown"] == ["NOPE9", "", "!!"]
    conforms(spec, "/api/v1/organisations/lookup", "post", response)


def test_lookup_of_more_than_500_codes_is_refused(client, db, spec):
    response = lookup(client, [f"V{n:05d}" for n in range(501)])
    assert response.status_code == 400
    assert "at most 500" in response.json()["detail"]
    conforms(spec, "/api/v1/organisations/lookup", "post", response)


@pytest.mark.parametrize(
    "body", ["", "not json", "[1, 2]", '{"codes": "VAB12"}', '{"codes": [[1]]}', '{"other": 1}']
)
def test_a_lookup_that_is_not_a_list_of_codes_is_a_400(client, db, body):
    response = client.post(
        reverse("api-v1:organisation-lookup"), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_lookup_costs_the_same_queries_for_5_or_200_codes(client, bank):
    hq = OrganisationFactory(ods_code="AB12", name="Group", kind="hq")
    sites = [
        OrganisationFactory(ods_code=f"VQ{n:03d}", name=f"Site {n}", parent=hq) for n in range(200)
    ]
    publication_build(hq, bank, sites=sites[:100])
    for site in sites[100:150]:
        publication_build(site, bank, level="approaching")

    def queries(codes):
        with CaptureQueriesContext(connection) as captured:
            assert lookup(client, codes).status_code == 200
        return len(captured.captured_queries)

    assert queries([s.ods_code for s in sites[:5]]) == queries([s.ods_code for s in sites])


def test_by_code_says_what_the_bulk_lookup_says_for_every_kind_of_organisation(
    client, bank, helpdesk_operator
):
    """The lookup by code reads an organisation, its HQ and its latest publications in one
    statement of its own; the bulk lookup reads them through the ORM. Each kind of organisation
    must come out the same both ways."""
    month_ago = timezone.now() - datetime.timedelta(days=30)
    hq = OrganisationFactory(ods_code="AB12", name="Example Care Group", kind="hq")
    covered = OrganisationFactory(ods_code="VK01", name="Covered", parent=hq)
    own_after_hq = RegisteredOrganisationFactory(ods_code="VK02", name="Own after HQ", parent=hq)
    publication_build(hq, bank, level="met", sites=[covered, own_after_hq], published_at=month_ago)
    publication_build(own_after_hq, bank, level="approaching")
    withdrawn = RegisteredOrganisationFactory(ods_code="VK03", name="Withdrawn")
    publication_withdraw(
        publication=publication_build(withdrawn, bank, level="exceeded"),
        reason="Published in error",
        actor=Actor(user=helpdesk_operator),
    )
    OrganisationFactory(
        ods_code="VK04",
        name="Old Mill",
        directory_status="18/19 Standards Met",
        directory_published_on=datetime.date(2019, 1, 25),
    )
    RegisteredOrganisationFactory(ods_code="VK05", name="Registered only")
    OrganisationFactory(ods_code="VK06", name="Listed only", parent=hq)
    codes = ["AB12", "VK01", "VK02", "VK03", "VK04", "VK05", "VK06"]
    in_bulk = {record["ods_code"]: record for record in lookup(client, codes).json()["results"]}
    assert set(in_bulk) == set(codes)
    for code in codes:
        assert by_code(client, code).json() == in_bulk[code], code
    # And they differ where the organisations do: the comparison can fail.
    assert in_bulk["VK01"]["status"]["decided_by"] == "hq"
    assert in_bulk["VK02"]["status"]["decided_by"] == "own"
    assert in_bulk["VK02"]["status"]["level"] == "Approaching Standards"
    assert in_bulk["VK03"]["status"]["text"] == "Not Published"
    assert in_bulk["VK06"]["hq"] == {"ods_code": "AB12", "name": "Example Care Group"}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="one statement on PostgreSQL; the embedded default reads the deadlines apart",
)
def test_a_lookup_by_code_reads_the_organisation_and_its_publications_at_once(
    client, organisation, bank
):
    publication_build(organisation, bank, level="met")
    with CaptureQueriesContext(connection) as captured:
        assert by_code(client, "VAB12").status_code == 200
    # The organisation with its HQ, its latest publications and the banks' deadlines.
    assert len(captured.captured_queries) == 1, [q["sql"][:80] for q in captured]


def test_a_lookup_by_code_reads_the_deadlines_as_they_are_now(client, organisation, bank):
    publication_build(organisation, bank, level="met")
    assert by_code(client, "VAB12").json()["status"]["current_until"] is not None
    year_ago = timezone.localdate() - datetime.timedelta(days=365)
    QuestionBank.objects.create(year="2026-27", publication_deadline=year_ago)
    body = by_code(client, "VAB12").json()
    # The next year's deadline has passed: the 25/26 publication ran out on it.
    assert body["status"]["current_until"] == year_ago.isoformat()
    assert body["status"]["out_of_date"] is True


def test_lookup_needs_no_csrf_token(db, organisation):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert lookup(strict, ["VAB12"]).status_code == 200


# --- Caching, cookies, CORS and the limit --------------------------------------------------------


def test_get_answers_are_cacheable_and_readable_by_any_website(client, organisation):
    response = by_code(client, "VAB12")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert response.cookies == {} or not any(response.cookies.values())
    assert "Cookie" not in response.get("Vary", "")
    again = by_code(client, "VAB12", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_status_changes_the_etag(client, organisation, bank):
    before = by_code(client, "VAB12")["ETag"]
    publication_build(organisation, bank)
    after = by_code(client, "VAB12", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before


def test_post_answers_do_not_invite_other_websites(client, organisation):
    response = lookup(client, ["VAB12"])
    assert "Access-Control-Allow-Origin" not in response


def test_each_address_has_a_limit(client, organisation, settings):
    from django.core.cache import cache

    cache.clear()
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {**settings.DSPT_RATE_LIMITS, "api": 2}
    assert by_code(client, "VAB12").status_code == 200
    assert lookup(client, ["VAB12"]).status_code == 200
    refused = by_code(client, "VAB12")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "try again in" in refused.json()["detail"]
    other = client.get(reverse("api-v1:organisation", args=["VAB12"]), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200
    cache.clear()


def test_only_public_facts_are_given(client, organisation, bank, administrator):
    publication_build(organisation, bank)
    text = by_code(client, "VAB12").content.decode()
    for private in ("admin@care.example", "Pat Publisher", "answers", "comments"):
        assert private not in text


# --- The description and the guide ---------------------------------------------------------


def test_the_openapi_description_lists_every_operation(spec):
    assert spec["info"]["version"] == "1"
    assert set(spec["paths"]) == {
        "/api/v1/organisations/{ods_code}",
        "/api/v1/organisations",
        "/api/v1/organisations/lookup",
    }
    assert set(spec["paths"]["/api/v1/organisations/lookup"]) == {"post"}


def test_the_guide_for_people_links_the_description(client, db):
    response = client.get(reverse("api-guide"))
    assert response.status_code == 200
    assert reverse("api-v1:openapi-json").encode() in response.content
    assert b"500 codes" in response.content


def test_the_versions_own_address_leads_to_the_guide(client, db):
    response = client.get("/api/v1/")
    assert response.status_code == 302
    assert response["Location"] == reverse("api-guide")
