"""Asking for documents, following their progress, downloading them; checking a certificate."""

from __future__ import annotations

import re

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import selectors as assessment_selectors
from audit.services import Actor
from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires
from organisations.roles import Permission

from . import jobs, search, status
from .models import CODE_ALPHABET, CODE_LENGTH, DocumentJob, Publication


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
            organisation=request.organisation,
            kind=kind,
            user=request.user,
            actor=Actor.from_request(request),
            **source,
        )
    except jobs.JobNotAllowed as error:
        raise Http404(str(error)) from error
    except jobs.JobNotStarted:
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
        stream = jobs.document_job_download(job=job, actor=Actor.from_request(request))
    except FileNotFoundError as error:
        raise Http404("The file is missing") from error
    response = FileResponse(
        stream, as_attachment=True, filename=job.file_name, content_type=job.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


_CODE_CHARACTERS = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# People copy codes by hand: the letters the alphabet leaves out stand for digits they look like.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise_code(raw: str) -> str | None:
    """`abcde fghij-…` → `ABCDE-FGHIJ-…`, or None when it cannot be a certificate code."""
    compact = re.sub(r"[\s\-]", "", raw or "").upper().translate(_LOOKALIKES)
    if not _CODE_CHARACTERS.fullmatch(compact):
        return None
    return "-".join(compact[i : i + 5] for i in range(0, CODE_LENGTH, 5))


@requires(Access.PUBLIC)
@rate_limited("verify")
def certificate_verify(request, code: str):
    normalised = normalise_code(code)
    if normalised is None:
        return render(
            request,
            "publishing/verify.html",
            {"outcome": "malformed", "code": code[:60]},
            status=404,
        )
    if normalised != code:
        return redirect("certificate-verify", code=normalised)
    publication = (
        Publication.objects.select_related("bank", "organisation")
        .filter(verification_code=normalised, level__in=["met", "exceeded"])
        .first()
    )
    if publication is None:
        return render(
            request,
            "publishing/verify.html",
            {"outcome": "unknown", "code": normalised},
            status=404,
        )
    today = timezone.localdate()
    later = (
        Publication.objects.filter(
            organisation_id=publication.organisation_id, published_at__gt=publication.published_at
        )
        .select_related("bank")
        .order_by("-published_at")
        .first()
    )
    deadlines = search.publication_deadlines()
    if later is not None:
        outcome = "superseded"
    elif not status.is_current(year=publication.bank.year, deadlines=deadlines, today=today):
        outcome = "out_of_date"
    else:
        outcome = "current"
    return render(
        request,
        "publishing/verify.html",
        {
            "outcome": outcome,
            "code": normalised,
            "publication": publication,
            "later": later,
            "current_until": status.current_until(year=publication.bank.year, deadlines=deadlines),
            # An HQ's certificate does not speak for a site registered on its own.
            "cover_ended": search.publication_cover_ended(publication=publication),
        },
    )
