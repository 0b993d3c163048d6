"""Celery tasks for helpdesk imports: thin wrappers that take ids and call one function in
`imports`, with the documents' retry policy (documents/tasks.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from documents.tasks import FAIL_RETRY_DELAYS, RETRY_DELAYS, TRANSIENT_ERRORS, retry_delay

from . import imports

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="helpdesk.run_import",
    max_retries=len(RETRY_DELAYS),
    # After its worker process died (CELERY_TASK_RETRY_ON_WORKER_LOST): the import was rolled
    # back whole, so it simply runs again.
    default_retry_delay=2,
    # The 2019 export takes about a minute; a file stuck far past that is stopped and says so.
    soft_time_limit=15 * 60,
    time_limit=16 * 60,
)
def run_import(self, job_id: int) -> str:
    try:
        return imports.import_job_run(job_id=job_id).state
    except TRANSIENT_ERRORS as error:
        if self.request.retries < self.max_retries:
            countdown = retry_delay(self.request.retries)
            logger.warning("Import job %s: %s; trying again in %s s", job_id, error, countdown)
            raise self.retry(exc=error, countdown=countdown) from error
        _fail(job_id, error)
        return "failed"
    except Exception as error:  # a fault in the import itself, or too long: say so on its page
        _fail(job_id, error)
        return "failed"


def _fail(job_id: int, error: BaseException) -> None:
    try:
        imports.import_job_fail(job_id=job_id, error=error)
    except TRANSIENT_ERRORS as fault:
        logger.warning("Import job %s: could not mark it failed (%s), will retry", job_id, fault)
        mark_import_failed.apply_async((job_id,), countdown=retry_delay(0, FAIL_RETRY_DELAYS))


@shared_task(bind=True, name="helpdesk.mark_import_failed", max_retries=len(FAIL_RETRY_DELAYS))
def mark_import_failed(self, job_id: int) -> None:
    """Marks a job failed once the database answers again, so its page offers "Try again"."""
    try:
        imports.import_job_fail(job_id=job_id)
    except TRANSIENT_ERRORS as error:
        if self.request.retries >= self.max_retries:
            raise  # the sweep marks it failed once it is long stale
        raise self.retry(
            exc=error, countdown=retry_delay(self.request.retries + 1, FAIL_RETRY_DELAYS)
        ) from error


@shared_task(name="helpdesk.fail_abandoned_import_jobs")
def fail_abandoned_import_jobs() -> int:
    """Every few minutes (Celery beat): imports stuck far past their time are marked failed."""
    return imports.import_jobs_fail_abandoned()
