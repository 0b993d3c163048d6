"""How views declare what they need. The decision itself is made in rules.py.

Every view in the project is wrapped by `requires(...)`, which records the requirement on the view
so the permission-matrix test can check that none is missing.
"""

from __future__ import annotations

import enum
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.mfa import mfa_enabled
from dspt_portal.operator_site import operator_address_allowed
from helpdesk.roles import HelpdeskPermission
from helpdesk.rules import helpdesk_role_may
from helpdesk.selectors import helpdesk_role_of

from .roles import Permission
from .rules import membership_has_permission

# What an administrator may do only once signed in with a second factor. The profile holds the
# Cyber Essentials Plus claim behind Standards Exceeded, so changing it counts too.
NEEDS_TWO_FACTOR = frozenset(
    {Permission.PUBLISH, Permission.MANAGE_USERS, Permission.MANAGE_PROFILE}
)


def _two_factor_ok(request) -> bool:
    if not settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS:
        return True
    return request.user.is_verified()


def _two_factor_first(request, *, why: str | None = None):
    """Sends a person to pass two-factor authentication (or set it up) and come back."""
    query = urlencode({"next": request.get_full_path()})
    if mfa_enabled(user=request.user):
        messages.info(request, "Enter a code from your authenticator app to continue.")
        return redirect(f"{reverse('mfa-verify')}?{query}")
    messages.info(
        request,
        why
        or "Administrators must set up two-factor authentication before they publish, manage "
        "people or change the organisation profile. It takes two minutes with an "
        "authenticator app.",
    )
    return redirect(f"{reverse('mfa-setup')}?{query}")


def _helpdesk_view(request, view, needed: HelpdeskPermission, args, kwargs):
    """Helpdesk pages: helpdesk staff only, from the operators' addresses when a list is set,
    always with a verified second factor (whatever the setting for administrators says)."""
    if not operator_address_allowed(request):
        raise Http404("Not found")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not helpdesk_role_may(helpdesk_role_of(request.user), needed):
        raise PermissionDenied(needed.label)
    if not request.user.is_verified():
        return _two_factor_first(
            request,
            why="Helpdesk staff must set up two-factor authentication before they open a case. "
            "It takes two minutes with an authenticator app.",
        )
    return view(request, *args, **kwargs)


class Access(enum.Enum):
    PUBLIC = "public"  # anyone, signed in or not
    SIGNED_IN = "signed_in"  # any signed-in person, with or without an organisation


Requirement = Permission | HelpdeskPermission | Access


def requires(requirement: Requirement, *, post: Permission | HelpdeskPermission | None = None):
    """Declares what a view needs; `post` is a stricter permission for changes (POST).
    Organisation permissions are checked against the person's membership of the current
    organisation; helpdesk permissions against their helpdesk role (never a membership)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            needed = post if (post is not None and request.method == "POST") else requirement
            if needed is Access.PUBLIC:
                return view(request, *args, **kwargs)
            if isinstance(needed, HelpdeskPermission):
                return _helpdesk_view(request, view, needed, args, kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needed is Access.SIGNED_IN:
                return view(request, *args, **kwargs)
            if request.membership is None:
                return render(request, "organisations/no_organisation.html", status=403)
            if not membership_has_permission(request.membership, needed):
                raise PermissionDenied(needed.label)
            if needed in NEEDS_TWO_FACTOR and not _two_factor_ok(request):
                return _two_factor_first(request)
            return view(request, *args, **kwargs)

        wrapped.required_access = requirement
        wrapped.required_access_to_change = post
        return wrapped

    return decorator
