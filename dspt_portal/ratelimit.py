"""A per-address limit on public pages, counted in the shared cache (Redis in production)."""

from __future__ import annotations

import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from organisations.audit import client_ip

WINDOW_SECONDS = 60


def rate_limited(scope: str):
    """Allows DSPT_RATE_LIMITS[scope] requests per minute from one address, then answers 429."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if settings.DSPT_RATE_LIMITS_ENABLED:
                limit = settings.DSPT_RATE_LIMITS[scope]
                window = int(time.time() // WINDOW_SECONDS)
                key = f"ratelimit:{scope}:{client_ip(request) or 'unknown'}:{window}"
                # add() only sets a missing key, so two workers cannot both start it at 0.
                cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
                try:
                    count = cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
                    count = 1
                if count > limit:
                    retry_after = WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS
                    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
