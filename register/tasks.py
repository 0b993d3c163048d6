"""Celery tasks of the public register: thin callers of its services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# The database or the file storage away for a while: try again in a few minutes.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError, OSError)
RETRY_DELAYS = (60, 120, 300, 600)


@shared_task(bind=True, name="register.build_open_data", max_retries=len(RETRY_DELAYS))
def build_open_data(self) -> int:
    """Makes the day's open data file; returns how many organisations it lists."""
    try:
        record = services.open_data_file_build()
    except TRANSIENT_ERRORS as error:
        countdown = RETRY_DELAYS[min(self.request.retries, len(RETRY_DELAYS) - 1)]
        logger.warning("Open data file not made (%s); trying again in %s s", error, countdown)
        raise self.retry(exc=error, countdown=countdown) from error
    logger.info(
        "Open data file %s: %s organisations, %s bytes",
        record.file.name,
        record.organisations,
        record.size_bytes,
    )
    return record.organisations
