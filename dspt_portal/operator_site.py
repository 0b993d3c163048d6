"""Django's admin at /operator/: superusers only (the helpdesk works from its own console under
/helpdesk/, where every action needs a reason and is audited), with a verified second factor, and
only from the addresses in DSPT_OPERATOR_ALLOWED_NETWORKS when that is set.

Operators sign in through the portal's own sign-in page and two-factor pages (so lockout, the audit
trail and the second step apply to them exactly as to everyone else); the console has no password
form of its own.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.admin import OTPAdminSite

from .client_address import address_in_networks, client_ip


def operator_address_allowed(request) -> bool:
    networks = settings.DSPT_OPERATOR_ALLOWED_NETWORKS
    return not networks or address_in_networks(client_ip(request), networks)


class OperatorAdminSite(OTPAdminSite):
    """OTPAdminSite refuses anyone not verified by a second factor; this adds the address list
    and sends people to the portal's sign-in and two-factor pages instead of its own form."""

    site_header = "DSPT portal operators"
    site_title = "DSPT operators"
    index_title = "Operator console"

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    def has_permission(self, request) -> bool:
        return (
            operator_address_allowed(request)
            and request.user.is_superuser
            and super().has_permission(request)
        )

    def admin_view(self, view, cacheable=False):
        checked = super().admin_view(view, cacheable)

        @wraps(checked)
        def guarded(request, *args, **kwargs):
            if not operator_address_allowed(request):
                raise Http404("Not found")
            return checked(request, *args, **kwargs)

        return guarded

    def login(self, request, extra_context=None):
        if not operator_address_allowed(request):
            raise Http404("Not found")
        next_url = self._next_url(request)
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('sign-in')}?{urlencode({'next': next_url})}")
        if not (user.is_active and user.is_staff and user.is_superuser):
            raise PermissionDenied("This console is for superusers only.")
        if not user.is_verified():
            from accounts.mfa import mfa_enabled

            step = "mfa-verify" if mfa_enabled(user=user) else "mfa-setup"
            return HttpResponseRedirect(f"{reverse(step)}?{urlencode({'next': next_url})}")
        return HttpResponseRedirect(next_url)

    def _next_url(self, request) -> str:
        candidate = request.GET.get("next", "")
        if candidate.startswith(
            reverse("admin:index", current_app=self.name)
        ) and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
            return candidate
        return reverse("admin:index", current_app=self.name)
