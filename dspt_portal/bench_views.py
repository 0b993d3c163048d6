"""The floor for `scripts/bench.py`: the cheapest response Django gives on the same stack.

Same gunicorn workers, same middleware (sessions, CSRF, CSP, the current organisation, …), same
`requires(...)` wrapper as every page, but no database query and no template. Each page's timing
is reported as a multiple of this one, measured in the same run, so the figures mean the same on
a faster or slower machine.

Only routed when the setting ``DSPT_BENCH_FLOOR`` is true (environment variable of that name), so
production never exposes it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_safe

from organisations.access import Access, requires

FLOOR_PATH = "bench/floor/"


def floor_enabled() -> bool:
    return bool(getattr(settings, "DSPT_BENCH_FLOOR", False))


@requires(Access.PUBLIC)
@require_safe
def floor(request):
    return HttpResponse(b"ok\n", content_type="text/plain; charset=utf-8")


def floor_urlpatterns() -> list:
    """``[path("bench/floor/", floor)]`` when the floor is switched on, else nothing."""
    from django.urls import path

    return [path(FLOOR_PATH, floor)] if floor_enabled() else []
