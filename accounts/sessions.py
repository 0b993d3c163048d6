"""Idle sessions: how long a signed-in session has left, why a person was signed out, and what
they were saving when it happened.

A session ends SESSION_COOKIE_AGE after it was last saved. SessionIdleMiddleware saves it (by
stamping REFRESHED_KEY) at most once a refresh interval, so the stamp plus the age is the moment
the session ends, give or take the few milliseconds between stamping and saving, always later:
pages and the "Stay signed in" answer tell the page's script that many seconds, never more.

When a request brings the cookie of a session that has ended by itself (its row is there but
expired: signing out deletes the row and the cookie), the person was signed out for being idle.
The new, signed-out session then carries IDLE_KEY with who it was, so the sign-in page can say
why, and a form posted to a page that keeps what was typed (`keeps_post_when_signed_out`) is held
in POST_KEY for the same person only, for KEPT_SECONDS, and taken back by that page once they
have signed in again. Another person signing in on the same browser never sees it: signing in
drops what belongs to someone else (accounts/signals.py).

So ended session rows are kept a while: a daily job (accounts/tasks.py) deletes only those that
ended more than DSPT_ENDED_SESSIONS_KEPT_HOURS ago (a day).
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from functools import wraps
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.http import QueryDict
from django.utils import timezone

from organisations.middleware import SESSION_KEY as ORGANISATION_KEY

REFRESHED_KEY = "_last_refreshed"
IDLE_KEY = "_signed_out_idle"
POST_KEY = "_kept_post"

# The longest gap between two saves of an active session (fewer writes); shorter sessions
# refresh more often, so activity always keeps them alive.
REFRESH_SECONDS = 300
# How long a form kept at an idle sign-out waits for its owner to sign in again.
KEPT_SECONDS = 60 * 60
# Posted fields never kept: the CSRF token (the next page has its own) and the buttons.
NOT_KEPT = frozenset({"csrfmiddlewaretoken", "save", "save_and_next"})
# More than any form of the portal takes (the body limit stops larger posts earlier).
KEPT_MAX_CHARACTERS = 100_000
# Ended sessions are removed in batches of this many rows (short transactions, short locks).
REMOVE_BATCH = 5000


# --- Rules: plain functions ----------------------------------------------------------------------


def refresh_interval(age: int) -> int:
    """Seconds between saves of an active session lasting `age` seconds."""
    return max(1, min(REFRESH_SECONDS, age // 12))


def refresh_due(*, last_refreshed: int, now: int, age: int) -> bool:
    return now - last_refreshed >= refresh_interval(age)


def seconds_left(*, last_refreshed: int, now: int, age: int) -> int:
    """Whole seconds until a session last saved at `last_refreshed` ends (never more)."""
    return max(0, last_refreshed + age - now)


def inactivity_text(seconds: int) -> str:
    """`3600` → "60 minutes", `90` → "90 seconds", as the sign-in page says it."""
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


def kept_post_for(
    kept: dict | None, *, user_id: str, organisation_id: int | None, path: str, now: int
) -> dict | None:
    """The kept form's fields when it belongs to this person, organisation and page and is still
    fresh (a person in two organisations must not save it into the other one)."""
    if not kept:
        return None
    if str(kept.get("user")) != str(user_id) or kept.get("path") != path:
        return None
    # None: the session ended before any organisation was chosen, so the same default applies.
    if kept.get("organisation") not in (None, organisation_id):
        return None
    if now - int(kept.get("at", 0)) > KEPT_SECONDS:
        return None
    return kept.get("fields") or None


def ended_sessions_cutoff(
    *, now: datetime.datetime, kept_for: datetime.timedelta
) -> datetime.datetime:
    """Sessions that ended before this moment may be removed. Never sooner than KEPT_SECONDS
    after their end: until then the next request from that browser may still need the row, to
    say why the person was signed out and keep what they were saving."""
    return now - max(kept_for, datetime.timedelta(seconds=KEPT_SECONDS))


# --- The session ---------------------------------------------------------------------------------


def now_seconds() -> int:
    return int(time.time())


def session_refresh(session, *, force: bool = False) -> None:
    """Stamps the session so it is saved: it then lasts SESSION_COOKIE_AGE from now."""
    now = now_seconds()
    last = int(session.get(REFRESHED_KEY, 0))
    if force or refresh_due(last_refreshed=last, now=now, age=settings.SESSION_COOKIE_AGE):
        session[REFRESHED_KEY] = now  # marks the session modified, so it is saved


def session_seconds_left(session) -> int:
    now = now_seconds()
    last = int(session.get(REFRESHED_KEY, now))
    return seconds_left(last_refreshed=last, now=now, age=settings.SESSION_COOKIE_AGE)


def ended_session_of(session_key: str) -> dict | None:
    """{"user", "organisation"}: who was signed in to the session `session_key`, and in which
    organisation, if it ended by itself (expired); else None (no such session, signed out, still
    running, or a signed-out session)."""
    if not session_key or len(session_key) > 64:
        return None
    model = _session_model()
    if model is None:  # a session engine without rows to look at: nothing to say
        return None
    row = model.objects.filter(session_key=session_key, expire_date__lte=timezone.now()).first()
    if row is None:
        return None
    data = row.get_decoded()
    if not data.get(AUTH_USER_KEY):
        return None
    return {"user": str(data[AUTH_USER_KEY]), "organisation": data.get(ORGANISATION_KEY)}


def _session_model():
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model_class = getattr(store, "get_model_class", None)
    return model_class() if model_class is not None else None


def ended_sessions_remove(*, kept_for: datetime.timedelta | None = None) -> int:
    """Deletes the session rows that ended more than `kept_for` ago (the setting
    DSPT_ENDED_SESSIONS_KEPT_HOURS, a day, by default); recently ended ones stay for
    `ended_session_of`. Returns how many were deleted. Nothing to do for a session engine
    without rows."""
    model = _session_model()
    if model is None:
        return 0
    if kept_for is None:
        kept_for = datetime.timedelta(hours=settings.DSPT_ENDED_SESSIONS_KEPT_HOURS)
    cutoff = ended_sessions_cutoff(now=timezone.now(), kept_for=kept_for)
    removed = 0
    while True:
        keys = list(
            model.objects.filter(expire_date__lt=cutoff)
            .order_by()
            .values_list("session_key", flat=True)[:REMOVE_BATCH]
        )
        if not keys:
            return removed
        removed += model.objects.filter(session_key__in=keys, expire_date__lt=cutoff).delete()[0]


def idle_sign_out_mark(session, *, ended: dict) -> None:
    session[IDLE_KEY] = {**ended, "at": now_seconds()}


def idle_sign_out_of(session) -> dict | None:
    """{"user", "at", "kept"} when this browser's last session ended for being idle."""
    marked = session.get(IDLE_KEY)
    if not marked or now_seconds() - int(marked.get("at", 0)) > KEPT_SECONDS:
        return None
    return {**marked, "kept": POST_KEY in session}


def signed_in_tidy(session, *, user_id: str) -> None:
    """At sign-in: the idle notice has been read; a kept form for someone else goes, and its
    owner is back in the organisation they were saving for (if still a member: the
    organisation middleware checks)."""
    session.pop(IDLE_KEY, None)
    kept = session.get(POST_KEY)
    if kept and str(kept.get("user")) != str(user_id):
        del session[POST_KEY]
    elif kept and kept.get("organisation") is not None:
        session[ORGANISATION_KEY] = kept["organisation"]


def post_keep(request) -> None:
    """Keeps the fields of a form posted after an idle sign-out, for its owner (files cannot be
    kept: the page asks for them again)."""
    marked = request.session.get(IDLE_KEY)
    if not marked:
        return
    fields = {
        name: values for name, values in request.POST.lists() if name not in NOT_KEPT and values
    }
    if sum(len(value) for values in fields.values() for value in values) > KEPT_MAX_CHARACTERS:
        return
    request.session[POST_KEY] = {
        "user": marked["user"],
        "organisation": marked.get("organisation"),
        "path": request.path,
        "at": now_seconds(),
        "fields": fields,
        "had_files": bool(request.FILES),
    }


@dataclass(frozen=True)
class KeptPost:
    data: QueryDict
    had_files: bool  # a file was chosen: it must be chosen again


def post_waiting(request) -> bool:
    """Whether a form posted before an idle sign-out is kept in this session (not yet given
    back by `post_take`)."""
    return bool(request.session.get(POST_KEY))


def post_take(request) -> KeptPost | None:
    """The form this signed-in person posted to this page before an idle sign-out, once: it is
    removed from the session as it is given back."""
    kept = request.session.get(POST_KEY)
    if not kept:
        return None
    organisation = getattr(request, "organisation", None)
    fields = kept_post_for(
        kept,
        user_id=str(request.user.pk),
        organisation_id=organisation.pk if organisation is not None else None,
        path=request.path,
        now=now_seconds(),
    )
    if fields is None:
        if str(kept.get("user")) != str(request.user.pk) or (
            now_seconds() - int(kept.get("at", 0)) > KEPT_SECONDS
        ):
            del request.session[POST_KEY]  # someone else's, or too old: never shown
        return None
    del request.session[POST_KEY]
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        data.setlist(name, values)
    return KeptPost(data=data, had_files=bool(kept.get("had_files")))


def keeps_post_when_signed_out(view):
    """For a page whose form holds typing worth keeping: a POST arriving after an idle sign-out
    is kept for the same person before the view sends them to sign in again."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not request.user.is_authenticated:
            post_keep(request)
        return view(request, *args, **kwargs)

    return wrapped
