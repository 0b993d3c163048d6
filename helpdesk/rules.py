"""Who may do what on the helpdesk: plain functions over plain data."""

from __future__ import annotations

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
