"""`/health/`: is this web container able to serve? For load balancers and uptime monitors.

Checks what every page needs: the database (``SELECT 1``), Redis when ``REDIS_URL`` is set (the
Celery broker and the cache: a ``PING``), and the document storage (a small file written and
deleted again in the default storage, local disk or S3). Answers 200 with
``{"status": "ok", "checks": {...}}`` when all pass, 503 naming the check that failed otherwise.

Only "ok", "error" or "skipped" is ever shown per check: an exception's text can hold host names,
user names or bucket names, so it goes to the log, never into the response.
"""

from __future__ import annotations

import logging
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


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": check_storage,
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
