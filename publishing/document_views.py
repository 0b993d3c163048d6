"""Asking for documents, following their progress, downloading them."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from assessments import selectors as assessment_selectors
from assessments import services as assessment_services
from organisations import audit
from organisations.access import requires
from organisations.roles import Permission

from . import jobs
from .models import DocumentJob, Publication


def _publication(request, publication_id: int) -> Publication:
    try:
        return request.organisation.publications.select_related("bank").get(pk=publication_id)
    except Publication.DoesNotExist as error:
        raise Http404("No such publication") from error


# Sent with the 503 page: by then a restarted Redis or failover is usually back.
RETRY_AFTER_SECONDS = 120


def _not_started(request):
    """The 503 page when the task could not be sent to a worker (the broker is down)."""
    response = render(request, "publishing/document_not_started.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _job(request, job_id: int) -> DocumentJob:
    try:
        return request.organisation.document_jobs.get(pk=job_id)
    except DocumentJob.DoesNotExist as error:
        raise Http404("No such document") from error


def _request_document(request, *, kind: str, **source):
    """Asks for a document (or finds the one being made) and goes to its page; the 503 page when
    the broker cannot take it, 404 when the source cannot have one (a certificate for
    Approaching Standards)."""
    try:
        job = jobs.document_job_request(
            organisation=request.organisation, kind=kind, user=request.user, **source
        )
    except jobs.JobNotAllowed as error:
        raise Http404(str(error)) from error
    except jobs.JobNotStarted:
        return _not_started(request)
    audit.audit_record(request=request, event=audit.Event.EXPORT_REQUESTED, detail=str(job))
    return redirect(job)


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def assessment_download(request, year: str):
    bank = assessment_selectors.bank_get(year=year)
    if bank is None:
        raise Http404("No assessment for that year")
    assessment = assessment_services.assessment_get_or_create(
        organisation=request.organisation, bank=bank
    )
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


@requires(Permission.VIEW_ORGANISATION)
def document_job(request, job_id: int):
    job = _job(request, job_id)
    return render(
        request, "publishing/document_job.html", {"job": job, "stale": jobs.job_is_stale(job)}
    )


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def document_job_retry(request, job_id: int):
    try:
        job = jobs.document_job_retry(job=_job(request, job_id))
    except jobs.JobNotStarted:
        return _not_started(request)
    return redirect(job)


@requires(Permission.VIEW_ORGANISATION)
def document_job_file(request, job_id: int):
    job = _job(request, job_id)
    if job.state != DocumentJob.State.READY or not job.file:
        raise Http404("This document is not ready")
    try:
        stream = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("The file is missing") from error
    response = FileResponse(
        stream, as_attachment=True, filename=job.file_name, content_type=job.content_type
    )
    response["Cache-Control"] = "private, no-store"
    audit.audit_record(request=request, event=audit.Event.EXPORT_DOWNLOADED, detail=job.file_name)
    return response
