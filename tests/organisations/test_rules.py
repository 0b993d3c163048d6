"""The role rules, as tables. No database."""

import pytest

from organisations.roles import Permission, Role
from organisations.rules import is_last_administrator_change, role_has_permission

ALLOWED = {
    (Role.VIEWER, Permission.VIEW_ORGANISATION),
    (Role.MEMBER, Permission.VIEW_ORGANISATION),
    (Role.MEMBER, Permission.EDIT_EVIDENCE),
    (Role.ADMINISTRATOR, Permission.VIEW_ORGANISATION),
    (Role.ADMINISTRATOR, Permission.EDIT_EVIDENCE),
    (Role.ADMINISTRATOR, Permission.MANAGE_PROFILE),
    (Role.ADMINISTRATOR, Permission.MANAGE_USERS),
    (Role.ADMINISTRATOR, Permission.PUBLISH),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_role_permission_table(role, permission):
    assert role_has_permission(role, permission) == ((role, permission) in ALLOWED)


def test_no_role_has_no_permission():
    assert not any(role_has_permission(None, p) for p in Permission)


@pytest.mark.parametrize(
    ("current", "new", "admins", "blocked"),
    [
        (Role.ADMINISTRATOR, Role.MEMBER, 1, True),
        (Role.ADMINISTRATOR, Role.VIEWER, 1, True),
        (Role.ADMINISTRATOR, None, 1, True),  # removal
        (Role.ADMINISTRATOR, Role.ADMINISTRATOR, 1, False),
        (Role.ADMINISTRATOR, Role.MEMBER, 2, False),
        (Role.ADMINISTRATOR, None, 2, False),
        (Role.MEMBER, None, 1, False),
        (Role.VIEWER, Role.ADMINISTRATOR, 1, False),
        (Role.MEMBER, Role.VIEWER, 0, False),
    ],
)
def test_last_administrator_rule(current, new, admins, blocked):
    assert (
        is_last_administrator_change(current_role=current, new_role=new, administrator_count=admins)
        is blocked
    )
