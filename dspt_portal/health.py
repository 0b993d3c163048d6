"""`/health/`: is this web container able to serve? For load balancers and uptime monitors.

Checks what every page needs: the database (``SELECT 1``), Redis when ``REDIS_URL`` is set (the
Celery broker and the cache: a ``PING``), and the document storage (a small file written and
deleted again in the default storage, local disk or S3). The storage check writes, so its result
is kept for ``STORAGE_CHECK_SECONDS`` in each process: load balancers asking every second or two
cost one write per process per few seconds, not one per request. Answers 200 with
``{"status": "ok", "checks": {...}}`` when all pass, 503 naming the check that failed otherwise.

Only "ok", "error" or "skipped" is ever shown per check: an exception's text can hold host names,
user names or bucket names, so it goes to the log, never into the response.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from organisations.access import Access, requires

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
SKIPPED = "skipped"
# A health check must answer before the load balancer gives up on it (typically 5 s).
REDIS_TIMEOUT_SECONDS = 2.0
STORAGE_FOLDER = "health-checks"
# How long one storage check's result is reused in this process.
STORAGE_CHECK_SECONDS = 5.0


def check_database() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1 did not return 1")
    return OK


def check_redis() -> str:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return SKIPPED  # the embedded default: tasks run in-process, the cache is local memory
    import redis

    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        if not client.ping():
            raise RuntimeError("Redis did not answer PING")
    finally:
        client.close()
    return OK


def check_storage() -> str:
    storage = storages["default"]
    name = storage.save(
        f"{STORAGE_FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(b"ok", name="health.txt")
    )
    try:
        if not storage.exists(name):
            raise RuntimeError("the file written is not there")
    finally:
        storage.delete(name)
    return OK


class CachedCheck:
    """Runs `check` at most once every `seconds` in this process and reuses what it gave: its
    result, or the exception it raised (so a failing store is not written to per request
    either)."""

    def __init__(self, check: Callable[[], str], seconds: float):
        self.check = check
        self.seconds = seconds
        self._outcome: str | Exception | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            now = time.monotonic()
            if self._outcome is None or now - self._checked_at >= self.seconds:
                try:
                    self._outcome = self.check()
                except Exception as error:
                    self._outcome = error
                self._checked_at = now
            if isinstance(self._outcome, Exception):
                raise self._outcome
            return self._outcome

    def forget(self) -> None:
        with self._lock:
            self._outcome = None


cached_storage_check = CachedCheck(lambda: check_storage(), STORAGE_CHECK_SECONDS)

CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": cached_storage_check,
}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            results[name] = check()
        except Exception:
            logger.exception(
                "Health check %s failed after %.2f s", name, time.monotonic() - started
            )
            results[name] = ERROR
    return results


@requires(Access.PUBLIC)
@require_safe
@never_cache
def health(request):
    checks = run_checks()
    healthy = all(result in (OK, SKIPPED) for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
