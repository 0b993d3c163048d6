"""Who may do what on the helpdesk: plain functions over plain data."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from assessments.rules import add_months
from assessments.vocabulary import format_date

from .roles import HELPDESK_ROLE_PERMISSIONS, HelpdeskPermission, HelpdeskRole


def helpdesk_role_may(role: str | None, permission: HelpdeskPermission) -> bool:
    """True when a person holding `role` (None: not helpdesk staff) has `permission`."""
    if not role:
        return False
    try:
        known = HelpdeskRole(role)
    except ValueError:
        return False
    return permission in HELPDESK_ROLE_PERMISSIONS[known]


def reason_problem(reason: str) -> str | None:
    """Every helpdesk action needs a reason a colleague can read later."""
    text = " ".join(reason.split())
    if not text:
        return "Enter the reason"
    if len(text) < 5:
        return "Reason must say what happened (5 characters or more)"
    if len(text) > 500:
        return "Reason must be 500 characters or fewer"
    return None


# News ---------------------------------------------------------------------------------------------

NOTICE_LONGEST_MONTHS = 12


def notice_expiry_problem(expires_on: datetime.date, *, today: datetime.date) -> str | None:
    """A notice shows until the end of its expiry day: today at the earliest, a year ahead at
    the latest (news that old is no longer news)."""
    if expires_on < today:
        return "Expiry date must be today or later"
    latest = add_months(today, NOTICE_LONGEST_MONTHS)
    if expires_on > latest:
        return f"Expiry date must be no more than a year ahead, on or before {format_date(latest)}"
    return None


# Locked-out accounts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedSignIns:
    """django-axes's count of failed sign-ins for one address (username) from one place (IP
    address and browser), and when the last of them was."""

    username: str
    ip_address: str | None
    failures: int
    last_attempt_at: datetime.datetime


def locked_out_until(
    attempts: Iterable[FailedSignIns],
    *,
    limit: int,
    cool_off: datetime.timedelta,
    now: datetime.datetime,
) -> datetime.datetime | None:
    """When the last lock on a sign-in ends, or None when nothing is locked: the portal locks an
    address from one IP address once `limit` failures there fall within the cool-off time (the
    failures of each browser counted together), as django-axes decides with the portal's
    AXES_LOCKOUT_PARAMETERS (username and IP address)."""
    failures: dict[tuple[str, str | None], int] = {}
    latest: dict[tuple[str, str | None], datetime.datetime] = {}
    for attempt in attempts:
        if attempt.last_attempt_at < now - cool_off:
            continue
        key = (attempt.username, attempt.ip_address)
        failures[key] = failures.get(key, 0) + attempt.failures
        latest[key] = max(latest.get(key, attempt.last_attempt_at), attempt.last_attempt_at)
    ends = [latest[key] + cool_off for key, count in failures.items() if count >= limit]
    return max(ends) if ends else None
