from django.conf import settings

from .sessions import inactivity_text, session_seconds_left


def session_timeout(request):
    """What the session warning (base.html, static/js/session-timeout.js) needs to know: how
    long this signed-in session has left, and how long before its end to warn."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {
        "session_seconds_left": session_seconds_left(request.session),
        "session_warning_seconds": settings.DSPT_SESSION_WARNING_SECONDS,
        "session_inactive_for": inactivity_text(settings.SESSION_COOKIE_AGE),
    }
