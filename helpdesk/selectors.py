"""Reading helpdesk staff and notices."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import ImportJob, Notice, Operator


def helpdesk_role_of(user) -> str | None:
    """The person's helpdesk role, or None. Read once per request (kept on the user object)."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_helpdesk_role"):
        operator = Operator.objects.filter(user=user).only("role").first()
        user._helpdesk_role = operator.role if operator is not None else None
    return user._helpdesk_role


def notices_current(*, now: datetime.datetime | None = None) -> QuerySet[Notice]:
    """Notices showing now: published, not withdrawn, not past the end of their expiry day
    (in the UK's local time)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return Notice.objects.filter(
        published_at__lte=now, withdrawn_at__isnull=True, expires_on__gte=today
    )


def notices_past(*, now: datetime.datetime | None = None, limit: int = 50) -> QuerySet[Notice]:
    """The newest notices no longer showing (withdrawn, or past their expiry day), at most
    `limit`."""
    today = timezone.localdate(now or timezone.now())
    return Notice.objects.filter(Q(withdrawn_at__isnull=False) | Q(expires_on__lt=today))[:limit]


def import_jobs_recent(*, limit: int = 50) -> list[ImportJob]:
    """The latest uploads, newest first."""
    return list(ImportJob.objects.defer("rejected_rows", "messages", "unknown_values")[:limit])


def import_job_find(*, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(pk=job_id).first()


def notices_earlier(*, now: datetime.datetime | None = None, limit: int = 20) -> QuerySet[Notice]:
    """Notices that have run their course (past the end of their expiry day), newest first.
    Withdrawn notices are not among them: a withdrawn notice is taken back, not history."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return Notice.objects.filter(
        published_at__lte=now, withdrawn_at__isnull=True, expires_on__lt=today
    )[:limit]
