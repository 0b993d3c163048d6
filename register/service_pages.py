"""What the service pages say that comes from the settings, not from their templates: the
helpdesk's details, the cookies the portal sets and how long things last.

Read from the settings on each request (never at import), so a page cannot disagree with what the
portal is configured to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils.module_loading import import_string

from organisations.services import REGISTRATION_LINK_HOURS

_UNITS = (("week", 7 * 24 * 60 * 60), ("day", 24 * 60 * 60), ("hour", 60 * 60), ("minute", 60))


def duration_text(seconds: int) -> str:
    """`3600` → "1 hour", `31449600` → "52 weeks": the largest unit that divides it exactly."""
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


@dataclass(frozen=True)
class Helpdesk:
    email: str
    phone: str  # "" when there is no phone line
    hours: str
    reply_days: int


def helpdesk_contact() -> Helpdesk:
    return Helpdesk(
        email=settings.DSPT_HELPDESK_EMAIL,
        phone=settings.DSPT_HELPDESK_PHONE,
        hours=settings.DSPT_HELPDESK_HOURS,
        reply_days=settings.DSPT_HELPDESK_REPLY_DAYS,
    )


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    expires: str


def _messages_use_cookies() -> bool:
    storage = import_string(settings.MESSAGE_STORAGE)
    return issubclass(storage, CookieStorage) or any(
        issubclass(kind, CookieStorage) for kind in getattr(storage, "storage_classes", ())
    )


def cookies_set() -> list[Cookie]:
    """Every cookie the portal itself sets, in plain words. All are essential: there are no
    analytics or advertising cookies, and no other site's cookies."""
    idle = duration_text(settings.SESSION_COOKIE_AGE)
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        session_ends = f"When you close your browser, or after {idle} without using the portal"
    else:
        session_ends = f"After {idle} without using the portal"
    cookies = [
        Cookie(
            name=settings.SESSION_COOKIE_NAME,
            purpose="Keeps you signed in as you move from page to page, and remembers the "
            "organisation you chose while you register it.",
            expires=session_ends,
        )
    ]
    if not settings.CSRF_USE_SESSIONS:
        cookies.append(
            Cookie(
                name=settings.CSRF_COOKIE_NAME,
                purpose="Makes sure a form you send came from this portal and not from another "
                "website trying to act in your name.",
                expires=f"After {duration_text(settings.CSRF_COOKIE_AGE)}"
                if settings.CSRF_COOKIE_AGE
                else "When you close your browser",
            )
        )
    if _messages_use_cookies():
        cookies.append(
            Cookie(
                name=CookieStorage.cookie_name,
                purpose="Carries a short message to the next page you see, such as “Your answer "
                "has been saved”.",
                expires="As soon as the message has been shown, or when you close your browser",
            )
        )
    return cookies


@dataclass(frozen=True)
class Durations:
    """How long things last, for the privacy notice."""

    session_idle: str
    invitation_days: int
    registration_link_hours: int
    password_reset_link: str
    lockout: str
    lockout_failures: int


def durations() -> Durations:
    return Durations(
        session_idle=duration_text(settings.SESSION_COOKIE_AGE),
        invitation_days=settings.DSPT_INVITATION_DAYS,
        registration_link_hours=REGISTRATION_LINK_HOURS,
        password_reset_link=duration_text(settings.PASSWORD_RESET_TIMEOUT),
        lockout=duration_text(int(settings.AXES_COOLOFF_TIME.total_seconds())),
        lockout_failures=settings.AXES_FAILURE_LIMIT,
    )
