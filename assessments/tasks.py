"""Celery tasks for assessments: thin wrappers that call one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="assessments.remove_orphan_evidence_files")
def remove_orphan_evidence_files() -> int:
    """Hourly (Celery beat): evidence files left without a row (a write cut short) are deleted."""
    return len(services.evidence_orphans_remove())
