"""Project-wide Celery tasks: the worker heartbeat that `/health/` reads."""

from __future__ import annotations

import time

from celery import shared_task
from django.core.cache import cache

# The time (seconds since the epoch) a worker last ran the heartbeat task. It is in Redis, like
# the queue itself: when Redis is away the workers cannot get work either.
HEARTBEAT_KEY = "dspt:worker-heartbeat"


@shared_task(name="dspt_portal.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> float:
    """Every minute (Celery beat): proves beat sends, Redis carries and a worker runs tasks."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def worker_heartbeat_age(*, now: float | None = None) -> float | None:
    """Seconds since a worker last ran the heartbeat; None if none ever did (or Redis is away)."""
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        return None
    return max(0.0, (now or time.time()) - float(beat))
