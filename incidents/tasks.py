"""Celery tasks for incidents: thin wrappers that call one function each.

* `send_incident_notification`: one email to the regulator's address, retried with backoff
  (5, 10, 20, 40, 80 seconds) when it cannot be sent; after the last retry the notification is
  marked failed with the error (`NotificationTask.on_failure`), so its page offers "Try again".
* `fail_abandoned_incident_notifications` (beat, every 5 minutes): stuck ones marked failed.
* `send_incident_reminders` (beat, every 10 minutes): reminders to finish drafts.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from . import notify, reminders

logger = logging.getLogger(__name__)

RETRY_BACKOFF = 5  # seconds before the first retry; doubling after that
RETRY_BACKOFF_MAX = 300
MAX_RETRIES = 5


class NotificationTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """The last retry failed (or the task could not run at all): say so on the page."""
        notification_id = args[0] if args else kwargs.get("notification_id")
        try:
            notify.notification_fail(notification_id=notification_id, error=exc)
        except (OperationalError, InterfaceError) as error:
            # The database is down too: the sweep marks it failed once it is long stuck.
            logger.warning("Notification %s: could not mark it failed (%s)", notification_id, error)


@shared_task(
    base=NotificationTask,
    name="incidents.send_notification",
    autoretry_for=(notify.NotificationNotSent, OperationalError, InterfaceError),
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=False,
    max_retries=MAX_RETRIES,
    # One email takes seconds; one stuck on a dead mail server is stopped and retried.
    soft_time_limit=60,
    time_limit=90,
)
def send_incident_notification(notification_id: int) -> str:
    return notify.notification_send(notification_id=notification_id)


@shared_task(name="incidents.fail_abandoned_notifications")
def fail_abandoned_incident_notifications() -> int:
    return notify.notifications_fail_abandoned()


@shared_task(name="incidents.send_reminders")
def send_incident_reminders() -> dict:
    return reminders.reminders_send().as_dict()
