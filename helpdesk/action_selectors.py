"""Reads for the helpdesk's action pages: the request queue, a person's place in the portal."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.utils import timezone

from accounts.mfa import mfa_enabled
from organisations.models import Invitation, Membership, RegistrationRequest, User

from .models import Operator
from .rules import is_locked_out


def requests_open() -> QuerySet[RegistrationRequest]:
    """Waiting for the helpdesk, the longest waiting first."""
    return (
        RegistrationRequest.objects.filter(state=RegistrationRequest.State.OPEN)
        .select_related("organisation")
        .order_by("created_at", "pk")
    )


def requests_decided() -> QuerySet[RegistrationRequest]:
    return (
        RegistrationRequest.objects.exclude(state=RegistrationRequest.State.OPEN)
        .select_related("organisation")
        .order_by("-decided_at", "-pk")
    )


def request_get(*, request_id: int) -> RegistrationRequest:
    return RegistrationRequest.objects.select_related("organisation").get(pk=request_id)


def person_memberships(*, person: User) -> QuerySet[Membership]:
    """Every membership, those of suspended registrations too (shown as such)."""
    return (
        Membership.objects.filter(user=person)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def person_invitations(*, person: User) -> QuerySet[Invitation]:
    """Invitations sent to the person's address and not used or cancelled (expired ones too:
    the helpdesk can send them again)."""
    return (
        Invitation.objects.filter(
            email__iexact=person.email, accepted_at__isnull=True, cancelled_at__isnull=True
        )
        .select_related("organisation")
        .order_by("organisation__name", "-created_at")
    )


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked: bool
    until: datetime.datetime | None


def person_lockout(*, person: User, now: datetime.datetime | None = None) -> Lockout:
    """Failed sign-ins recorded for the account (from any address) and whether they lock it."""
    now = now or timezone.now()
    cool_off = get_cool_off() or datetime.timedelta(0)
    rows = AccessAttempt.objects.filter(username__iexact=person.email).values(
        "ip_address", "username"
    )
    # Locks count per address (AXES_LOCKOUT_PARAMETERS): the worst address decides.
    worst = (
        rows.annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .order_by("-failures")
        .first()
    )
    if worst is None:
        return Lockout(failures=0, locked=False, until=None)
    until = worst["last"] + cool_off
    locked = is_locked_out(
        failures=worst["failures"],
        limit=settings.AXES_FAILURE_LIMIT,
        last_failure=worst["last"],
        cool_off=cool_off,
        now=now,
    )
    return Lockout(failures=worst["failures"], locked=locked, until=until if locked else None)


def person_is_helpdesk_staff(*, person: User) -> bool:
    return Operator.objects.filter(user=person).exists()


def person_two_factor_on(*, person: User) -> bool:
    return mfa_enabled(user=person)
