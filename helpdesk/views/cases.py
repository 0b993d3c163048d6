"""Find an organisation and read its case: helpdesk staff only, reading only."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from helpdesk import case_selectors
from helpdesk.roles import HelpdeskPermission
from helpdesk.rules import helpdesk_role_may
from helpdesk.selectors import helpdesk_role_of
from organisations.access import requires
from register.forms import SearchForm

READ = HelpdeskPermission.READ


def _page_href(query: str, number: int) -> str:
    return "?" + urlencode({"q": query, "page": number})


@require_GET
@requires(READ)
def find(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    context: dict = {"form": form}
    if not form.is_bound:
        return render(request, "helpdesk/find.html", context)
    if not form.is_valid():
        return render(request, "helpdesk/find.html", context, status=400)
    query = form.cleaned_data["q"]
    if query:
        results = case_selectors.organisation_find(query=query, page=request.GET.get("page"))
        page = results.page
        context.update(
            query=query,
            results=results,
            previous_href=_page_href(query, page.previous_page_number())
            if page.has_previous()
            else "",
            next_href=_page_href(query, page.next_page_number()) if page.has_next() else "",
        )
    return render(request, "helpdesk/find.html", context)


def _organisation_or_404(ods_code: str):
    organisation = case_selectors.case_organisation_get(ods_code=ods_code)
    if organisation is None:
        raise Http404("No organisation has this code")
    return organisation


@require_GET
@requires(READ)
def case(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _organisation_or_404(ods_code)
    if ods_code != organisation.ods_code:
        return redirect("helpdesk:case", ods_code=organisation.ods_code)
    return render(
        request,
        "helpdesk/case.html",
        {
            "organisation": organisation,
            "case": case_selectors.case_view(organisation=organisation),
            "may_act": helpdesk_role_may(helpdesk_role_of(request.user), HelpdeskPermission.ACT),
        },
    )


@require_GET
@requires(READ)
def case_activity(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _organisation_or_404(ods_code)
    if ods_code != organisation.ods_code:
        return redirect("helpdesk:case-activity", ods_code=organisation.ods_code)
    page = case_selectors.case_activity_page(
        organisation=organisation, page=request.GET.get("page")
    )
    return render(
        request,
        "helpdesk/case_activity.html",
        {"organisation": organisation, "page": page, "events": page.object_list},
    )
