"""Celery tasks for documents: thin wrappers that take ids and call one function in `jobs`.

Their names still say "publishing.": they were registered under them before the documents app
existed, and messages already queued in Redis (or a beat schedule still running) carry the name.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import jobs

logger = logging.getLogger(__name__)

# Worth another go: the database, the broker or the file storage dropped out for a while.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    ConnectionError,
    TimeoutError,
    jobs.StorageUnavailable,
)
# Seconds before each retry: doubling, up to a few minutes; about 5 minutes in all, so a database
# restart or failover (typically well under a minute) is ridden out. Shorter than the stale-job
# thresholds times jobs.ABANDONED_FACTOR, so the sweep does not give up on a job still retrying.
RETRY_DELAYS = (5, 10, 20, 40, 80, 160)
# Marking a job failed is retried for longer still; if even that cannot reach the database, the
# sweep (fail_abandoned_document_jobs) marks it once the job is long stale.
FAIL_RETRY_DELAYS = (5, 10, 20, 40, 80, 160, 300, 300, 300)


def retry_delay(retries: int, delays: tuple[int, ...] = RETRY_DELAYS) -> int:
    return delays[min(retries, len(delays) - 1)]


@shared_task(
    bind=True,
    name="publishing.build_document",
    max_retries=len(RETRY_DELAYS),
    # After its worker process died (CELERY_TASK_RETRY_ON_WORKER_LOST); other retries set their own.
    default_retry_delay=2,
    # A document takes seconds; one stuck in the renderer is stopped and says so on its page
    # (prefork workers only, the pool production runs).
    soft_time_limit=120,
    time_limit=150,
)
def build_document(self, job_id: int) -> str:
    try:
        return jobs.document_job_run(job_id=job_id).state
    except TRANSIENT_ERRORS as error:
        if self.request.retries < self.max_retries:
            countdown = retry_delay(self.request.retries)
            logger.warning("Document job %s: %s; trying again in %s s", job_id, error, countdown)
            raise self.retry(exc=error, countdown=countdown) from error
        _fail(job_id, error)
        return "failed"
    except Exception as error:  # cannot be made, or took too long: say so on the job page
        _fail(job_id, error)
        return "failed"


def _fail(job_id: int, error: BaseException) -> None:
    try:
        jobs.document_job_fail(job_id=job_id, error=error)
    except TRANSIENT_ERRORS as fault:
        logger.warning("Document job %s: could not mark it failed (%s), will retry", job_id, fault)
        mark_document_failed.apply_async((job_id,), countdown=retry_delay(0, FAIL_RETRY_DELAYS))


@shared_task(bind=True, name="publishing.mark_document_failed", max_retries=len(FAIL_RETRY_DELAYS))
def mark_document_failed(self, job_id: int) -> None:
    """Marks a job failed once the database answers again, so its page offers "Try again"."""
    try:
        jobs.document_job_fail(job_id=job_id)
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            raise  # the sweep marks it failed once it is long stale
        raise self.retry(
            exc=error, countdown=retry_delay(self.request.retries + 1, FAIL_RETRY_DELAYS)
        ) from error


@shared_task(name="publishing.fail_abandoned_document_jobs")
def fail_abandoned_document_jobs() -> int:
    """Every few minutes (Celery beat): jobs stuck far past their time are marked failed.

    Whatever lost them (a killed worker, a task lost with Redis, a database outage while marking
    them failed), their page then offers "Try again" instead of "Being made" for good.
    """
    return jobs.document_jobs_fail_abandoned()
