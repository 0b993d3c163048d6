"""The register's read-only JSON API, version 1 (`/api/v1/`), for commissioners' and inspectors'
systems: an organisation by ODS code, a name search, and a bulk lookup of up to 500 codes.

Everything here is public already (the organisation pages and the CSV say the same): no sign-in,
no cookies, and answers are worked out by the register's one status rule. The OpenAPI description
is served at `/api/v1/openapi.json`; the page for people is `/api/` (register/views.api_guide).
Every response is rate limited per address; GET responses may be cached by anyone for a few
minutes (ETag, conditional requests answered 304) and read by any website (CORS).
"""

from __future__ import annotations

import datetime
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import URLPattern, reverse
from django.utils.cache import get_conditional_response, set_response_etag
from django.views.decorators.http import require_safe
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import ValidationError

from dspt_portal.cookieless import cookieless
from dspt_portal.ratelimit import over_rate_limit
from organisations.access import Access, requires

from .api_records import (
    LOOKUP_LIMIT,
    OrganisationRecord,
    lookup_code,
    organisation_records,
    organisations_by_code,
    record_for_code,
)
from .kept_responses import response_to_be_kept
from .search import (
    PAGE_SIZE,
    SEARCH_MAX_LENGTH,
    SEARCH_RESULT_LIMIT,
    normalise_query,
    organisation_search,
)
from .status_cache import CACHEABLE_CODE, cached_for_code

API_VERSION = "1"
# How long anyone (browsers, proxies, the caller's own cache) may keep a GET answer.
CACHE_SECONDS = 300


class OrganisationRef(Schema):
    ods_code: str = Field(examples=["AB12"])
    name: str


class Certificate(Schema):
    verification_code: str = Field(
        description="Printed on the certificate; checks it at verification_url.",
        examples=["ABCDE-FGHJK-MNPQR-STVWX"],
    )
    verification_url: str
    state: str = Field(
        description='"current" until the next year\'s deadline passes, then "out_of_date".',
        examples=["current"],
    )


class RegisterStatus(Schema):
    text: str = Field(
        description='In the toolkit\'s own words: "25/26 Standards Met", or "Not Published".',
        examples=["25/26 Standards Met"],
    )
    kind: str = Field(
        description='"current", "out_of_date", "registered_not_published" or "not_registered".'
    )
    out_of_date: bool
    level: str | None = Field(
        description='"Approaching Standards", "Standards Met" or "Standards Exceeded"; for '
        "results from the previous toolkit, its own wording.",
        examples=["Standards Met"],
    )
    year: str | None = Field(description="The DSPT year published for.", examples=["2025-26"])
    published_on: datetime.date | None
    current_until: datetime.date | None = Field(
        description="The last day this publication counts: the next year's deadline."
    )
    decided_by: str | None = Field(
        description='Whose publication decides it: "own", "hq" (an HQ that published for this '
        'site), "previous_toolkit" (the 2019 toolkit\'s record), or null when none.'
    )
    deciding_hq: OrganisationRef | None = Field(
        description="The HQ whose publication decides the status, when decided_by is hq."
    )


class Organisation(Schema):
    ods_code: str = Field(examples=["VM8L1"])
    name: str
    kind: str = Field(description='"site" or "hq".')
    registered: bool = Field(description="Registered on this portal.")
    primary_sector: str
    town: str
    postcode: str
    hq: OrganisationRef | None = Field(description="The HQ the directory places it under.")
    status: RegisterStatus
    certificate: Certificate | None = Field(
        description="The deciding publication's certificate (Standards Met or Exceeded only)."
    )
    page_url: str = Field(description="Its public page on the register.")


class SearchResults(Schema):
    query: str
    total: int = Field(
        description=f"How many organisations match, counted up to {SEARCH_RESULT_LIMIT:,} "
        "(see more)."
    )
    more: bool = Field(
        description=f"More than {SEARCH_RESULT_LIMIT:,} organisations match: only the first "
        f"{SEARCH_RESULT_LIMIT:,} can be paged through; search for more of the name."
    )
    page: int
    pages: int
    per_page: int
    results: list[Organisation]


class LookupRequest(Schema):
    codes: list[str] = Field(
        description=f"Up to {LOOKUP_LIMIT} ODS codes, in any case, with or without spaces.",
        examples=[["VM8L1", "ab12"]],
    )


class LookupResults(Schema):
    results: list[Organisation] = Field(description="The codes found, in the order asked.")
    unknown: list[str] = Field(description="Codes asked for that no organisation has.")


class Problem(Schema):
    detail: str


api = NinjaAPI(
    title="DSPT register API",
    version=API_VERSION,
    description=(
        "The public register of Data Security and Protection Toolkit statuses: read-only, no "
        "sign-in. Statuses are in the toolkit's own words; out of date is a field of its own."
    ),
    urls_namespace="api-v1",
    docs_url=None,
)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """What was wrong with the request, in words, as a 400 (not ninja's 422 list)."""
    problems = []
    for problem in error.errors:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body",))
        problems.append(
            f"{where}: {problem.get('msg', 'not valid')}" if where else problem.get("msg", "")
        )
    return api.create_response(
        request, {"detail": "; ".join(problems) or "The request is not valid"}, status=400
    )


def _absolute(request: HttpRequest, path: str) -> str:
    site = getattr(settings, "DSPT_SITE_URL", "").rstrip("/")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _organisation(request: HttpRequest, record: OrganisationRecord) -> dict:
    organisation, status = record.organisation, record.status
    parent = organisation.parent
    certificate = None
    if record.verification_code:
        certificate = {
            "verification_code": record.verification_code,
            "verification_url": _absolute(
                request, reverse("certificate-verify", args=[record.verification_code])
            ),
            "state": "out_of_date" if status.out_of_date else "current",
        }
    return {
        "ods_code": organisation.ods_code,
        "name": organisation.name.strip(),
        "kind": organisation.kind,
        "registered": organisation.is_registered,
        "primary_sector": organisation.primary_sector,
        "town": organisation.town,
        "postcode": organisation.postcode,
        "hq": {"ods_code": parent.ods_code, "name": parent.name} if parent else None,
        "status": {
            "text": status.toolkit_text,
            "kind": status.kind.value,
            "out_of_date": status.out_of_date,
            "level": status.level or None,
            "year": status.year or None,
            "published_on": status.published_on,
            "current_until": record.current_until,
            "decided_by": record.decided_by,
            "deciding_hq": (
                {"ods_code": status.via_hq_code, "name": status.via_hq_name}
                if status.is_via_hq
                else None
            ),
        },
        "certificate": certificate,
        "page_url": _absolute(
            request, reverse("organisation-public", args=[organisation.ods_code])
        ),
    }


# Before /organisations/{ods_code}: Django tries the patterns in order.
@api.post(
    "/organisations/lookup",
    response={200: LookupResults, 400: Problem},
    url_name="organisation-lookup",
    summary=f"Look up to {LOOKUP_LIMIT} ODS codes at once",
)
def organisations_lookup(request: HttpRequest, body: LookupRequest):
    if len(body.codes) > LOOKUP_LIMIT:
        return Status(
            400,
            {
                "detail": f"Ask for at most {LOOKUP_LIMIT} codes at once; this asked for "
                f"{len(body.codes)}"
            },
        )
    asked = list(dict.fromkeys(code for code in map(lookup_code, body.codes) if code))
    unusable = [raw[:40] for raw in body.codes if not lookup_code(raw)]
    found = organisations_by_code(codes=asked)
    records = organisation_records(organisations=[found[code] for code in asked if code in found])
    return Status(
        200,
        {
            "results": [_organisation(request, record) for record in records],
            "unknown": [code for code in asked if code not in found] + unusable,
        },
    )


@api.get(
    "/organisations/{ods_code}",
    response={200: Organisation, 404: Problem},
    url_name="organisation",
    summary="An organisation by ODS code",
)
def organisation_by_code(request: HttpRequest, ods_code: str):
    code = lookup_code(ods_code)

    def answer() -> dict | None:
        record = record_for_code(code) if code else None
        return _organisation(request, record) if record is not None else None

    # Kept while no status changes (register/status_cache.py); the links in it name this site.
    site = _absolute(request, "/")
    body = (
        cached_for_code("api", code, answer, scope=site, keep=not response_to_be_kept(request))
        if CACHEABLE_CODE.fullmatch(code)
        else answer()  # codes with spaces or hyphens are not kept
    )
    if body is None:
        return Status(404, {"detail": f"No organisation has the ODS code {ods_code[:40]!r}"})
    return Status(200, body)


class SearchParameters(Schema):
    q: str = Field(
        min_length=1,
        max_length=SEARCH_MAX_LENGTH,
        description="Part of a name, or an ODS code. Accents and case do not matter.",
    )
    page: int = Field(1, ge=1, le=100_000)


@api.get(
    "/organisations",
    response={200: SearchResults, 400: Problem},
    url_name="organisation-search",
    summary="Search by name or ODS code",
)
def organisations_matching(request: HttpRequest, parameters: Query[SearchParameters]):
    query = normalise_query(parameters.q)
    if not query:
        return Status(400, {"detail": "Give a name or ODS code to search for in q"})
    matches = organisation_search(query=query).with_parents()
    paginator = Paginator(matches, PAGE_SIZE)
    page = paginator.get_page(parameters.page)
    records = organisation_records(organisations=list(page.object_list))
    return Status(
        200,
        {
            "query": query,
            "total": paginator.count,
            "more": matches.more,
            "page": page.number,
            "pages": paginator.num_pages,
            "per_page": PAGE_SIZE,
            "results": [_organisation(request, record) for record in records],
        },
    )


# Around every operation: the per-address limit, caching and CORS -------------------------------


def _public_api(view):
    # The answer is the same for everyone, signed in or not: no cookie and no "Vary: Cookie",
    # so shared caches may keep it (dspt_portal/cookieless.py).
    @cookieless
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        retry_after = over_rate_limit(request, "api")
        if retry_after is not None:
            response: HttpResponse = JsonResponse(
                {"detail": f"Too many requests: try again in {retry_after} seconds"}, status=429
            )
            response["Retry-After"] = str(retry_after)
            return response
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            response["Access-Control-Allow-Origin"] = "*"
            if response.status_code == 200:
                response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
                set_response_etag(response)
                response = (
                    get_conditional_response(request, etag=response["ETag"], response=response)
                    or response
                )
        return response

    return wrapped


def _patterns() -> list[URLPattern]:
    """ninja's URL patterns, each view declaring it is public (the permission matrix reads it)
    and wrapped in the limit, caching and CORS."""
    patterns, _app_name, _namespace = api.urls
    return [
        URLPattern(
            pattern.pattern,
            requires(Access.PUBLIC)(
                # The version's own address (no docs page there) leads to the guide.
                _to_the_guide if pattern.name == "api-root" else _public_api(_safe(pattern))
            ),
            pattern.default_args,
            pattern.name,
        )
        for pattern in patterns
    ]


def _safe(pattern: URLPattern):
    """The OpenAPI description is read, never posted to; the operations check their own
    methods."""
    return require_safe(pattern.callback) if pattern.name == "openapi-json" else pattern.callback


@require_safe
def _to_the_guide(request: HttpRequest) -> HttpResponse:
    return redirect("api-guide")


urls = (_patterns(), "api-v1", "api-v1")
