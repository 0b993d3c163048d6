"""Reading helpdesk staff and notices."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import Notice, Operator


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


def notices_earlier(*, now: datetime.datetime | None = None, limit: int = 20) -> QuerySet[Notice]:
    """Notices that have run their course (past the end of their expiry day), newest first.
    Withdrawn notices are not among them: a withdrawn notice is taken back, not history."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return Notice.objects.filter(
        published_at__lte=now, withdrawn_at__isnull=True, expires_on__lt=today
    )[:limit]
