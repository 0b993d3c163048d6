"""A per-address limit on public pages, counted in the shared cache (Redis in production)."""

from __future__ import annotations

import hashlib
import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from dspt_portal.client_address import client_ip

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60
# Per client address per minute, for scopes that DSPT_RATE_LIMITS does not list.
PER_ADDRESS_DEFAULTS = {"register": 20, "register-complete": 30, "invitation-accept": 30}
# Per email address: (requests, window in seconds). Registration mails a link each time, so a
# few an hour is plenty for a person and stops the form being used to flood someone's inbox.
EMAIL_LIMIT_DEFAULTS = {
    "register": (5, 3600),
    "register-complete": (10, 3600),
    "invitation-accept": (10, 3600),
}


def _over_limit(key: str, *, limit: int, window_seconds: int) -> int | None:
    """Counts one request against `key`; the seconds to wait when over the limit, else None.

    Fails open: when the cache cannot count (Redis down), the request is let through and a warning
    logged. A limit that cannot be counted for a while costs less than public pages that 500.
    """
    try:
        return _count(key, limit=limit, window_seconds=window_seconds)
    except Exception as error:  # whatever the cache backend raises when its store is away
        logger.warning("Rate limit %s not counted (%s); request allowed", key.split(":")[0], error)
        return None


def _counter_key(key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    return f"ratelimit:{key}:{window_seconds}:{window}"


def _retry_after(count: int | None, *, limit: int, window_seconds: int) -> int | None:
    """The seconds to wait when `count` (None: not counted) is over `limit`, else None."""
    if count is None or count <= limit:
        return None
    return window_seconds - int(time.time()) % window_seconds


def _count(key: str, *, limit: int, window_seconds: int) -> int | None:
    cache_key = _counter_key(key, window_seconds)
    counter = getattr(cache, "incr_in_window", None)
    if counter is not None:  # Redis: one round trip
        # None: Redis unavailable (already logged), the request goes through.
        count = counter(cache_key, window_seconds * 2)
        return _retry_after(count, limit=limit, window_seconds=window_seconds)
    # add() only sets a missing key, so two workers cannot both start it at 0.
    cache.add(cache_key, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds * 2)
        count = 1
    if count > limit:
        return window_seconds - int(time.time()) % window_seconds
    return None


def too_many_requests(request, retry_after: int):
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def email_limit_exceeded(scope: str, email: str) -> int | None:
    """Counts one request for this email address; the seconds to wait when over the limit.

    Limits per address hold however many client addresses someone uses. The address is hashed so
    cache keys hold no personal data.
    """
    if not settings.DSPT_RATE_LIMITS_ENABLED:
        return None
    limits = getattr(settings, "DSPT_EMAIL_RATE_LIMITS", EMAIL_LIMIT_DEFAULTS)
    limit, window_seconds = limits.get(scope, EMAIL_LIMIT_DEFAULTS[scope])
    digest = hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:32]
    return _over_limit(f"{scope}:email:{digest}", limit=limit, window_seconds=window_seconds)


def _address_key(request, scope: str) -> tuple[str, int]:
    """The counter (without its window) and the limit for the client's address under `scope`."""
    limit = settings.DSPT_RATE_LIMITS.get(scope, PER_ADDRESS_DEFAULTS.get(scope, 60))
    return f"{scope}:{client_ip(request) or 'unknown'}", limit


def over_rate_limit(request, scope: str) -> int | None:
    """Counts one request from the client's address under `scope`; the seconds to wait when it
    is over DSPT_RATE_LIMITS[scope] a minute, else None. A request already counted under `scope`
    (`read_and_count`) is not counted again: the answer of that count is given."""
    counted = getattr(request, COUNTED, None)
    if counted is not None and scope in counted:
        return counted[scope]
    if not settings.DSPT_RATE_LIMITS_ENABLED:
        return None
    key, limit = _address_key(request, scope)
    return _over_limit(key, limit=limit, window_seconds=WINDOW_SECONDS)


# Where a request keeps the counts already made for it: {scope: seconds to wait, or None}.
COUNTED = "_dspt_rate_counted"


def read_and_count(request, scope: str, keys: list[str]) -> tuple[dict, int | None]:
    """Reads `keys` from the cache and counts one request from the client's address under
    `scope`, in one round trip to Redis: the values found, and the seconds to wait when over the
    limit (else None). The request remembers the count, so `over_rate_limit` on it does not count
    again. Redis away: nothing found, and the request goes through (as `over_rate_limit`)."""
    retry_after: int | None = None
    if not settings.DSPT_RATE_LIMITS_ENABLED:
        found = cache.get_many(keys)
    else:
        key, limit = _address_key(request, scope)
        reader = getattr(cache, "get_many_and_count", None)
        if reader is not None:  # Redis
            found, count = reader(keys, _counter_key(key, WINDOW_SECONDS), WINDOW_SECONDS * 2)
            retry_after = _retry_after(count, limit=limit, window_seconds=WINDOW_SECONDS)
        else:
            found = cache.get_many(keys)
            retry_after = _over_limit(key, limit=limit, window_seconds=WINDOW_SECONDS)
    setattr(request, COUNTED, {**getattr(request, COUNTED, {}), scope: retry_after})
    return found, retry_after


def rate_limited(scope: str):
    """Allows DSPT_RATE_LIMITS[scope] requests per minute from one address, then answers 429."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            retry_after = over_rate_limit(request, scope)
            if retry_after is not None:
                return too_many_requests(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
