"""Documents made in the background: asking for one, making it (in a Celery worker), retrying.

A job is identified by what it is (kind), what it is about (subject) and a fingerprint of the data
it is made from. Asking twice for the same document gives the same job; once the data changes the
next request makes a new one, and when that is ready the old file is removed.

Faults: a job queued or being made for longer than it should take is *stale* (`job_staleness`),
whatever the reason (a worker killed, a task lost with Redis, a database outage while marking it
failed). Asking again or "Try again" sends a stale job again; the periodic sweep marks jobs stale
for much longer failed, so their page offers "Try again". When the broker cannot be reached the
person is told at once (`JobNotStarted`) and no job is left waiting for a task that was never sent.
"""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import kombu.exceptions
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from assessments.presenters import NOT_MET_LABEL, answer_text
from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Organisation, User

from .documents import certificate, excel
from .models import DocumentJob, Publication, PublicationLevel
from .snapshot import AnswersSnapshot

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
FAILED_MESSAGE = (
    "Sorry, we could not make this document. Try again. If it still does not work, try again "
    "later: nothing you have saved has been lost."
)


class JobNotAllowed(Exception):
    pass


class JobNotStarted(Exception):
    """The task could not be sent (the broker is down): nothing would make the document."""


class StorageUnavailable(Exception):
    """Saving the finished document failed (disk full, storage service unreachable)."""


# What sending a task raises when Redis is down, refuses connections or does not answer in time.
BROKER_ERRORS = (kombu.exceptions.OperationalError, ConnectionError, TimeoutError)

_QUEUED, _RUNNING = DocumentJob.State.QUEUED, DocumentJob.State.RUNNING
# How long a job may stay queued or being made before it is stale. Measured, a certificate for
# an HQ with 500 sites takes about 1.5 s and a spreadsheet well under a second, so these are
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


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def assessment_fingerprint(*, assessment: Assessment) -> str:
    """Changes whenever an answer, the organisation's name or its address changes."""
    answers = list(assessment.answers.order_by("pk").values_list("pk", "version", "needs_review"))
    organisation = assessment.organisation
    return _fingerprint(
        "v1", organisation.name, organisation.address_lines, organisation.primary_sector, answers
    )


def document_job_request(
    *,
    organisation: Organisation,
    kind: str,
    user: User,
    assessment: Assessment | None = None,
    publication: Publication | None = None,
    actor: Actor | None = None,
) -> DocumentJob:
    """The job for this document and data, created and queued if it does not exist yet; the
    request is recorded once a job is in hand (not when it is refused or cannot be sent)."""
    job = _document_job_find_or_start(
        organisation=organisation,
        kind=kind,
        user=user,
        assessment=assessment,
        publication=publication,
    )
    audit_record(
        actor=actor,
        user=user,
        event=Event.EXPORT_REQUESTED,
        organisation=organisation,
        detail=str(job),
    )
    return job


def _document_job_find_or_start(
    *,
    organisation: Organisation,
    kind: str,
    user: User,
    assessment: Assessment | None,
    publication: Publication | None,
) -> DocumentJob:
    if kind == DocumentJob.Kind.ASSESSMENT_XLSX:
        subject, fingerprint = (
            f"assessment:{assessment.pk}",
            assessment_fingerprint(assessment=assessment),
        )
    else:
        if kind == DocumentJob.Kind.CERTIFICATE and publication.level not in (
            PublicationLevel.MET,
            PublicationLevel.EXCEEDED,
        ):
            raise JobNotAllowed("Certificates are only for Standards Met or Standards Exceeded")
        # What was published never changes, so one document per publication is enough.
        subject, fingerprint = f"publication:{publication.pk}", "published"
    existing = DocumentJob.objects.filter(
        kind=kind, subject=subject, fingerprint=fingerprint
    ).first()
    if existing is not None:
        # A failed or stuck job is sent again; one in hand (or ready) is simply followed.
        return _send_again(existing)
    try:
        with transaction.atomic():
            job = DocumentJob.objects.create(
                organisation=organisation,
                kind=kind,
                assessment=assessment,
                publication=publication,
                subject=subject,
                fingerprint=fingerprint,
                requested_by=user,
            )
    except IntegrityError:
        return DocumentJob.objects.get(kind=kind, subject=subject, fingerprint=fingerprint)
    _enqueue(job)
    return job


def document_job_retry(*, job: DocumentJob) -> DocumentJob:
    """The "Try again" button: a failed or stale job is sent again, any other is left be."""
    return _send_again(job)


def document_job_download(*, job: DocumentJob, actor: Actor | None = None):
    """Opens a finished document's file for someone to download, and records that they did.
    Raises FileNotFoundError (and records nothing) when the file is missing."""
    stream = job.file.open("rb")
    audit_record(
        actor=actor,
        event=Event.EXPORT_DOWNLOADED,
        organisation=job.organisation,
        detail=job.file_name,
    )
    return stream


def _send_again(job: DocumentJob) -> DocumentJob:
    if job.state != DocumentJob.State.FAILED and not job_is_stale(job):
        return job
    # Only if nobody changed it since it was read: pressing twice, or two people, send it once.
    claimed = DocumentJob.objects.filter(
        pk=job.pk, state=job.state, updated_at=job.updated_at
    ).update(
        state=DocumentJob.State.QUEUED, error_message="", progress=0, updated_at=timezone.now()
    )
    job.refresh_from_db()
    if claimed:
        _enqueue(job)
    return job


def _enqueue(job: DocumentJob) -> None:
    """Sends the job to a worker. Raises JobNotStarted, with the job marked failed, if it cannot.

    Inside a transaction the task goes once it commits, so the worker can see the row; a broker
    fault then marks the job failed (its page offers "Try again"). Outside one (every request:
    there are no atomic requests) it goes now, so the person can be told straight away.
    """
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _send_or_fail(job.pk))
        return
    try:
        _send(job.pk)
    except BROKER_ERRORS as error:
        _mark_not_started(job.pk, error)
        raise JobNotStarted(str(error)) from error


def _send(job_id: int) -> None:
    from .tasks import build_document

    build_document.delay(job_id)


def _send_or_fail(job_id: int) -> None:
    try:
        _send(job_id)
    except BROKER_ERRORS as error:
        _mark_not_started(job_id, error)


def _mark_not_started(job_id: int, error: BaseException) -> None:
    logger.warning("Document job %s could not be sent to a worker: %s", job_id, error)
    # If the database is down too the row stays queued; it goes stale and is sent again.
    DocumentJob.objects.filter(pk=job_id, state=DocumentJob.State.QUEUED).update(
        state=DocumentJob.State.FAILED,
        error_message=FAILED_MESSAGE,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


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
        logger.warning("Marked %s abandoned document job(s) failed", marked)
    return marked


def _replace_older(job: DocumentJob) -> None:
    older = DocumentJob.objects.filter(kind=job.kind, subject=job.subject).exclude(pk=job.pk)
    for stale in older:
        if stale.file:
            stale.file.delete(save=False)
    older.delete()


def _build(job: DocumentJob, progress: Callable[[int], None]) -> tuple[bytes, str, str]:
    organisation = job.organisation
    if job.kind == DocumentJob.Kind.ASSESSMENT_XLSX:
        assessment = job.assessment
        data = _assessment_workbook(assessment, progress)
        return data, f"dspt-{organisation.ods_code}-{assessment.bank.year}.xlsx", XLSX
    publication = job.publication
    if job.kind == DocumentJob.Kind.PUBLICATION_XLSX:
        data = excel.build_assessment_xlsx(
            organisation=_workbook_organisation(organisation),
            summary=excel.WorkbookSummary(
                year=publication.bank.year,
                progress_text=publication.status_text,
                met_text=f"Published {timezone.localtime(publication.published_at):%d/%m/%Y %H:%M}",
                generated_at=timezone.localtime().replace(tzinfo=None),
                title=f"{publication.status_text} – answers as published",
            ),
            sections=excel.rows_from_snapshot(
                AnswersSnapshot.from_json(publication.answers_snapshot)
            ),
            progress=progress,
        )
        name = (
            f"dspt-{organisation.ods_code}-{publication.bank.year}-published-{publication.pk}.xlsx"
        )
        return data, name, XLSX
    data = certificate.build_certificate_pdf(certificate_data(publication=publication))
    progress(100)
    return data, f"dspt-certificate-{organisation.ods_code}-{publication.bank.year}.pdf", PDF


def _workbook_organisation(organisation: Organisation) -> excel.WorkbookOrganisation:
    return excel.WorkbookOrganisation(
        name=organisation.name,
        ods_code=organisation.ods_code,
        address_lines=tuple(organisation.address_lines),
        sector=organisation.get_primary_sector_display() or "",
    )


def _assessment_workbook(assessment: Assessment, progress: Callable[[int], None]) -> bytes:
    view = assessment_selectors.assessment_view(assessment=assessment)
    sections = []
    for group in view.sections():
        rows = []
        for row in group.rows:
            answer = row.answer
            rows.append(
                excel.WorkbookRow(
                    ref=row.item.ref,
                    section=group.section.title,
                    question=row.item.text,
                    level_label=row.item.get_level_display(),
                    answer=_answer_text(row.item, answer)
                    if row.status.applies
                    else "Not applicable",
                    comments=answer.comments if answer else "",
                    document=(
                        answer.document.original_name
                        if answer and answer.document
                        else (answer.document_location if answer else "")
                    ),
                    last_changed_by=str(answer.updated_by or "") if answer else "",
                    last_changed_at=(
                        timezone.localtime(answer.updated_at).replace(tzinfo=None)
                        if answer
                        else None
                    ),
                    review_state=(
                        "Carried forward – review"
                        if answer and answer.needs_review
                        else (
                            NOT_MET_LABEL
                            if row.status.not_met
                            else ("Reviewed" if answer and answer.carried_forward_from_id else "")
                        )
                    ),
                )
            )
        sections.append((group.section.title, rows))
    progress_figures = view.progress
    return excel.build_assessment_xlsx(
        organisation=_workbook_organisation(assessment.organisation),
        summary=excel.WorkbookSummary(
            year=assessment.bank.year,
            progress_text=(
                f"Progress: {progress_figures.mandatory_done} of "
                f"{progress_figures.mandatory_total} mandatory evidence items provided"
                + _not_met_text(progress_figures.mandatory_not_met, ", {} of them")
            ),
            met_text=(
                f"Standards Met: {progress_figures.met_done} of {progress_figures.met_total} "
                "evidence items provided" + _not_met_text(progress_figures.met_not_met, "; {}")
            ),
            generated_at=timezone.localtime().replace(tzinfo=None),
            title=f"Data security assessment {assessment.bank.year}",
        ),
        sections=sections,
        progress=progress,
    )


def _not_met_text(count: int, template: str) -> str:
    return template.format(count) + " answered – not met" if count else ""


def _answer_text(item, answer) -> str:
    if answer is None:
        return ""
    return answer_text(
        assessment_selectors.rule_item(item),
        assessment_selectors.rule_answer(answer),
        document_name=answer.document.original_name if answer.document else "",
    )


def certificate_data(*, publication: Publication) -> certificate.CertificateData:
    organisation = publication.organisation
    sites = tuple(
        (site.name, site.ods_code) for site in publication.sites.order_by("name", "ods_code")
    )
    return certificate.CertificateData(
        organisation_name=publication.published_as_name,
        ods_code=publication.published_as_ods_code,
        address_lines=tuple(organisation.address_lines),
        level_label=publication.get_level_display(),
        year=publication.bank.year,
        published_on=timezone.localtime(publication.published_at).date(),
        verification_code=publication.verification_code,
        verification_url=settings.DSPT_SITE_URL.rstrip("/")
        + reverse("certificate-verify", args=[publication.verification_code]),
        sites=sites,
    )
