"""Celery tasks for the staff training register: thin wrappers calling one function each.

* `send_training_reminders` (beat, the first of each month at 08:00): the monthly reminder.
"""

from __future__ import annotations

from celery import shared_task

from . import reminders


@shared_task(name="training.send_reminders")
def send_training_reminders() -> dict:
    return reminders.reminders_send().as_dict()
