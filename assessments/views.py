"""Assessment pages: overview, evidence item, its history, and document downloads."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_POST, require_safe

from accounts.sessions import keeps_post_when_signed_out, post_take, post_waiting
from audit.services import Actor
from dspt_portal.downloads import stored_file_response
from organisations.access import Access, requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import kept_pages, presenters, selectors, services
from .forms import EvidenceForm
from .models import AnswerType, Document
from .policy_templates import policy_templates_load
from .uploads import UploadRejected, check_upload

logger = logging.getLogger(__name__)

STORAGE_UNAVAILABLE_MESSAGE = (
    "We could not save your file – try again in a few minutes. Your answer has not been saved: "
    "what you typed is still here, so choose your file again and save"
)


def _bank(year: str):
    bank = selectors.bank_get(year=year)
    if bank is None:
        raise Http404("No assessment for that year")
    return bank


def _assessment(request, year: str):
    """The organisation's assessment for the year, or None before anyone has started it. Pages
    only read: starting (which copies last year's answers) is a POST of its own."""
    bank, assessment = selectors.bank_and_assessment(year=year, organisation=request.organisation)
    if bank is None:
        raise Http404("No assessment for that year")
    return assessment


def _assessment_and_fingerprint(request, year: str, page: str, today):
    """The year's bank, the organisation's assessment (None before it is started) and the page's
    fingerprint for keeping it (assessments/kept_pages.py), in one statement."""
    bank, assessment, found = kept_pages.read(
        page=page, year=year, organisation=request.organisation, today=today
    )
    if bank is None:
        raise Http404("No assessment for that year")
    return bank, assessment, found


@requires(Permission.VIEW_ORGANISATION)
def assessment_current(request):
    bank = selectors.bank_latest()
    if bank is None:
        return render(request, "assessments/no_bank.html", status=404)
    return redirect("assessment-overview", year=bank.year)


@requires(Permission.VIEW_ORGANISATION)
def assessment_overview(request, year: str):
    today = timezone.localdate()
    bank, assessment, found = _assessment_and_fingerprint(request, year, kept_pages.OVERVIEW, today)
    can_edit = membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)
    if assessment is None:
        return render(
            request,
            "assessments/assessment_start.html",
            {
                "bank": bank,
                "can_start": can_edit,
                "answers_to_carry": selectors.answers_to_carry_forward(
                    organisation=request.organisation, bank=bank
                ),
            },
        )
    only_left_to_do = request.GET.get("show") == "todo"
    key = kept_pages.page_key(
        request,
        page=kept_pages.OVERVIEW,
        found=found,
        today=today,
        options="todo" if only_left_to_do else "all",
    )
    drawn = kept_pages.kept(key)
    if drawn is None:
        view = selectors.assessment_view(assessment=assessment, with_people_and_files=False)
        title = f"Assessment {assessment.bank.year}"
        content = render_to_string(
            "assessments/_overview_content.html",
            {
                "assessment": assessment,
                "bank": assessment.bank,
                "progress": view.progress,
                "sections": view.sections(only_left_to_do=only_left_to_do),
                "only_left_to_do": only_left_to_do,
                "can_edit": can_edit,
                "view": view,
            },
            request=request,
        )
        kept_pages.keep(key, title=title, content=content)
    else:
        title, content = drawn
    return render(request, "assessments/overview.html", {"title": title, "content": content})


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def assessment_start(request, year: str):
    """Starts the year's assessment (once; a second press finds it started), carrying forward
    last year's answers for review."""
    services.assessment_get_or_create(organisation=request.organisation, bank=_bank(year))
    return redirect("assessment-overview", year=year)


@keeps_post_when_signed_out
@requires(Permission.VIEW_ORGANISATION, post=Permission.EDIT_EVIDENCE)
def evidence_item(request, year: str, ref: str):
    today = timezone.localdate()
    # Kept only as a plain look: never with what they typed before being signed out waiting.
    keeps = request.method != "POST" and kept_pages.item_is_kept(ref) and not post_waiting(request)
    if keeps:
        _, assessment, found = _assessment_and_fingerprint(request, year, kept_pages.ITEM, today)
    else:
        assessment, found = _assessment(request, year), None
    if assessment is None:
        if request.method != "POST":
            return redirect("assessment-overview", year=year)
        # An answer saved from a page opened before the assessment was started elsewhere, or a
        # direct post: saving is a write anyway, so it starts the assessment.
        assessment = services.assessment_get_or_create(
            organisation=request.organisation, bank=_bank(year)
        )
    can_edit = membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)
    key = kept_pages.page_key(request, page=kept_pages.ITEM, found=found, today=today, options=ref)
    drawn = kept_pages.kept(key)
    if drawn is not None:
        return _evidence_item_page(request, assessment.bank, ref, can_edit, *drawn)
    # Every item's answer for the statuses; who saved and the file of this item's answer only.
    view = selectors.assessment_view(assessment=assessment, with_people_and_files=False)
    if ref not in view.statuses:
        raise Http404("No such evidence item")
    row = view.row(ref)
    item, answer = row.item, selectors.answer_in_full(answer=row.answer)
    library = (
        selectors.library_documents_to_choose(organisation=request.organisation)
        if can_edit and item.answer_type == AnswerType.DOCUMENT
        else []
    )
    form = EvidenceForm(item=item, answer=answer, library_documents=library) if can_edit else None
    conflict = None
    status = 200
    # What they typed here before being signed out for inactivity, given back once.
    kept = post_take(request) if can_edit and request.method != "POST" else None
    if kept is not None:
        form = EvidenceForm(
            item=item,
            answer=answer,
            library_documents=library,
            initial=form.initial_from_post(kept.data),
        )

    if request.method == "POST":
        form = EvidenceForm(
            request.POST, request.FILES, item=item, answer=answer, library_documents=library
        )
        new_document = None
        if form.is_valid() and form.cleaned_data.get("upload"):
            upload = form.cleaned_data["upload"]
            try:
                checked = check_upload(name=upload.name, stream=upload, declared_size=upload.size)
            except UploadRejected as rejection:
                form.add_error("upload", rejection.message)
            else:
                new_document = services.NewDocument(stream=upload, checked=checked)
        if form.is_valid():
            try:
                services.answer_save(
                    assessment=assessment,
                    item=item,
                    values=form.answer_values(),
                    expected_version=form.cleaned_data["version"],
                    user=request.user,
                    new_document=new_document,
                    remove_document=bool(form.cleaned_data.get("remove_document")),
                    library_document=form.cleaned_data.get("library_document"),
                )
            except services.QuotaExceeded as error:
                form.add_error("upload", error.message)
                status = 400
            except services.StorageUnavailable:
                # The file store is failing (disk full or read-only, storage service away):
                # nothing was saved. Keep what they typed; files are never sent back, so they
                # choose it again.
                form.add_error("upload", STORAGE_UNAVAILABLE_MESSAGE)
                status = 503
            except services.AnswerConflict as error:
                conflict = error.current
                # Keep what they typed, and let a second save knowingly replace the other answer.
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = EvidenceForm(data, item=item, answer=conflict, library_documents=library)
                form.is_valid()
                form.add_error(
                    None,
                    f"{conflict.updated_by or 'Someone else'} saved an answer to {item.ref} "
                    "after you opened this page. Compare the two answers below, then save yours "
                    "again to replace theirs, or cancel to keep theirs"
                    + (" (choose your file again)" if new_document else ""),
                )
                status = 409
            else:
                messages.success(request, f"Your answer to {item.ref} has been saved.")
                _, following = view.neighbours(ref)
                if "save_and_next" in request.POST and following is not None:
                    return redirect("evidence-item", year=year, ref=following.ref)
                # No #item- fragment: the focus goes to the "saved" banner (base.html).
                return redirect("assessment-overview", year=year)
        else:
            status = 400

    previous, following = view.neighbours(ref)
    title = f"{item.ref} {Truncator(item.text).words(12, truncate=' …')}"
    content = render_to_string(
        "assessments/_evidence_item_content.html",
        {
            "assessment": assessment,
            "bank": assessment.bank,
            "row": row,
            "item": item,
            "answer": conflict or answer,
            "form": form,
            "conflict": conflict,
            "kept": kept,
            "can_edit": can_edit,
            "previous": previous,
            "following": following,
            "policy_templates": presenters.item_policy_templates(
                policy_templates_load(), item.policy_templates
            ),
        },
        request=request,
    )
    if status == 200 and kept is None:
        kept_pages.keep(key, title=title, content=content)
    return _evidence_item_page(
        request, assessment.bank, ref, can_edit, title, content, status=status, form=form
    )


def _evidence_item_page(request, bank, ref, can_edit, title, content, *, status=200, form=None):
    """The page around the content: `form` for its title ("Error: " when it has errors)."""
    return render(
        request,
        "assessments/evidence_item.html",
        {
            "bank": bank,
            "ref": ref,
            "can_edit": can_edit,
            "title": title,
            "content": content,
            "form": form,
        },
        status=status,
    )


@requires(Permission.VIEW_ORGANISATION)
def evidence_history(request, year: str, ref: str):
    assessment = _assessment(request, year)
    if assessment is None:
        return redirect("assessment-overview", year=year)
    view = selectors.assessment_view(assessment=assessment)
    if ref not in view.statuses:
        raise Http404("No such evidence item")
    row = view.row(ref)
    revisions = selectors.answer_history(answer=row.answer) if row.answer else []
    return render(
        request,
        "assessments/evidence_history.html",
        {"bank": assessment.bank, "item": row.item, "revisions": revisions},
    )


@requires(Access.PUBLIC)
@require_safe
def policy_templates(request):
    """The Help page listing the policy templates and the evidence items each one supports.
    Refs link to the item pages for a signed-in person whose organisation has started the latest
    year's assessment; everyone else sees the refs and questions."""
    bank = selectors.bank_latest()
    texts = selectors.item_texts(bank=bank) if bank is not None else {}
    organisation = getattr(request, "organisation", None)
    link_items = (
        bank is not None
        and organisation is not None
        and selectors.assessment_find(organisation=organisation, bank=bank) is not None
    )
    return render(
        request,
        "assessments/policy_templates.html",
        {
            "bank": bank,
            "groups": presenters.policy_template_groups(
                policy_templates_load(), item_texts=texts, link_items=link_items
            ),
        },
    )


@requires(Permission.VIEW_ORGANISATION)
def document_download(request, document_id: int):
    try:
        document = selectors.document_get(
            organisation=request.organisation, document_id=document_id
        )
    except Document.DoesNotExist as error:
        raise Http404("No such document") from error
    try:
        stream = services.document_download(document=document, actor=Actor.from_request(request))
    except FileNotFoundError as error:
        logger.error("Document %s is missing from storage (%s)", document.pk, document.file.name)
        raise Http404("The file is missing") from error
    return stored_file_response(
        stream, filename=document.original_name, content_type=document.content_type
    )
