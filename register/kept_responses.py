"""Kept public responses: a status badge, an API lookup by code, an organisation's public page or
a search read again is answered whole from Redis, before the rest of the portal's middleware runs
(ADR 15).

A badge is fetched by every visitor of every provider's website, systems poll the API by code, and
families, commissioners and inspectors open the same pages and search the same names. ADR 13 keeps
what these say, but each still went through every middleware, the URL resolver and the drawing,
which cost a web worker as much as the answer itself. This middleware, first in MIDDLEWARE, keeps
the finished response — status, headers and body as the portal sent them the first time — and
answers the next asker with it.

The same promise as ADR 13 (`register/status_cache.py`): an entry is kept as (generation, day,
headers, body) and is used only while the register's generation and the day are those read
*before* the response was made, so a publication, a withdrawal, an import or a deadline passing
makes every kept response stale at once; and it lives ENTRY_SECONDS at most.

- One round trip to Redis reads the generation and the entry and counts the request against the
  address's rate limit (`dspt_portal.ratelimit.read_and_count`); an address over its limit goes
  the long way, to the view's 429.
- Only a GET of a canonical code (or a search) is answered; a page only to a request that brings
  no cookie (a signed-in reader's page names them).
- Only a 200 from the view the route names, setting no cookie and varying on nothing (a page: on
  the cookies only), is kept, and only once it has been sent (when the server closes it): the
  first asker does not wait for the write to Redis. A page's CSP nonce is marked where it was,
  and each answer gets a new one, so no two answers share a nonce.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from dspt_portal.ratelimit import read_and_count

from .status_cache import ENTRY_SECONDS, GENERATION_KEY


@dataclass(frozen=True)
class Route:
    """Addresses answered from kept responses. `scope`: the rate limit they count against (as
    their views: register/badge_views.py, register/api.py, register/views.py). `query`: whether
    the query string is part of the address (else a request with one takes the long way). `page`:
    an HTML page, which differs for a signed-in reader and carries a CSP nonce: kept and answered
    only for requests that bring no cookie, with a new nonce each time."""

    path: re.Pattern
    view_names: frozenset[str]
    scope: str
    query: bool = False
    page: bool = False


# Canonical codes only: anything else is a redirect or a "not found", which take the long way.
# Only what the named views answered is kept, whatever else an address might come to mean.
ROUTES = (
    Route(
        re.compile(r"/organisations/[A-Z0-9]{1,20}/badge\.(?:svg|png)"),
        frozenset({"organisation-badge-svg", "organisation-badge-png"}),
        "search",
    ),
    Route(
        re.compile(r"/api/v1/organisations/[A-Z0-9]{1,20}"),
        frozenset({"api-v1:organisation"}),
        "api",
    ),
    Route(
        re.compile(r"/organisations/[A-Z0-9]{1,20}/"),
        frozenset({"organisation-public"}),
        "search",
        page=True,
    ),
    Route(
        re.compile(r"/search/"), frozenset({"organisation-search"}), "search", query=True, page=True
    ),
)
KEY_PREFIX = "register:response:"
# Where a kept page's CSP nonce was; each answer puts a new one there.
NONCE_MARK = "dspt-kept-response-nonce"


def entry_key(address: str) -> str:
    """The cache key of the response kept for `address` (scheme, site, path and, for a search,
    query string): a digest, as an address is as long as the asker makes it."""
    return KEY_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def _route(request: HttpRequest) -> Route | None:
    if request.method != "GET":
        return None
    path = request.path_info
    for route in ROUTES:
        if route.path.fullmatch(path):
            if request.META.get("QUERY_STRING") and not route.query:
                return None
            if route.page and request.META.get("HTTP_COOKIE"):
                return None  # perhaps signed in: the page is theirs
            return route
    return None


def _kept_form(
    request: HttpRequest, response: HttpResponse, route: Route
) -> tuple[list[tuple[str, str]], bytes] | None:
    """`response` as kept (headers without Content-Length, and body, the CSP nonce marked), or
    None when it may not be kept: only a 200 that sets no cookie, and varies on nothing (a page:
    on nothing but the cookies, as it is kept only for requests without any)."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in route.view_names:
        return None
    vary = response.get("Vary", "")
    if vary and not (route.page and vary.strip().lower() == "cookie"):
        return None
    headers = [(name, value) for name, value in response.items() if name != "Content-Length"]
    body = response.content
    nonce = getattr(request, "_csp_nonce", None)
    if isinstance(nonce, str):
        if NONCE_MARK.encode() in body:
            return None
        body = body.replace(nonce.encode(), NONCE_MARK.encode())
        headers = [(name, value.replace(nonce, NONCE_MARK)) for name, value in headers]
    elif "nonce-" in response.get("Content-Security-Policy", ""):
        return None  # a nonce this middleware cannot see to replace
    return headers, body


def _from_entry(request: HttpRequest, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    if NONCE_MARK.encode() in body:
        nonce = base64.b64encode(os.urandom(16)).decode("ascii")  # as django-csp makes them
        body = body.replace(NONCE_MARK.encode(), nonce.encode())
        headers = [(name, value.replace(NONCE_MARK, nonce)) for name, value in headers]
    response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(body))
    last_modified = response.get("Last-Modified")
    return (
        get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(last_modified) if last_modified else None,
            response=response,
        )
        or response
    )


def response_to_be_kept(request: HttpRequest) -> bool:
    """Whether the whole response to `request` is to be kept (a first asking of a kept route's
    address). Its view need not also keep the data it draws the response from (ADR 13): the next
    asking is answered whole, and keeping both cost a first asking two more trips to Redis and a
    pickling."""
    return getattr(request, "_dspt_response_to_be_kept", False)


class KeptPublicResponseMiddleware:
    """First in MIDDLEWARE, so it keeps responses as every other middleware finished them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        route = _route(request)
        if route is None:
            return self.get_response(request)
        try:
            # The scheme and site are part of the address: the API's links name them.
            address = f"{request.scheme}://{request.get_host()}{request.path_info}"
        except DisallowedHost:
            return self.get_response(request)  # the long way, to its 400
        if route.query:
            address = f"{address}?{request.META.get('QUERY_STRING', '')}"
        key = entry_key(address)
        today = timezone.localdate().isoformat()
        found, retry_after = read_and_count(request, route.scope, [GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        entry = found.get(key)
        if (
            retry_after is None
            and isinstance(entry, tuple)
            and len(entry) == 4  # (an entry of another shape, from another version: made anew)
            and entry[0] == generation
            and entry[1] == today
        ):
            return _from_entry(request, entry[2], entry[3])
        # The view does not count this request again (it was counted above) and answers 429
        # when over the limit.
        request._dspt_response_to_be_kept = retry_after is None  # type: ignore[attr-defined]
        response = self.get_response(request)
        kept = _kept_form(request, response, route)
        if kept is not None:
            _keep_once_sent(response, key, (generation, today, *kept))
        return response


def _keep_once_sent(response: HttpResponse, key: str, entry: tuple) -> None:
    """Keep `entry` when the response is closed: the server closes it once the body has gone, so
    the asker is not kept waiting for the write to Redis (WSGI servers, and Django's test client,
    always close a response). A change in between makes the entry's generation stale, as for
    any entry."""
    close = response.close

    def keep_and_close() -> None:
        try:
            cache.set(key, entry, ENTRY_SECONDS)
        finally:
            close()

    response.close = keep_and_close  # type: ignore[method-assign]
