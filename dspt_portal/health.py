"""`/health/`: can this web container serve, and is anything behind it in trouble?

For load balancers (the status code) and for monitoring (the body). Three answers:

- ``"ok"`` (200): everything below passes.
- ``"degraded"`` (200, with what is wrong): the container serves pages, but Redis is away (rate
  limits are not counted and documents cannot be started), the workers have not run the
  heartbeat lately, a document job has waited too long, the file storage cannot be written or its
  disk is nearly full. Taking containers out of the load balancer would not mend any of these
  (they share Redis, the workers and the storage) and would stop every page: so 200, and alert.
- ``"down"`` (503): the database does not answer; no page works.

The checks: the database (``SELECT 1``); Redis when ``REDIS_URL`` is set (a ``PING``); the
storage (a small file written and deleted again, local disk or S3); free space on the disk that
holds ``MEDIA_ROOT`` (local storage only); the oldest queued document job's age; and the age of
the worker heartbeat (dspt_portal/tasks.py, sent by Celery beat every minute). Thresholds come
from the settings (``DSPT_HEALTH_*``). The storage, disk, queue and heartbeat checks are kept for
``DEEP_CHECK_SECONDS`` in each process: load balancers asking every second or two cost one write
per process per few seconds, not one per request.

Only a state per check ("ok", "error", "skipped", "low", "stale", "missing", "backed_up") and
plain numbers are ever shown: an exception's text can hold host names, user names or bucket
names, so it goes to the log, never into the response.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from organisations.access import Access, requires

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"
SKIPPED = "skipped"
LOW = "low"  # disk space below the threshold
STALE = "stale"  # the worker heartbeat is older than the threshold
MISSING = "missing"  # no worker has ever run the heartbeat (or Redis lost it)
BACKED_UP = "backed_up"  # a document job has been queued for longer than the threshold

STATUS_OK, STATUS_DEGRADED, STATUS_DOWN = "ok", "degraded", "down"
# Without these nothing works: the container is down. Every other check only degrades it.
CRITICAL_CHECKS = frozenset({"database"})

# A health check must answer before the load balancer gives up on it (typically 5 s).
REDIS_TIMEOUT_SECONDS = 1.0
STORAGE_FOLDER = "health-checks"
# How long one deep check's result is reused in this process.
DEEP_CHECK_SECONDS = 5.0
STORAGE_CHECK_SECONDS = DEEP_CHECK_SECONDS

# Defaults for the thresholds (settings override them).
MIN_FREE_DISK_BYTES = 2 * 1024**3
MAX_QUEUED_JOB_SECONDS = 5 * 60
MAX_HEARTBEAT_SECONDS = 5 * 60


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


def check_disk() -> tuple[str, dict]:
    """Free space where uploads are written; skipped for storage that is not a local disk."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        return SKIPPED, {}
    path = Path(storage.location)
    while not path.exists() and path != path.parent:  # MEDIA_ROOT made on the first upload
        path = path.parent
    free = shutil.disk_usage(path).free
    minimum = getattr(settings, "DSPT_HEALTH_MIN_FREE_DISK_BYTES", MIN_FREE_DISK_BYTES)
    return (LOW if free < minimum else OK), {"disk_free_bytes": free}


def check_queue() -> tuple[str, dict]:
    """How long the oldest document job still waiting for a worker has waited."""
    from documents.models import DocumentJob

    oldest = DocumentJob.objects.filter(state=DocumentJob.State.QUEUED).aggregate(
        oldest=Min("updated_at")
    )["oldest"]
    if oldest is None:
        return OK, {"oldest_queued_job_seconds": 0}
    age = max(timedelta(0), timezone.now() - oldest).total_seconds()
    limit = getattr(settings, "DSPT_HEALTH_MAX_QUEUED_JOB_SECONDS", MAX_QUEUED_JOB_SECONDS)
    return (BACKED_UP if age > limit else OK), {"oldest_queued_job_seconds": round(age)}


def check_workers() -> tuple[str, dict]:
    """How long ago a Celery worker last ran the heartbeat task that beat sends every minute."""
    if not getattr(settings, "REDIS_URL", ""):
        return SKIPPED, {}  # tasks run in the web process itself
    from .tasks import worker_heartbeat_age

    age = worker_heartbeat_age()
    if age is None:
        return MISSING, {"worker_heartbeat_seconds": None}
    limit = getattr(settings, "DSPT_HEALTH_MAX_HEARTBEAT_SECONDS", MAX_HEARTBEAT_SECONDS)
    return (STALE if age > limit else OK), {"worker_heartbeat_seconds": round(age)}


class CachedCheck:
    """Runs `check` at most once every `seconds` in this process and reuses what it gave: its
    result, or the exception it raised (so a failing store is not written to per request
    either)."""

    def __init__(self, check: Callable[[], object], seconds: float):
        self.check = check
        self.seconds = seconds
        self._outcome: object = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def __call__(self):
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
cached_disk_check = CachedCheck(lambda: check_disk(), DEEP_CHECK_SECONDS)
cached_queue_check = CachedCheck(lambda: check_queue(), DEEP_CHECK_SECONDS)
cached_workers_check = CachedCheck(lambda: check_workers(), DEEP_CHECK_SECONDS)
CACHED_CHECKS = (cached_storage_check, cached_disk_check, cached_queue_check, cached_workers_check)

CHECKS: dict[str, Callable[[], str | tuple[str, dict]]] = {
    "database": check_database,
    "redis": check_redis,
    "storage": cached_storage_check,
    "disk": cached_disk_check,
    "queue": cached_queue_check,
    "workers": cached_workers_check,
}


def forget_cached_checks() -> None:
    for check in CACHED_CHECKS:
        check.forget()


def run_checks() -> tuple[dict[str, str], dict[str, object]]:
    """Each check's state, and the measurements (disk space, ages) behind them."""
    results: dict[str, str] = {}
    details: dict[str, object] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            outcome = check()
        except Exception:
            logger.exception(
                "Health check %s failed after %.2f s", name, time.monotonic() - started
            )
            results[name] = ERROR
            continue
        if isinstance(outcome, tuple):
            outcome, measured = outcome
            details.update(measured)
        results[name] = outcome
        if outcome not in (OK, SKIPPED):
            logger.warning("Health check %s: %s %s", name, outcome, details)
    return results, details


def overall_status(checks: dict[str, str]) -> str:
    troubled = {name for name, state in checks.items() if state not in (OK, SKIPPED)}
    if troubled & CRITICAL_CHECKS:
        return STATUS_DOWN
    return STATUS_DEGRADED if troubled else STATUS_OK


@requires(Access.PUBLIC)
@require_safe
@never_cache
def health(request):
    checks, details = run_checks()
    status = overall_status(checks)
    return JsonResponse(
        {"status": status, "checks": checks, "details": details},
        status=503 if status == STATUS_DOWN else 200,
    )
