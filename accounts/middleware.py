"""Sessions: kept alive while in use, and finished at sign-in by the second step for someone who
has two-factor authentication set up."""

import time

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


class SessionIdleMiddleware:
    """Keeps an active session alive: it expires SESSION_COOKIE_AGE after the last activity.

    Saving the session on every request would cost a write per page, so the expiry is pushed
    back at most once every few minutes; inactivity is measured to within that.
    """

    REFRESH_SECONDS = 300
    KEY = "_last_refreshed"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= self.REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified, so it is saved
        return response
