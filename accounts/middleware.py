"""Sessions: kept alive while in use, and finished at sign-in by the second step for someone who
has two-factor authentication set up."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import sessions
from .mfa import PENDING_SESSION_KEY

# What someone between the password and the code may still reach.
ALLOWED_NAMES = {"mfa-verify", "sign-out", "session-extend", "session-status"}
# Addresses that only read how long the session has left: they neither keep it alive nor mark
# an ended one (accounts/views.py, session_status).
LEFT_ALONE_NAMES = {"session-status"}


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
    back at most once a refresh interval (accounts/sessions.py); the page is told exactly when
    its session ends. The stamp is made before the view runs, so the page it renders counts from
    it. A request bringing a session that ended for being idle marks the new one, so the sign-in
    page can say why and what was kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._left_alone = None

    def __call__(self, request):
        if self._left_alone is None:
            self._left_alone = {reverse(name) for name in LEFT_ALONE_NAMES}
        if request.path in self._left_alone:
            return self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None:
            session.get(sessions.REFRESHED_KEY)  # loads it: an ended session reads as empty
            if not session.is_empty():
                sessions.session_refresh(session)
            elif settings.SESSION_COOKIE_NAME in request.COOKIES:
                ended = sessions.ended_session_of(request.COOKIES[settings.SESSION_COOKIE_NAME])
                if ended is not None:
                    sessions.idle_sign_out_mark(session, ended=ended)
        response = self.get_response(request)
        if session is not None and not session.is_empty():
            # Any save moves the end of the session: the stamp follows it (signing in, a view
            # that keeps something in the session), so the time pages are told stays exact.
            sessions.session_refresh(session, force=session.modified)
        return response
