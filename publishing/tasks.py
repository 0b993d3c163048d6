"""Celery tasks for the publish flow: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from .reminders import reminders_send


@shared_task(name="publishing.send_deadline_reminders")
def send_deadline_reminders() -> dict:
    """Daily (Celery beat, 07:00 UK time): the deadline and out-of-date reminder emails.

    Safe to run again: each reminder goes out once per organisation and year. A run that fails
    part-way is caught up by the next one.
    """
    return reminders_send().as_dict()
