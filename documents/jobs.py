"""Making a document in a Celery worker, and when a job counts as stuck.

What `documents.tasks` calls: `document_job_run` reads the job's data (`documents.selectors`),
hands it to a builder and stores the file; `document_job_fail` and the periodic sweep
`document_jobs_fail_abandoned` mark jobs failed so their page offers "Try again". Asking for a
document and sending its task is `documents.services`; this module never sends tasks, so the
tasks can import it without a cycle (docs/adr/0005-documents-as-jobs.md).

Faults: a job queued or being made for longer than it should take is *stale* (`job_staleness`),
whatever the reason (a worker killed, a task lost with Redis, a database outage while marking it
failed). Asking again or "Try again" sends a stale job again; the periodic sweep marks jobs stale
for much longer failed, so their page offers "Try again".
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dspt_portal.wording import counted
from evidence import policy_documents
from incidents import exports as incident_exports

from . import selectors
from .builders import certificate, excel, incident_log, incident_report, policy
from .models import DocumentJob

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
FAILED_MESSAGE = (
    "Sorry, we could not make this document. Try again. If it still does not work, try again "
    "later: nothing you have saved has been lost."
)


class StorageUnavailable(Exception):
    """Saving the finished document failed (disk full, storage service unreachable)."""


_QUEUED, _RUNNING = DocumentJob.State.QUEUED, DocumentJob.State.RUNNING
# How long a job may stay queued or being made before it is stale. Measured, a certificate for
# an HQ with 500 sites takes about a second and a spreadsheet well under one, so these are
# generous: room for a queue backed up near the deadline and for the task's own retries while the
# database restarts (tasks.RETRY_DELAYS). A stale job offers "Try again" and is sent again when
# asked for.
STALE_AFTER: dict[str, dict[str, timedelta]] = {
    DocumentJob.Kind.ASSESSMENT_XLSX: {
        _QUEUED: timedelta(minutes=5),
        _RUNNING: timedelta(minutes=3),
    },
    DocumentJob.Kind.PUBLICATION_XLSX: {
        _QUEUED: timedelta(minutes=5),
        _RUNNING: timedelta(minutes=3),
    },
    DocumentJob.Kind.CERTIFICATE: {_QUEUED: timedelta(minutes=5), _RUNNING: timedelta(minutes=5)},
    DocumentJob.Kind.INCIDENT_LOG_XLSX: {
        _QUEUED: timedelta(minutes=5),
        _RUNNING: timedelta(minutes=3),
    },
    DocumentJob.Kind.INCIDENT_PDF: {_QUEUED: timedelta(minutes=5), _RUNNING: timedelta(minutes=5)},
    DocumentJob.Kind.POLICY_DOCX: {_QUEUED: timedelta(minutes=5), _RUNNING: timedelta(minutes=3)},
    DocumentJob.Kind.POLICY_PDF: {_QUEUED: timedelta(minutes=5), _RUNNING: timedelta(minutes=5)},
}
# Stale for this many times its threshold: nothing is going to finish it, the sweep marks it failed.
# Longer than the task's whole retry window, so a job waiting for the database to return is left be.
ABANDONED_FACTOR = 3


class Staleness(enum.Enum):
    FRESH = "fresh"  # finished, or still within the time it may take
    STALE = "stale"  # taking longer than it should: offer "Try again", send it again when asked
    ABANDONED = "abandoned"  # long past it: the sweep marks it failed


def job_staleness(*, kind: str, state: str, age: timedelta) -> Staleness:
    """Whether a job that has been in `state` for `age` is stuck. Only waiting work can be."""
    thresholds = STALE_AFTER.get(kind, {})
    if state not in thresholds:
        return Staleness.FRESH
    limit = thresholds[state]
    if age > limit * ABANDONED_FACTOR:
        return Staleness.ABANDONED
    if age > limit:
        return Staleness.STALE
    return Staleness.FRESH


def job_is_stale(job: DocumentJob, *, now: datetime | None = None) -> bool:
    # updated_at is when the job entered its state: every state change saves it.
    age = (now or timezone.now()) - job.updated_at
    return job_staleness(kind=job.kind, state=job.state, age=age) is not Staleness.FRESH


def document_job_run(*, job_id: int) -> DocumentJob:
    """Makes the job's document. Safe to run twice: a ready job is left as it is."""
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().get(pk=job_id)
        if job.state == DocumentJob.State.READY:
            return job
        job.state = DocumentJob.State.RUNNING
        job.attempts += 1
        job.progress = 0
        job.save(update_fields=["state", "attempts", "progress", "updated_at"])

    def progress(percent: int) -> None:
        DocumentJob.objects.filter(pk=job_id).update(progress=max(0, min(100, int(percent))))

    data, name, content_type = _build(job, progress)
    with transaction.atomic():
        job = DocumentJob.objects.select_for_update().get(pk=job_id)
        if job.state == DocumentJob.State.READY:  # another worker finished first
            return job
        try:
            job.file.save(name, ContentFile(data), save=False)
        except Exception as error:  # local disk or an S3 service: either may fail for a while
            raise StorageUnavailable(f"could not save {name}") from error
        job.file_name = name
        job.content_type = content_type
        job.state = DocumentJob.State.READY
        job.progress = 100
        job.error_message = ""
        job.finished_at = timezone.now()
        job.save()
        _replace_older(job)
    return job


def document_job_fail(*, job_id: int, error: BaseException | None = None) -> None:
    if error is not None:
        logger.error("Document job %s failed", job_id, exc_info=error)
    now = timezone.now()
    DocumentJob.objects.filter(pk=job_id).exclude(state=DocumentJob.State.READY).update(
        state=DocumentJob.State.FAILED,
        error_message=FAILED_MESSAGE,
        finished_at=now,
        updated_at=now,
    )


def document_jobs_fail_abandoned(*, now: datetime | None = None) -> int:
    """Marks failed every job stale for so long that nothing will finish it; how many it marked.

    Run every few minutes by Celery beat. The state and age are checked in the UPDATE itself, so
    a job that finishes meanwhile is left alone.
    """
    now = now or timezone.now()
    marked = 0
    for kind, thresholds in STALE_AFTER.items():
        for state, limit in thresholds.items():
            marked += DocumentJob.objects.filter(
                kind=kind, state=state, updated_at__lt=now - limit * ABANDONED_FACTOR
            ).update(
                state=DocumentJob.State.FAILED,
                error_message=FAILED_MESSAGE,
                finished_at=now,
                updated_at=now,
            )
    if marked:
        logger.warning("Marked %s failed", counted(marked, "abandoned document job"))
    return marked


def _replace_older(job: DocumentJob) -> None:
    older = DocumentJob.objects.filter(kind=job.kind, subject=job.subject).exclude(pk=job.pk)
    for stale in older:
        if stale.file:
            stale.file.delete(save=False)
    older.delete()


def _build(job: DocumentJob, progress: Callable[[int], None]) -> tuple[bytes, str, str]:
    """The document's bytes, file name and content type: read its data, hand it to a builder."""
    organisation = job.organisation
    if job.kind == DocumentJob.Kind.INCIDENT_LOG_XLSX:
        data = incident_log.build_incident_log_workbook(
            incident_exports.incident_log_workbook(
                organisation=organisation, parameters=job.parameters
            )
        )
        progress(100)
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        return data, f"incident-log-{organisation.ods_code}-{stamp}.xlsx", XLSX
    if job.kind == DocumentJob.Kind.INCIDENT_PDF:
        incident_id = int(job.subject.rpartition(":")[2])
        report = incident_exports.incident_report_data(
            organisation=organisation, incident_id=incident_id
        )
        data = incident_report.build_incident_report_pdf(report)
        progress(100)
        name = report.reference or f"draft-{incident_id}"
        return data, f"incident-{organisation.ods_code}-{name}.pdf", PDF
    if job.kind in (DocumentJob.Kind.POLICY_DOCX, DocumentJob.Kind.POLICY_PDF):
        # Everything it says was read when it was asked for (the job's parameters).
        content = policy_documents.policy_document_data(parameters=job.parameters)
        if job.kind == DocumentJob.Kind.POLICY_DOCX:
            data, extension, content_type = policy.build_policy_docx(content), "docx", DOCX
        else:
            data, extension, content_type = policy.build_policy_pdf(content), "pdf", PDF
        progress(100)
        name = policy_documents.policy_file_name(parameters=job.parameters, extension=extension)
        return data, name, content_type
    if job.kind == DocumentJob.Kind.ASSESSMENT_XLSX:
        assessment = job.assessment
        data = excel.build_assessment_workbook(
            selectors.assessment_workbook(assessment=assessment), progress=progress
        )
        return data, f"dspt-{organisation.ods_code}-{assessment.bank.year}.xlsx", XLSX
    publication = job.publication
    if job.kind == DocumentJob.Kind.PUBLICATION_XLSX:
        data = excel.build_assessment_workbook(
            selectors.publication_workbook(publication=publication), progress=progress
        )
        name = (
            f"dspt-{organisation.ods_code}-{publication.bank.year}-published-{publication.pk}.xlsx"
        )
        return data, name, XLSX
    data = certificate.build_certificate_pdf(selectors.certificate_data(publication=publication))
    progress(100)
    return data, f"dspt-certificate-{organisation.ods_code}-{publication.bank.year}.pdf", PDF
