"""Asking for documents, following their progress, downloading them."""

from __future__ import annotations

from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assessments import selectors as assessment_selectors
from audit.services import Actor
from dspt_portal.downloads import stored_file_response
from organisations.access import requires
from organisations.roles import Permission
from publishing.models import Publication

from . import jobs, selectors, services
from .builders.action_plan import build_action_plan_workbook
from .models import DocumentJob


def _publication(request, publication_id: int) -> Publication:
    try:
        return request.organisation.publications.select_related("bank").get(pk=publication_id)
    except Publication.DoesNotExist as error:
        raise Http404("No such publication") from error


# Sent with the 503 page: by then a restarted Redis or failover is usually back.
RETRY_AFTER_SECONDS = 120


def _not_started(request):
    """The 503 page when the task could not be sent to a worker (the broker is down)."""
    response = render(request, "documents/document_not_started.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _certificate_withdrawn(request, publication: Publication):
    """The page that refuses a withdrawn publication's certificate (410: it is gone for good)."""
    return render(
        request,
        "documents/certificate_withdrawn.html",
        {"publication": publication},
        status=410,
    )


def _job(request, job_id: int) -> DocumentJob:
    """The organisation's job, with whether its publication was withdrawn (in the same query)."""
    try:
        return request.organisation.document_jobs.annotate(
            publication_withdrawn_at=F("publication__withdrawn_at")
        ).get(pk=job_id)
    except DocumentJob.DoesNotExist as error:
        raise Http404("No such document") from error


def _certificate_refused(job: DocumentJob) -> Publication | None:
    """The withdrawn publication when `job` is its certificate, which is no longer handed out
    (docs/adr/0010-withdrawn-publications.md); None for every other job."""
    if job.kind != DocumentJob.Kind.CERTIFICATE or job.publication_withdrawn_at is None:
        return None
    return job.publication


def _request_document(request, *, kind: str, **source):
    """Asks for a document (or finds the one being made) and goes to its page; the 503 page when
    the broker cannot take it, 404 when the source cannot have one (a certificate for
    Approaching Standards)."""
    try:
        job = services.document_job_request(
            organisation=request.organisation,
            kind=kind,
            user=request.user,
            actor=Actor.from_request(request),
            **source,
        )
    except services.CertificateWithdrawn as error:
        return _certificate_withdrawn(request, error.publication)
    except services.JobNotAllowed as error:
        raise Http404(str(error)) from error
    except services.JobNotStarted:
        return _not_started(request)
    return redirect(job)


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def assessment_download(request, year: str):
    bank = assessment_selectors.bank_get(year=year)
    if bank is None:
        raise Http404("No assessment for that year")
    assessment = assessment_selectors.assessment_find(organisation=request.organisation, bank=bank)
    if assessment is None:
        return redirect("assessment-overview", year=bank.year)
    return _request_document(request, kind=DocumentJob.Kind.ASSESSMENT_XLSX, assessment=assessment)


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def publication_download(request, publication_id: int):
    publication = _publication(request, publication_id)
    return _request_document(
        request, kind=DocumentJob.Kind.PUBLICATION_XLSX, publication=publication
    )


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def certificate_download(request, publication_id: int):
    publication = _publication(request, publication_id)
    return _request_document(request, kind=DocumentJob.Kind.CERTIFICATE, publication=publication)


def _job_state(job: DocumentJob) -> dict:
    """What the job's page shows of its state, for the page and for the script that follows it."""
    stale = jobs.job_is_stale(job)
    return {"job": job, "stale": stale, "state_text": _state_text(job, stale=stale)}


def _state_text(job: DocumentJob, *, stale: bool) -> str:
    """The one sentence the page's live region announces when the state changes."""
    if job.state == DocumentJob.State.READY:
        return "Your document is ready."
    if job.state == DocumentJob.State.FAILED:
        return "Sorry, your document could not be made."
    if stale:
        return "Your document is taking too long."
    if job.state == DocumentJob.State.RUNNING:
        return f"Your document is being made: {job.progress}% done."
    return "Your document is waiting to be made."


@requires(Permission.VIEW_ORGANISATION)
def document_job(request, job_id: int):
    job = _job(request, job_id)
    withdrawn = _certificate_refused(job)
    if withdrawn is not None:
        return _certificate_withdrawn(request, withdrawn)
    return render(request, "documents/document_job.html", _job_state(job))


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def document_job_status(request, job_id: int):
    """What the job page's script asks every two seconds: the state, the sentence to announce and
    the state's part of the page, so the page changes in place without reloading."""
    job = _job(request, job_id)
    if _certificate_refused(job) is not None:
        raise Http404("This publication was withdrawn")
    context = _job_state(job)
    response = JsonResponse(
        {
            "state": job.state,
            "finished": job.is_finished or context["stale"],
            "percent": job.progress,
            "text": context["state_text"],
            "html": render_to_string(
                "documents/_document_job_state.html", context, request=request
            ),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def document_job_retry(request, job_id: int):
    job = _job(request, job_id)
    withdrawn = _certificate_refused(job)
    if withdrawn is not None:
        return _certificate_withdrawn(request, withdrawn)
    try:
        job = services.document_job_retry(job=job)
    except services.JobNotStarted:
        return _not_started(request)
    return redirect(job)


@requires(Permission.VIEW_ORGANISATION)
def document_job_file(request, job_id: int):
    job = _job(request, job_id)
    withdrawn = _certificate_refused(job)
    if withdrawn is not None:
        # Made before the withdrawal: the file is kept, never handed out again.
        return _certificate_withdrawn(request, withdrawn)
    if job.state != DocumentJob.State.READY or not job.file:
        raise Http404("This document is not ready")
    try:
        stream = services.document_job_download(job=job, actor=Actor.from_request(request))
    except FileNotFoundError as error:
        raise Http404("The file is missing") from error
    return stored_file_response(stream, filename=job.file_name, content_type=job.content_type)


@requires(Permission.PUBLISH)
def action_plan_download(request):
    """The action plan template, made at once: it is small, and people fill it in straight away."""
    bank = assessment_selectors.bank_latest()
    if bank is None:
        raise Http404("No assessment has been loaded yet")
    organisation = request.organisation
    assessment = assessment_selectors.assessment_find(organisation=organisation, bank=bank)
    if assessment is None:
        # Publishing never starts the assessment: that is the assessment page's own action.
        return redirect("assessment-overview", year=bank.year)
    data = build_action_plan_workbook(
        selectors.action_plan_workbook(
            organisation=organisation, assessment=assessment, today=timezone.localdate()
        )
    )
    response = HttpResponse(data, content_type=jobs.XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="action-plan-{organisation.ods_code}-{bank.year}.xlsx"'
    )
    return response
