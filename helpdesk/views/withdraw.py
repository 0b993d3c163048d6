"""Withdrawing a publication made in error or by fraud (operators; auditors read the page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from assessments.vocabulary import REGISTERED_NOT_PUBLISHED
from audit.services import Actor
from helpdesk import publication_selectors, services
from helpdesk.publication_forms import PublicationFindForm, WithdrawPublicationForm
from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from helpdesk.selectors import helpdesk_role_of
from organisations.access import requires

READ = HelpdeskPermission.READ
ACT = HelpdeskPermission.ACT


@require_GET
@requires(READ)
def publication_find(request: HttpRequest) -> HttpResponse:
    """An organisation's publications, by its ODS code or a certificate code, each leading to
    its withdraw page."""
    form = PublicationFindForm(request.GET or None)
    found = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            found = publication_selectors.publications_find(query=form.cleaned_data["q"])
            if found.organisation is None:
                form.add_error("q", "No organisation or certificate has that code")
                status = 404
        else:
            status = 400
    return render(
        request, "helpdesk/publication_find.html", {"form": form, "found": found}, status=status
    )


@requires(READ, post=ACT)
def publication_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    publication = publication_selectors.publication_for_helpdesk(publication_id=pk)
    if publication is None:
        raise Http404("No such publication")
    form = WithdrawPublicationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.publication_withdraw(
                    publication=publication,
                    reason=form.cleaned_data["reason"],
                    actor=Actor.from_request(request),
                )
            except services.ActionRefused as refused:
                form.add_error(refused.field, refused.message)
                status = 400 if refused.field else 409
                # Someone else may have withdrawn it meanwhile: show it as it is now.
                publication = publication_selectors.publication_for_helpdesk(publication_id=pk)
            else:
                messages.success(
                    request,
                    f"You have withdrawn {publication.status_text} for "
                    f"{publication.organisation.name}. Its administrators have been emailed.",
                )
                return redirect("helpdesk:publication-withdraw", pk=pk)
        else:
            status = 400
    role = HelpdeskRole(helpdesk_role_of(request.user))
    return render(
        request,
        "helpdesk/publication_withdraw.html",
        {
            "case": publication_selectors.publication_case(publication=publication),
            "publication": publication,
            "form": form,
            "may_act": role == HelpdeskRole.OPERATOR,
            "not_published_text": REGISTERED_NOT_PUBLISHED,
        },
        status=status,
    )
