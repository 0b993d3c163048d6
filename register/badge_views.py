"""The status badge (SVG and PNG) and the "Add to your website" page that gives its HTML.

The badge is built from the same public status as the organisation's public page
(`search.organisation_statuses`, which reads `publishing.selectors.latest_publications`), so it
can never say more or other than that page.

Caching: browsers and shared caches may keep a badge for BADGE_MAX_AGE seconds, and after that
ask again with If-None-Match; an unchanged badge is answered 304 without drawing anything. The
response sets no cookie and does not vary on cookies (`dspt_portal.cookieless`).

Kept answers: a badge is drawn from the status kept in the shared cache while no status has
changed (register/status_cache.py), so a popular badge costs one round trip to Redis.

Rate limit: badges count against the same per-address limit as the search and organisation pages
(`search`, 120 a minute). A person viewing a provider's website fetches its badge at most once
every few minutes (their browser keeps it), so the limit never reaches them; it stops one address
reading every organisation's status through badges faster than through the organisation pages.
It does not weaken caching: only the limit's 429 answer is uncacheable (`no-store`), every
badge stays shareable.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from dspt_portal.cookieless import cookieless
from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires
from organisations.models import Organisation
from organisations.ods import normalise_ods_code

from .badge import HEIGHT, WIDTH, Badge, badge_for, badge_not_found, badge_png, badge_svg
from .kept_responses import response_to_be_kept
from .search import normalise_query, organisation_public_get, organisation_statuses
from .status_cache import cached_for_code

BADGE_MAX_AGE = 300  # seconds: a new publication shows on websites within five minutes

_FORMATS = {
    "svg": ("image/svg+xml", badge_svg),
    "png": ("image/png", badge_png),
}


def _badge_of(organisation: Organisation) -> Badge:
    status = organisation_statuses(organisations=[organisation])[organisation.pk]
    return badge_for(status, name=organisation.name, ods_code=organisation.ods_code)


def shareable(view):
    """Every answer may be kept BADGE_MAX_AGE seconds by any cache, except the rate limit's
    (a 429 kept by a shared cache would refuse everyone behind it)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 429:
            patch_cache_control(response, no_store=True)
        else:
            patch_cache_control(response, public=True, max_age=BADGE_MAX_AGE)
        return response

    return wrapped


def _canonical_badge(ods_code: str) -> Badge | None:
    """The badge of the organisation whose code is exactly `ods_code`; None otherwise."""
    organisation = organisation_public_get(ods_code=ods_code)
    if organisation is None or organisation.ods_code != ods_code:
        return None
    return _badge_of(organisation)


def _badge_response(request: HttpRequest, ods_code: str, file_format: str) -> HttpResponse:
    content_type, draw = _FORMATS[file_format]
    badge = cached_for_code(
        "badge",
        ods_code,
        lambda: _canonical_badge(ods_code),
        keep=not response_to_be_kept(request),
    )
    if badge is None:
        organisation = organisation_public_get(ods_code=ods_code)
        if organisation is None:
            code = normalise_ods_code(normalise_query(ods_code))[:20]
            return HttpResponse(draw(badge_not_found(code)), content_type, status=404)
        if ods_code != organisation.ods_code:
            return redirect(
                f"organisation-badge-{file_format}", ods_code=organisation.ods_code, permanent=True
            )
        badge = _badge_of(organisation)
    etag = badge.etag(file_format)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return not_modified
    response = HttpResponse(draw(badge), content_type=content_type)
    response["ETag"] = etag
    response["Content-Disposition"] = f'inline; filename="dspt-status-{ods_code}.{file_format}"'
    return response


@requires(Access.PUBLIC)
@cookieless
@shareable
@rate_limited("search")
@require_safe
def organisation_badge_svg(request: HttpRequest, ods_code: str) -> HttpResponse:
    return _badge_response(request, ods_code, "svg")


@requires(Access.PUBLIC)
@cookieless
@shareable
@rate_limited("search")
@require_safe
def organisation_badge_png(request: HttpRequest, ods_code: str) -> HttpResponse:
    return _badge_response(request, ods_code, "png")


def _absolute(path: str) -> str:
    return str(settings.DSPT_SITE_URL).rstrip("/") + path


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def organisation_badge_embed(request: HttpRequest, ods_code: str) -> HttpResponse:
    """ "Add to your website": the badge, and the HTML to copy for it."""
    organisation = organisation_public_get(ods_code=ods_code)
    if organisation is None:
        raise Http404("No organisation has this code")
    if ods_code != organisation.ods_code:
        return redirect("organisation-badge", ods_code=organisation.ods_code, permanent=True)
    badge = _badge_of(organisation)
    code = organisation.ods_code
    page_url = _absolute(reverse("organisation-public", args=[code]))
    svg_url = _absolute(reverse("organisation-badge-svg", args=[code]))
    png_url = _absolute(reverse("organisation-badge-png", args=[code]))
    return render(
        request,
        "register/badge_embed.html",
        {
            "organisation": organisation,
            "badge": badge,
            "badge_width": WIDTH,
            "badge_height": HEIGHT,
            "page_url": page_url,
            "svg_snippet": badge_snippet(page_url, svg_url, badge),
            "png_snippet": badge_snippet(page_url, png_url, badge),
        },
    )


def badge_snippet(page_url: str, image_url: str, badge: Badge) -> str:
    """The HTML a provider pastes into its website: the badge, linking to its public page, with
    the status and date as its alternative text."""
    return format_html(
        '<a href="{}"><img src="{}" width="{}" height="{}" alt="{}"></a>',
        page_url,
        image_url,
        WIDTH,
        HEIGHT,
        badge.description,
    )
