"""The one place that decides who may do what.

Views declare the Permission they need; this module answers whether the signed-in person's role in
the current organisation grants it. Nothing else in the project compares role strings.
"""

from __future__ import annotations

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
