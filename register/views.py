"""Public pages: anyone may search organisations, see their DSPT status and check a certificate,
without signing in.

They show only what the toolkit makes public — level, DSPT year and date published — never
answers, comments, documents, action plans or people.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
from urllib.parse import urlencode

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from assessments.vocabulary import CERTIFICATE_LEVELS
from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires
from organisations.models import Organisation
from publishing import selectors as publishing_selectors
from publishing.coverage import current_until, is_current
from publishing.models import Publication
from publishing.site_rules import PUBLISHES_FOR_ITSELF

from .areas import area_slug
from .certificate_codes import normalise_code
from .exports import EXPORT_HEADER, export_row, write_csv_rows
from .forms import SearchForm
from .history import certificate_code, status_by_year
from .kept_responses import response_to_be_kept
from .paging import pagination
from .search import (
    CSV_ROW_LIMIT,
    OrganisationPublicView,
    OrganisationResult,
    SearchPage,
    export_organisation,
    organisation_public_get,
    organisation_public_view,
    organisation_public_view_for_code,
    organisation_search_page,
    organisation_search_rows,
    publication_cover_ended,
    publication_deadlines,
)
from .selectors import open_data_file_latest
from .status_cache import cached, cached_for_code

CSV_FILENAME = "dspt-organisation-search.csv"


def _search_page(request: HttpRequest, form: SearchForm, status: int = 200, **context):
    return render(
        request,
        "register/search.html",
        {"form": form, "csv_row_limit": CSV_ROW_LIMIT, **context},
        status=status,
    )


def _status_table(rows, caption: str) -> str:
    """Organisations and their statuses drawn as a table: the same for everyone (public facts and
    links only), so pages keep it with what they keep rather than draw it for each visitor."""
    return render_to_string("register/_status_table.html", {"rows": rows, "caption": caption})


def _search_results(query: str, page: str | None) -> tuple[SearchPage, str]:
    """A page of results, and their table drawn."""
    results = organisation_search_page(query=query, page=page)
    return results, _status_table(results.results, f"Organisations matching {query}")


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def organisation_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    if not form.is_bound:
        return _search_page(request, form, open_data=open_data_file_latest())
    if not form.is_valid():
        return _search_page(request, form, status=400)
    query = form.cleaned_data["q"]
    if not query:
        return _search_page(request, form, open_data=open_data_file_latest())
    page = request.GET.get("page")
    # Kept while no status or name changes (register/status_cache.py): popular names are
    # searched again and again.
    asked = hashlib.sha256(f"{query}\n{page}".encode()).hexdigest()
    kept = cached(
        "search",
        asked,
        lambda: _search_results(query, page),
        keep=not response_to_be_kept(request),
    )
    assert kept is not None  # a search always has an answer, if only "No organisations found"
    results, results_table = kept
    return _search_page(
        request,
        form,
        query=query,
        results=results,
        results_table=results_table,
        pagination=pagination(results.page, {"q": query}),
        csv_href=reverse("organisation-search-csv") + "?" + urlencode({"q": query}),
    )


def csv_row(result: OrganisationResult) -> list[str]:
    """A result as a row of the toolkit's export layout (the search and area downloads)."""
    return export_row(export_organisation(result.organisation), result.status)


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def organisation_search_csv(request: HttpRequest) -> HttpResponse:
    """Every result (at most CSV_ROW_LIMIT) in the toolkit's current export layout.

    Built in memory: 5,000 rows is well under a megabyte.
    """
    form = SearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _search_page(request, form, status=400)
    query = form.cleaned_data["q"] if form.is_bound else ""
    if not query:
        return redirect("organisation-search")
    buffer = io.StringIO()
    # A byte-order mark, so Excel reads the file as UTF-8 (names carry accents).
    buffer.write("\ufeff")
    rows = organisation_search_rows(query=query, limit=CSV_ROW_LIMIT)
    write_csv_rows(buffer, [EXPORT_HEADER, *(csv_row(result) for result in rows)])
    response = HttpResponse(
        buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{CSV_FILENAME}"'
    return response


PublicPageData = tuple[Organisation, OrganisationPublicView, str]


def _public_page_of(organisation: Organisation) -> PublicPageData:
    """What an organisation's page shows, with its table of branches drawn (an HQ may have
    hundreds)."""
    return _public_page_from(organisation_public_view(organisation=organisation))


def _public_page_from(view: OrganisationPublicView) -> PublicPageData:
    organisation = view.organisation
    branches_table = ""
    if view.branches:
        branches_table = _status_table(view.branches, f"Branches of {organisation.name}")
        # The table is all the page shows of them: kept without the rows it was drawn from,
        # which for hundreds of branches would cost more to read back than the table.
        view = dataclasses.replace(view, branches=[])
    return organisation, view, branches_table


def _public_page_data(ods_code: str) -> PublicPageData | None:
    """The organisation whose code is exactly `ods_code` and what its page shows; None
    otherwise."""
    view = organisation_public_view_for_code(code=ods_code)
    return _public_page_from(view) if view is not None else None


@requires(Access.PUBLIC)
@rate_limited("search")
@require_safe
def organisation_public(request: HttpRequest, ods_code: str) -> HttpResponse:
    # Kept while no status changes (register/status_cache.py).
    # A kind's name changes with the shape of what it keeps ("page" held no table), so an entry
    # kept by the version before a deploy is never read as this one.
    found = cached_for_code(
        "page-and-table",
        ods_code,
        lambda: _public_page_data(ods_code),
        keep=not response_to_be_kept(request),
    )
    if found is None:
        organisation = organisation_public_get(ods_code=ods_code)
        if organisation is None:
            raise Http404("No organisation has this code")
        if ods_code != organisation.ods_code:
            # One address per organisation: "vab12" and " VAB12" go to /organisations/VAB12/.
            return redirect("organisation-public", ods_code=organisation.ods_code, permanent=True)
        found = _public_page_of(organisation)
    organisation, view, branches_table = found
    return render(
        request,
        "register/organisation_public.html",
        {
            "organisation": organisation,
            "view": view,
            "branches_table": branches_table,
            "status": view.status,
            "publishes_for_itself_text": PUBLISHES_FOR_ITSELF,
            "status_years": status_by_year(
                view.publications, registered=organisation.is_registered
            ),
            "certificate_code": certificate_code(
                view.publications, registered=organisation.is_registered
            ),
            "area_slug": area_slug(organisation.commissioner),
        },
    )


# Checking a certificate --------------------------------------------------------------------------


@requires(Access.PUBLIC)
@rate_limited("verify")
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    normalised = normalise_code(code)
    if normalised is None:
        return render(
            request,
            "register/verify.html",
            {"outcome": "malformed", "code": code[:60]},
            status=404,
        )
    if normalised != code:
        return redirect("certificate-verify", code=normalised)
    publication = (
        Publication.objects.select_related("bank", "organisation")
        # Who published: the organisation for itself, or an HQ for itself and its sites.
        .annotate(sites_count=Count("site_links"))
        .filter(verification_code=normalised, level__in=CERTIFICATE_LEVELS)
        .first()
    )
    if publication is None:
        return render(
            request,
            "register/verify.html",
            {"outcome": "unknown", "code": normalised},
            status=404,
        )
    if publication.is_withdrawn:
        # Withdrawn by the helpdesk: the page says so and nothing else, never that it is genuine
        # or current (ADR 10).
        return render(
            request,
            "register/verify.html",
            {
                "outcome": "withdrawn",
                "code": normalised,
                "publication": publication,
                "withdrawn_on": timezone.localdate(publication.withdrawn_at),
                "checked_at": timezone.localtime(),
            },
        )
    today = timezone.localdate()
    latest = publishing_selectors.publication_latest(organisation=publication.organisation_id)
    is_later = latest is not None and latest.published_at > publication.published_at
    later = latest if is_later else None
    deadlines = publication_deadlines()
    if later is not None:
        outcome = "superseded"
    elif not is_current(year=publication.bank.year, deadlines=deadlines, today=today):
        outcome = "out_of_date"
    else:
        outcome = "current"
    valid_until = current_until(year=publication.bank.year, deadlines=deadlines)
    return render(
        request,
        "register/verify.html",
        {
            "outcome": outcome,
            "code": normalised,
            "publication": publication,
            "later": later,
            "current_until": valid_until,
            "out_of_date_from": valid_until + datetime.timedelta(days=1) if valid_until else None,
            "checked_at": timezone.localtime(),
            # An HQ's certificate does not speak for a site registered on its own.
            "cover_ended": publication_cover_ended(publication=publication),
            "sites_count": publication.sites_count,
        },
    )
