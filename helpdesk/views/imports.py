"""Directory and question bank uploads: the list, the upload form, each import's page (with its
progress while it runs), its rejected rows as CSV, and "Try again"."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.services import Actor
from dspt_portal.spreadsheet import safe_cell
from helpdesk import selectors, services
from helpdesk.forms import ImportUploadForm
from helpdesk.imports import import_job_is_stale, import_job_may_retry
from helpdesk.models import ImportJob
from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from organisations.access import requires

READ = HelpdeskPermission.READ
ACT = HelpdeskPermission.ACT

# Sent with the 503 page: by then a restarted Redis or failover is usually back.
RETRY_AFTER_SECONDS = 120


def _job(job_id: int) -> ImportJob:
    job = selectors.import_job_find(job_id=job_id)
    if job is None:
        raise Http404("No such import")
    return job


def _may_act(request: HttpRequest) -> bool:
    return selectors.helpdesk_role_of(request.user) == HelpdeskRole.OPERATOR


@require_GET
@requires(READ)
def imports(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/imports.html",
        {"jobs": selectors.import_jobs_recent(), "may_act": _may_act(request)},
    )


@requires(READ, post=ACT)
def import_new(request: HttpRequest) -> HttpResponse:
    problems: tuple[str, ...] = ()
    status = 200
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            actor = Actor.from_request(request)
            try:
                if data["kind"] == ImportJob.Kind.QUESTION_BANK:
                    job = services.question_bank_upload(
                        actor=actor, upload=data["file"], notes=data["notes"]
                    )
                else:
                    job = services.import_job_start(
                        actor=actor,
                        kind=data["kind"],
                        upload=data["file"],
                        sector=data["sector"],
                        notes=data["notes"],
                    )
            except services.UploadRefused as refused:
                form.add_error("file", refused.message)
                problems, status = refused.problems, refused.status
            except services.ImportNotStarted:
                response = render(request, "helpdesk/import_not_started.html", status=503)
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return response
            else:
                return redirect(job)
    else:
        form = ImportUploadForm()
    return render(
        request,
        "helpdesk/import_new.html",
        {"form": form, "problems": problems, "may_act": _may_act(request)},
        status=status,
    )


@require_GET
@requires(READ)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(job_id)
    return render(
        request,
        "helpdesk/import_job.html",
        {
            "job": job,
            "stale": import_job_is_stale(job),
            "may_retry": _may_act(request) and import_job_may_retry(job),
            "more_messages": max(0, job.messages_total - len(job.messages)),
        },
    )


@require_GET
@requires(READ)
def import_status(request: HttpRequest, job_id: int) -> JsonResponse:
    """What the job page's script polls while the import runs."""
    job = _job(job_id)
    response = JsonResponse(
        {
            "state": job.state,
            "finished": job.is_finished or import_job_is_stale(job),
            "percent": job.percent_done,
            "text": _progress_text(job),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _progress_text(job: ImportJob) -> str:
    if job.state == ImportJob.State.QUEUED:
        return "Waiting to start"
    if job.state != ImportJob.State.RUNNING:
        return job.get_state_display()
    if not job.stage or not job.progress_total:
        return "Starting"
    stage = ImportJob.Stage(job.stage).label
    return f"{stage}: {job.progress_done:,} of {job.progress_total:,} rows"


@require_GET
@requires(READ)
def import_rejected(request: HttpRequest, job_id: int) -> HttpResponse:
    """The rejected rows, each with its row number and reason, as CSV."""
    job = _job(job_id)
    if job.state != ImportJob.State.DONE or job.kind == ImportJob.Kind.QUESTION_BANK:
        raise Http404("This import has no rejected rows to download")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Row", "Reason", "File"])
    for row, reason in job.rejected_rows:
        writer.writerow([safe_cell(row), safe_cell(reason), safe_cell(job.file_name)])
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-import-{job.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@requires(ACT)
def import_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _job(job_id)
    try:
        job = services.import_job_retry(actor=Actor.from_request(request), job=job)
    except services.ImportNotStarted:
        response = render(request, "helpdesk/import_not_started.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return redirect(job)
