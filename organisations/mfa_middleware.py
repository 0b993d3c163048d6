"""Finishes sign-in: someone who has two-factor authentication set up must give a code first."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .mfa import PENDING_SESSION_KEY

# What someone between the password and the code may still reach.
ALLOWED_NAMES = {"mfa-verify", "sign-out"}


class MFAGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._allowed = None

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and request.session.get(PENDING_SESSION_KEY)
            and not request.user.is_verified()
            and not self._is_allowed(request.path)
        ):
            return redirect(
                f"{reverse('mfa-verify')}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)

    def _is_allowed(self, path: str) -> bool:
        if self._allowed is None:
            self._allowed = {reverse(name) for name in ALLOWED_NAMES}
        return path in self._allowed or path.startswith("/static/")
