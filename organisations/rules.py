"""The one place that decides who may do what.

Views declare the Permission they need; this module answers whether the signed-in person's role in
the current organisation grants it. Nothing else in the project compares role strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .roles import ROLE_PERMISSIONS, Permission, Role

if TYPE_CHECKING:
    from .models import Membership


def role_has_permission(role: Role | str | None, permission: Permission) -> bool:
    if role is None:
        return False
    return permission in ROLE_PERMISSIONS.get(Role(role), frozenset())


def membership_has_permission(membership: Membership | None, permission: Permission) -> bool:
    return membership is not None and role_has_permission(membership.role, permission)


def permissions_for(membership: Membership | None) -> frozenset[Permission]:
    if membership is None:
        return frozenset()
    return ROLE_PERMISSIONS[Role(membership.role)]


def is_last_administrator_change(
    *, current_role: Role | str, new_role: Role | str | None, administrator_count: int
) -> bool:
    """True when a change would leave the organisation with no administrator.

    `new_role` is None when the person is being removed.
    """
    if Role(current_role) != Role.ADMINISTRATOR:
        return False
    if new_role is not None and Role(new_role) == Role.ADMINISTRATOR:
        return False
    return administrator_count <= 1


# --- Who may register on their own ---------------------------------------------------------------

# The toolkit's sectors for adult social care providers. Everyone else (NHS trusts, GP practices,
# pharmacies, local authorities, ...) is registered by the helpdesk after a check by hand.
ADULT_SOCIAL_CARE_SECTORS = frozenset({"Social Care", "Care Home", "Domiciliary Care Organisation"})


def is_social_care_code(ods_code: str) -> bool:
    """True for the shapes of ODS code the directory gives adult social care providers: an HQ is
    `A` and three letters or digits (`AB12`), a site `V` and four (`VM8L1`)."""
    code = (ods_code or "").strip().upper()
    if not code.isascii() or not code.isalnum():
        return False
    return (len(code) == 4 and code[0] == "A") or (len(code) == 5 and code[0] == "V")


def may_self_register(*, primary_sector: str, ods_code: str) -> bool:
    """Whether an organisation may register itself, or must ask the helpdesk.

    Both must hold: the directory lists it in an adult social care sector, and its code has a
    social care shape. A blank sector (the directory does not know) goes to the helpdesk too; so
    does a care home with an unusual code, which is rare and better checked by a person.
    """
    return primary_sector in ADULT_SOCIAL_CARE_SECTORS and is_social_care_code(ods_code)


# A registration whose link expired may be sent a new one, this many times a day.
NEW_LINKS_PER_DAY = 3
NEW_LINK_WINDOW = timedelta(hours=24)


def new_link_wait(
    *, sent_at: Iterable[datetime], now: datetime, limit: int = NEW_LINKS_PER_DAY
) -> datetime | None:
    """When a registration that was sent new links at `sent_at` may be sent another: None for
    now, else the moment the oldest of the last `limit` leaves the 24-hour window."""
    recent = sorted(moment for moment in sent_at if moment > now - NEW_LINK_WINDOW)
    if len(recent) < limit:
        return None
    return recent[-limit] + NEW_LINK_WINDOW
