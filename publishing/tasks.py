"""Celery tasks: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import jobs

# Worth another go: the database or the broker dropped out for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(bind=True, name="publishing.build_document", max_retries=3)
def build_document(self, job_id: int) -> str:
    try:
        return jobs.document_job_run(job_id=job_id).state
    except TRANSIENT_ERRORS as error:
        if self.request.retries < self.max_retries:
            # 2, 4, 8 seconds: long enough for a restarted database to come back.
            raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
        jobs.document_job_fail(job_id=job_id, error=error)
        return "failed"
    except Exception as error:  # a document that cannot be made: say so on the job page
        jobs.document_job_fail(job_id=job_id, error=error)
        return "failed"


@shared_task(name="publishing.send_deadline_reminders")
def send_deadline_reminders() -> dict:
    """Daily (Celery beat, 07:00 UK time): the deadline and out-of-date reminder emails.

    Safe to run again: each reminder goes out once per organisation and year. A run that fails
    part-way is caught up by the next one.
    """
    from .reminders import reminders_send  # kept here so this block stands on its own

    return reminders_send().as_dict()
