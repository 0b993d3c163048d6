"""The evidence library's pages (/evidence/library/): the list, one document (details, versions,
uses), adding a document, a new version, editing details, "Review now", using it for items,
deleting. Every document is found through the current organisation, so another organisation's
id is a 404. Viewers see the list and each document and download its versions; the pages that change
anything are for members and administrators (EDIT_EVIDENCE)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Document
from assessments.services import (
    AnswerConflict,
    NewDocument,
    QuotaExceeded,
    StorageUnavailable,
)
from dspt_portal.wording import counted
from organisations.access import requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import rules, selectors, services
from .library_forms import (
    LibraryAddForm,
    LibraryDetailsForm,
    LibraryReviewForm,
    LibraryUseForm,
    LibraryVersionForm,
)
from .models import LibraryDocument

STORAGE_FAILED = "We could not save your file – try again in a few minutes. Nothing was saved"


def _can_edit(request) -> bool:
    return membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)


def _document(request, document_id: int) -> LibraryDocument:
    try:
        return selectors.library_document_get(
            organisation=request.organisation, document_id=document_id
        )
    except LibraryDocument.DoesNotExist as error:
        raise Http404("No such document") from error


def _store(form, action) -> int | None:
    """Runs a storing service; on a refusal puts the reason on the upload field and returns the
    status for the page (None when it worked)."""
    try:
        action()
    except QuotaExceeded as error:
        form.add_error("upload", error.message)
        return 400
    except StorageUnavailable:
        form.add_error("upload", STORAGE_FAILED)
        return 503
    return None


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def library_list(request):
    today = timezone.localdate()
    rows = selectors.library_list(organisation=request.organisation, on=today)
    overdue_only = request.GET.get("show") == "review"
    overdue = [row for row in rows if row.review == rules.OVERDUE]
    return render(
        request,
        "evidence/library_list.html",
        {
            "rows": overdue if overdue_only else rows,
            "overdue_count": len(overdue),
            "overdue_only": overdue_only,
            "total": len(rows),
            "can_edit": _can_edit(request),
            "used": rules.size_text(
                sum(
                    row.document.current_version.size
                    for row in rows
                    if row.document.current_version
                )
            ),
        },
    )


@requires(Permission.EDIT_EVIDENCE)
def library_add(request):
    form = LibraryAddForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            created: list[LibraryDocument] = []
            upload = form.cleaned_data["upload"]
            status = _store(
                form,
                lambda: created.append(
                    services.library_document_add(
                        organisation=request.organisation,
                        title=form.cleaned_data["title"],
                        content=NewDocument(stream=upload, checked=form.checked),
                        user=request.user,
                        review_date=form.cleaned_data["review_date"],
                        owner=form.cleaned_data["owner"],
                    )
                ),
            )
            if status is None:
                messages.success(request, f"{created[0].title} has been added to your library.")
                return redirect("library-document", document_id=created[0].pk)
    return render(request, "evidence/library_add.html", {"form": form}, status=status)


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def library_document(request, document_id: int):
    document = _document(request, document_id)
    today = timezone.localdate()
    return render(
        request,
        "evidence/library_document.html",
        {
            "document": document,
            "review": rules.review_state(document.review_date, on=today),
            "versions": selectors.library_versions(document=document),
            "used_for": selectors.library_used_for(document=document),
            "can_edit": _can_edit(request),
        },
    )


@requires(Permission.EDIT_EVIDENCE)
def library_version_upload(request, document_id: int):
    document = _document(request, document_id)
    form = LibraryVersionForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            stored: list[Document] = []
            upload = form.cleaned_data["upload"]
            status = _store(
                form,
                lambda: stored.append(
                    services.library_version_add(
                        document=document,
                        content=NewDocument(stream=upload, checked=form.checked),
                        user=request.user,
                    )
                ),
            )
            if status is None:
                uses = len(selectors.library_used_for(document=document))
                messages.success(
                    request,
                    f"Version {stored[0].version_number} of {document.title} has been uploaded"
                    + (f". {counted(uses, 'item')} now show it." if uses else "."),
                )
                return redirect("library-document", document_id=document.pk)
    return render(
        request,
        "evidence/library_version.html",
        {"document": document, "form": form},
        status=status,
    )


def _conflict_message(current: LibraryDocument) -> str:
    return (
        f"{current.updated_by or 'Someone else'} changed {current.title} after you opened this "
        "page. Check the details below, then save again"
    )


@requires(Permission.EDIT_EVIDENCE)
def library_edit(request, document_id: int):
    document = _document(request, document_id)
    initial = {
        "version": document.version,
        "title": document.title,
        "owner": document.owner,
        "review_date": document.review_date,
    }
    form = LibraryDetailsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.library_document_change(
                    document=document,
                    title=form.cleaned_data["title"],
                    owner=form.cleaned_data["owner"],
                    review_date=form.cleaned_data["review_date"],
                    expected_version=form.cleaned_data["version"],
                    user=request.user,
                )
            except services.LibraryConflict as error:
                data = request.POST.copy()
                data["version"] = str(error.current.version)
                form = LibraryDetailsForm(data)
                form.is_valid()
                form.add_error(None, _conflict_message(error.current))
                status = 409
            else:
                messages.success(request, "The details have been saved.")
                return redirect("library-document", document_id=document.pk)
    return render(
        request,
        "evidence/library_edit.html",
        {"document": document, "form": form},
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def library_review(request, document_id: int):
    """ "Review now": upload a new version, or confirm it is still right with a new review date."""
    document = _document(request, document_id)
    today = timezone.localdate()
    form = LibraryReviewForm(
        request.POST or None, initial={"version": document.version}, today=today
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.library_document_confirm_current(
                    document=document,
                    review_date=form.cleaned_data["review_date"],
                    expected_version=form.cleaned_data["version"],
                    user=request.user,
                )
            except services.LibraryConflict as error:
                data = request.POST.copy()
                data["version"] = str(error.current.version)
                form = LibraryReviewForm(data, today=today)
                form.is_valid()
                form.add_error(None, _conflict_message(error.current))
                status = 409
            else:
                messages.success(request, f"{document.title} is recorded as still current.")
                return redirect("library-document", document_id=document.pk)
    return render(
        request,
        "evidence/library_review.html",
        {
            "document": document,
            "form": form,
            "review": rules.review_state(document.review_date, on=today),
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def library_use(request, document_id: int):
    """ "Use for items": tick several items of the latest year's assessment in one step."""
    document = _document(request, document_id)
    assessment = selectors.assessment_latest(organisation=request.organisation)
    if assessment is None:
        return render(request, "evidence/library_use.html", {"document": document}, status=200)
    choices = selectors.items_to_use_for(assessment=assessment, document=document)
    form = LibraryUseForm(request.POST or None, choices=choices)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            items = {item.ref: item for item in assessment.bank.items.all()}
            try:
                saved = services.library_document_use_for(
                    document=document,
                    assessment=assessment,
                    items=[items[ref] for ref in form.cleaned_data["items"]],
                    user=request.user,
                    expected_versions=form.expected_versions(),
                )
            except AnswerConflict as error:
                choices = selectors.items_to_use_for(assessment=assessment, document=document)
                form = LibraryUseForm(
                    {"items": form.cleaned_data["items"]}
                    | {f"version_{c.ref}": str(c.version) for c in choices},
                    choices=choices,
                )
                form.is_valid()
                form.add_error(
                    None,
                    f"{error.current.updated_by or 'Someone else'} saved an answer to "
                    f"{error.current.item.ref} after you opened this page, so nothing was "
                    "changed. Check the items below and save again",
                )
                status = 409
            except services.UseForRefused as error:
                form.add_error("items", error.message)
            else:
                refs = ", ".join(answer.item.ref for answer in saved)
                messages.success(
                    request,
                    f"{document.title} is now used for {refs}." if saved else "Nothing changed.",
                )
                return redirect("library-document", document_id=document.pk)
    return render(
        request,
        "evidence/library_use.html",
        {
            "document": document,
            "assessment": assessment,
            "form": form,
            "linked": [choice for choice in choices if choice.linked],
            "any_to_choose": any(not choice.linked for choice in choices),
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def library_delete(request, document_id: int):
    document = _document(request, document_id)
    error_message = None
    status = 200
    if request.method == "POST":
        try:
            services.library_document_delete(document=document, user=request.user)
        except services.DeleteRefused as refusal:
            error_message = refusal.message
            status = 409
        else:
            messages.success(request, f"{document.title} has been deleted.")
            return redirect("library-list")
    return render(
        request,
        "evidence/library_delete.html",
        {
            "document": document,
            "error_message": error_message,
            "used_for": selectors.library_used_for(document=document),
            "versions": selectors.library_versions(document=document),
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def library_version_delete(request, document_id: int, version_id: int):
    document = _document(request, document_id)
    try:
        version = selectors.library_version_get(document=document, version_id=version_id)
    except Document.DoesNotExist as error:
        raise Http404("No such version") from error
    try:
        services.library_version_delete(document=document, version=version, user=request.user)
    except services.DeleteRefused as refusal:
        return render(
            request,
            "evidence/library_document.html",
            {
                "document": document,
                "review": rules.review_state(document.review_date, on=timezone.localdate()),
                "versions": selectors.library_versions(document=document),
                "used_for": selectors.library_used_for(document=document),
                "can_edit": True,
                "error_message": refusal.message,
            },
            status=409,
        )
    messages.success(request, f"Version {version.version_number} has been deleted.")
    return redirect("library-document", document_id=document.pk)
