"""Kept public responses: a status badge or an API lookup by code read again is answered whole
from Redis, before the rest of the portal's middleware runs (ADR 15).

A badge is fetched by every visitor of every provider's website and the API by code is polled by
systems; both answers are the same for everyone (`dspt_portal.cookieless`). ADR 13 keeps what they
say, but each still went through every middleware, the URL resolver and the drawing, which cost a
web worker more than a page with no query at all. This middleware, first in MIDDLEWARE, keeps the
finished response — status, headers and body exactly as the portal sent them the first time — and
answers the next asker with it.

The same promise as ADR 13 (`register/status_cache.py`): an entry is kept as (generation, day,
headers, body) and is used only while the register's generation and the day are those read
*before* the response was made, so a publication, a withdrawal, an import or a deadline passing
makes every kept response stale at once; and it lives ENTRY_SECONDS at most.

One round trip to Redis reads the generation and the entry and counts the request against the
address's rate limit (`dspt_portal.ratelimit.read_and_count`). An address over its limit, and any
request that is not a plain GET of a canonical code's badge or API record, goes the long way.
Only a 200 that sets no cookie, varies on nothing and carries no CSP nonce is kept.
"""

from __future__ import annotations

import re

from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from dspt_portal.ratelimit import read_and_count

from .status_cache import ENTRY_SECONDS, GENERATION_KEY

# The addresses answered from kept responses, with the rate limit each counts against (the same
# scopes as their views: register/badge_views.py and register/api.py). Canonical codes only:
# anything else is a redirect or a "not found", which take the long way.
ROUTES = (
    (re.compile(r"/organisations/[A-Z0-9]{1,20}/badge\.(?:svg|png)"), "search"),
    (re.compile(r"/api/v1/organisations/[A-Z0-9]{1,20}"), "api"),
)
KEY_PREFIX = "register:response:"


def _route_scope(request: HttpRequest) -> str | None:
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return None
    path = request.path_info
    for pattern, scope in ROUTES:
        if pattern.fullmatch(path):
            return scope
    return None


def _keepable(response: HttpResponse) -> bool:
    """Whether `response` is the same for every asker of its address: a 200 with no cookie, no
    Vary and no per-request CSP nonce."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Vary"):
        return False
    policy = response.get("Content-Security-Policy", "")
    return "nonce-" not in policy


def _from_entry(request: HttpRequest, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    response = HttpResponse(body)
    for name, value in headers:
        response[name] = value
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


class KeptPublicResponseMiddleware:
    """First in MIDDLEWARE, so it keeps responses as every other middleware finished them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        scope = _route_scope(request)
        if scope is None:
            return self.get_response(request)
        try:
            # The scheme and site are part of the address: the API's links name them.
            key = f"{KEY_PREFIX}{request.scheme}://{request.get_host()}{request.path_info}"
        except DisallowedHost:
            return self.get_response(request)  # the long way, to its 400
        today = timezone.localdate().isoformat()
        found, retry_after = read_and_count(request, scope, [GENERATION_KEY, key])
        generation = found.get(GENERATION_KEY)
        entry = found.get(key)
        if (
            retry_after is None
            and entry is not None
            and entry[0] == generation
            and entry[1] == today
        ):
            return _from_entry(request, entry[2], entry[3])
        # The view does not count this request again (it was counted above) and answers 429
        # when over the limit.
        response = self.get_response(request)
        if _keepable(response):
            cache.set(
                key,
                (generation, today, list(response.items()), response.content),
                ENTRY_SECONDS,
            )
        return response
