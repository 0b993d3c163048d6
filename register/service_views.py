"""The pages every public service has, linked from every page's footer: help and contact, news,
finding an ODS code, the accessibility statement, cookies, privacy and terms of use. Also the form
that takes a certificate's verification code to its page. Anyone may read them, signed in or not.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from helpdesk import selectors as helpdesk_selectors
from organisations.access import Access, requires

from .api_records import LOOKUP_LIMIT
from .forms import VerifyForm
from .service_pages import cookies_set, durations, helpdesk_contact

# The public look-up of organisation codes, run by NHS England's Organisation Data Service.
ODS_PORTAL_SEARCH_URL = "https://www.odsdatasearchandexport.nhs.uk/"


def _page(request: HttpRequest, template: str, **context) -> HttpResponse:
    return render(request, f"register/{template}.html", {"helpdesk": helpdesk_contact(), **context})


@requires(Access.PUBLIC)
@require_safe
def help_contact(request: HttpRequest) -> HttpResponse:
    return _page(request, "help_contact")


@requires(Access.PUBLIC)
@require_safe
def news(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "news",
        current=list(helpdesk_selectors.notices_current()),
        earlier=list(helpdesk_selectors.notices_earlier()),
    )


@requires(Access.PUBLIC)
@require_safe
def ods_code_help(request: HttpRequest) -> HttpResponse:
    return _page(request, "ods_code_help", ods_portal_url=ODS_PORTAL_SEARCH_URL)


@requires(Access.PUBLIC)
@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return _page(request, "accessibility")


@requires(Access.PUBLIC)
@require_safe
def cookies(request: HttpRequest) -> HttpResponse:
    return _page(request, "cookies", cookies=cookies_set())


@requires(Access.PUBLIC)
@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request, "privacy", durations=durations())


@requires(Access.PUBLIC)
@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    return _page(request, "terms")


@requires(Access.PUBLIC)
@require_safe
def certificate_verify_start(request: HttpRequest) -> HttpResponse:
    """The code as typed (GET, so the page can be bookmarked and used again): on to the code's
    own page, which says whether the certificate is genuine."""
    form = VerifyForm(request.GET or None)
    if not form.is_bound:
        return render(request, "register/verify_start.html", {"form": form})
    if not form.is_valid():
        return render(request, "register/verify_start.html", {"form": form}, status=400)
    return redirect("certificate-verify", code=form.cleaned_data["code"])


@requires(Access.PUBLIC)
@require_safe
def api_guide(request: HttpRequest) -> HttpResponse:
    """The API explained for the people who connect a system to it."""
    return _page(
        request,
        "api_guide",
        lookup_limit=LOOKUP_LIMIT,
        rate_limit=settings.DSPT_RATE_LIMITS["api"],
        site_url=settings.DSPT_SITE_URL.rstrip("/"),
    )
