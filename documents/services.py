"""Asking for a document and pressing "Try again": the job row, then its task sent to a worker.

A job is identified by what it is (kind), what it is about (subject) and a fingerprint of the data
it is made from. Asking twice for the same document gives the same job; once the data changes the
next request makes a new one, and when that is ready the old file is removed (`jobs`).

A failed or stale job (`jobs.job_is_stale`) is sent again when asked for. When the broker cannot
be reached the person is told at once (`JobNotStarted`) and no job is left waiting for a task that
was never sent.

The only module that sends document tasks: it imports `tasks`, which import `jobs`, which import
neither (docs/adr/0005-documents-as-jobs.md).
"""

from __future__ import annotations

import hashlib
import logging

import kombu.exceptions
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Assessment
from assessments.vocabulary import earns_certificate
from audit.models import Event
from audit.services import Actor, audit_record
from evidence import policy_documents
from incidents import exports as incident_exports
from incidents.log_rules import LogFilters
from incidents.models import Incident
from organisations.models import Organisation, User
from publishing.models import Publication

from . import tasks
from .jobs import FAILED_MESSAGE, job_is_stale
from .models import DocumentJob

logger = logging.getLogger(__name__)


class JobNotAllowed(Exception):
    pass


class CertificateWithdrawn(JobNotAllowed):
    """The helpdesk withdrew the publication: its certificate is not valid, so none is made or
    handed out (docs/adr/0010-withdrawn-publications.md)."""

    def __init__(self, publication: Publication):
        super().__init__("This publication was withdrawn: its certificate is not valid")
        self.publication = publication


class JobNotStarted(Exception):
    """The task could not be sent (the broker is down): nothing would make the document."""


# What sending a task raises when Redis is down, refuses connections or does not answer in time.
BROKER_ERRORS = (kombu.exceptions.OperationalError, ConnectionError, TimeoutError)


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
    incident: Incident | None = None,
    log_filters: LogFilters | None = None,
    policy_parameters: dict | None = None,
    actor: Actor | None = None,
) -> DocumentJob:
    """The job for this document and data, created and queued if it does not exist yet; the
    request is recorded once a job is in hand (not when it is refused or cannot be sent).
    An incident's PDF needs the `incident`, the incident log its `log_filters`, a policy its
    `policy_parameters` (evidence.policy_documents.policy_parameters)."""
    job = _document_job_find_or_start(
        organisation=organisation,
        kind=kind,
        user=user,
        assessment=assessment,
        publication=publication,
        incident=incident,
        log_filters=log_filters,
        policy_parameters=policy_parameters,
    )
    audit_record(
        actor=actor,
        user=user,
        event=Event.EXPORT_REQUESTED,
        organisation=organisation,
        detail=str(job),
    )
    return job


def document_job_download(*, job: DocumentJob, actor: Actor | None = None) -> File:
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


def _document_job_find_or_start(
    *,
    organisation: Organisation,
    kind: str,
    user: User,
    assessment: Assessment | None,
    publication: Publication | None,
    incident: Incident | None = None,
    log_filters: LogFilters | None = None,
    policy_parameters: dict | None = None,
) -> DocumentJob:
    parameters: dict = {}
    if kind in (DocumentJob.Kind.POLICY_DOCX, DocumentJob.Kind.POLICY_PDF):
        if policy_parameters is None:
            raise JobNotAllowed("A policy needs what the builder page was given")
        subject, fingerprint = policy_documents.policy_job_identity(
            organisation=organisation, parameters=policy_parameters
        )
        parameters = policy_parameters
    elif kind == DocumentJob.Kind.INCIDENT_LOG_XLSX:
        if log_filters is None:
            raise JobNotAllowed("The incident log needs its filters")
        subject = incident_exports.log_subject(organisation=organisation, filters=log_filters)
        fingerprint = incident_exports.log_fingerprint(
            organisation=organisation, filters=log_filters
        )
        parameters = log_filters.as_dict()
    elif kind == DocumentJob.Kind.INCIDENT_PDF:
        if incident is None or incident.organisation_id != organisation.pk:
            raise JobNotAllowed("An incident report needs one of the organisation's incidents")
        subject = incident_exports.incident_subject(incident)
        fingerprint = incident_exports.incident_fingerprint(incident)
    elif kind == DocumentJob.Kind.ASSESSMENT_XLSX:
        if assessment is None:
            raise JobNotAllowed("An assessment spreadsheet needs the assessment")
        subject, fingerprint = (
            f"assessment:{assessment.pk}",
            assessment_fingerprint(assessment=assessment),
        )
    else:
        if publication is None:
            raise JobNotAllowed("This document is made from a publication")
        if kind == DocumentJob.Kind.CERTIFICATE and not earns_certificate(publication.level):
            raise JobNotAllowed("Certificates are only for Standards Met or Standards Exceeded")
        if kind == DocumentJob.Kind.CERTIFICATE and publication.is_withdrawn:
            raise CertificateWithdrawn(publication)
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
                parameters=parameters,
                requested_by=user,
            )
    except IntegrityError:
        return DocumentJob.objects.get(kind=kind, subject=subject, fingerprint=fingerprint)
    _enqueue(job)
    return job


def document_job_retry(*, job: DocumentJob) -> DocumentJob:
    """The "Try again" button: a failed or stale job is sent again, any other is left be."""
    return _send_again(job)


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
    tasks.build_document.delay(job_id)


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
