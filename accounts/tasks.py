"""Celery tasks for accounts: thin wrappers that call one function."""

from __future__ import annotations

from celery import shared_task

from . import sessions


@shared_task(name="accounts.remove_ended_sessions")
def remove_ended_sessions() -> int:
    """Daily (Celery beat): session rows that ended more than a day ago are deleted."""
    return sessions.ended_sessions_remove()
