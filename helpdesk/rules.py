"""Who may do what on the helpdesk: plain functions over plain data."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from assessments.rules import add_months
from assessments.vocabulary import format_date
from organisations.roles import Role

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


# --- Acting on people -----------------------------------------------------------------------------


def person_action_problem(*, is_helpdesk_staff: bool, is_self: bool) -> str | None:
    """Operators act on the people of organisations: never on helpdesk staff, never on
    themselves (a colleague does that, or a superuser for staff accounts)."""
    if is_self:
        return "You cannot do this to your own account. Ask another operator"
    if is_helpdesk_staff:
        return "This is a helpdesk account. Only a superuser can change helpdesk accounts"
    return None


@dataclass(frozen=True)
class AdministratorCandidate:
    """What deciding whether the helpdesk may make someone an administrator needs to know."""

    person: str  # their name, for the message
    organisation: str  # its name, for the message
    organisation_registered: bool
    organisation_suspended: bool
    role: str | None  # their role in the organisation (an active membership), or None
    membership_suspended: bool  # a membership of an earlier, suspended registration
    invited_role: str | None  # the role of a pending invitation there, or None


def make_administrator_problem(candidate: AdministratorCandidate) -> str | None:
    """The person must already be one of the organisation's people (a member or viewer) or have
    a pending invitation there: the helpdesk never adds a stranger to an organisation."""
    c = candidate
    if not c.organisation_registered:
        return f"{c.organisation} is not registered, so it has no administrators"
    if c.organisation_suspended:
        return f"The registration of {c.organisation} is suspended. Reinstate it first"
    if c.role is not None and Role(c.role) == Role.ADMINISTRATOR:
        return f"{c.person} is already an administrator of {c.organisation}"
    if c.role is not None:
        return None
    if c.invited_role is not None:
        if Role(c.invited_role) == Role.ADMINISTRATOR:
            return f"{c.person} is already invited to {c.organisation} as an administrator"
        return None
    if c.membership_suspended:
        return (
            f"{c.person} belonged to an earlier registration of {c.organisation}, which was "
            "suspended. An administrator of the organisation must invite them again"
        )
    return (
        f"{c.person} is not a member of {c.organisation} and has no invitation there. The "
        "helpdesk can only make one of its people, or someone invited, an administrator"
    )


# --- Unlocking an account -------------------------------------------------------------------------


def is_locked_out(
    *,
    failures: int,
    limit: int,
    last_failure: datetime.datetime,
    cool_off: datetime.timedelta,
    now: datetime.datetime,
) -> bool:
    """Locked out: `limit` failed sign-ins or more, the last of them less than `cool_off` ago."""
    return failures >= limit and now < last_failure + cool_off


# --- HQ and branches ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationPlace:
    """Where an organisation sits among HQs and branches."""

    pk: int
    label: str  # "Name (CODE)", for messages
    is_headquarters: bool
    parent_id: int | None
    has_branches: bool


def hq_link_problem(
    *,
    site: OrganisationPlace,
    hq: OrganisationPlace,
    publishes_for_itself: bool,
    site_administrator_asked: bool,
) -> str | None:
    """Whether the helpdesk may put `site` under `hq` (one level deep: an HQ has branches, a site
    has at most one HQ). `publishes_for_itself`: the site registered on its own, so once linked
    its HQ still could not publish for it (publishing/site_rules.py); such a site is never put
    under an HQ silently: only when its own administrator asked for it."""
    if site.pk == hq.pk:
        return f"{site.label} cannot be its own HQ"
    if site.is_headquarters or site.has_branches:
        return f"{site.label} is a headquarters. An HQ cannot be linked under another HQ"
    if not hq.is_headquarters:
        return f"{hq.label} is not a headquarters. A site can only be linked to an HQ"
    if hq.parent_id is not None:
        return f"{hq.label} belongs to another HQ, so it cannot have branches"
    if site.parent_id == hq.pk:
        return f"{site.label} is already a branch of {hq.label}"
    if site.parent_id is not None:
        return f"{site.label} is a branch of another HQ. Unlink it from that HQ first"
    if publishes_for_itself and not site_administrator_asked:
        return (
            f"{site.label} registered on its own, so it speaks for itself. Link it to an HQ only "
            "when its administrator asks: tick the box and say who asked in the reason"
        )
    return None


def hq_unlink_problem(*, site: OrganisationPlace, expected_parent_id: int | None) -> str | None:
    if site.parent_id is None:
        return f"{site.label} is not a branch of any HQ"
    if expected_parent_id is not None and site.parent_id != expected_parent_id:
        return f"{site.label} moved to another HQ after you opened this page. Check it again"
    return None


# A national directory file: the 2019 export is 1.5 MB as xlsx, an ODS care home site file a few
# MB. Below the request limit (DSPT_MAX_REQUEST_BODY_BYTES), so the form can say what is wrong.
IMPORT_MAX_BYTES = 10 * 1024 * 1024


def import_size_problem(*, size: int, max_bytes: int) -> str | None:
    if size == 0:
        return "The selected file is empty"
    if size > max_bytes:
        return (
            f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB "
            f"(it is {size / (1024 * 1024):.1f} MB)"
        )
    return None


def import_kind_problem(*, kind: str, detected: str) -> str | None:
    """When the file's content ("ods" or "toolkit_export") is not the kind the operator chose."""
    if detected == kind:
        return None
    if kind == "ods":
        return (
            "The selected file is a toolkit directory export, not an NHS ODS file: "
            "choose 'Toolkit directory export'"
        )
    return (
        "The selected file is an NHS ODS file, not a toolkit directory export: "
        "choose 'NHS ODS file'"
    )


def bank_replace_refusal(
    *, year: str, exists: bool, assessments: int, identical: bool
) -> str | None:
    """Why a question bank may not be loaded over the year's existing one, or None.

    Once organisations have started a year's assessment their answers hang on its items: a bank
    that changes them is refused, and only the same bank may be loaded again."""
    if not exists or assessments == 0 or identical:
        return None
    started = "1 organisation has" if assessments == 1 else f"{assessments} organisations have"
    return (
        f"The {year} question bank was not changed: {started} already started its assessment, "
        "so only the same bank can be loaded again. Changing the items under their answers "
        "would change what they answered."
    )
