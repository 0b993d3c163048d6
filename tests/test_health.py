"""`/health/`: "ok" (200) when everything works; "degraded" (200, naming what is wrong) when only
Redis, the workers, the queue, the storage or its disk are in trouble; "down" (503) when the
database is. Never an error's text."""

import json
import os
import time
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.db.models import F
from django.urls import include, path

from documents.models import DocumentJob
from dspt_portal import health, tasks
from dspt_portal.celery import app as celery_app
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE
from organisations.access import Access

from .factories import RegisteredOrganisationFactory

# The health view under its own address, whether or not the project's urls.py routes it yet.
urlpatterns = [
    path("health-under-test/", health.health),
    path("", include("dspt_portal.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]
URL = "/health-under-test/"
SECRET = "hunter2-secret"


class BrokenStorage(FileSystemStorage):
    def _save(self, name, content):
        raise OSError(f"Access denied to bucket dspt-private with key {SECRET}")


class CountingStorage(FileSystemStorage):
    saved = 0

    def _save(self, name, content):
        CountingStorage.saved += 1
        return super()._save(name, content)


class BrokenConnections:
    class _Connection:
        def cursor(self):
            raise OperationalError(
                f'connection to server at "db.internal" failed: password "{SECRET}" refused'
            )

    def __getitem__(self, alias):
        return self._Connection()


@pytest.fixture(autouse=True)
def fresh_checks():
    """Each test starts with no result remembered from an earlier one, and no heartbeat."""
    health.forget_cached_checks()
    cache.delete(tasks.HEARTBEAT_KEY)
    yield
    health.forget_cached_checks()
    cache.delete(tasks.HEARTBEAT_KEY)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REDIS_URL = ""
    return settings.MEDIA_ROOT


def get(client):
    response = client.get(URL)
    return response, json.loads(response.content)


def test_everything_working_is_200_with_each_check(client, private_media):
    response, body = get(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert body["status"] == "ok"
    assert body["checks"] == {
        "database": "ok",
        "redis": "skipped",
        "storage": "ok",
        "disk": "ok",
        "queue": "ok",
        "workers": "skipped",  # no REDIS_URL: tasks run in the web process
    }
    assert body["details"]["oldest_queued_job_seconds"] == 0
    assert body["details"]["disk_free_bytes"] > 0
    # The file written to check the storage is gone again.
    leftovers = (
        list((private_media / health.STORAGE_FOLDER).glob("*")) if private_media.exists() else []
    )
    assert leftovers == []


def test_redis_is_pinged_when_configured(client, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no REDIS_URL: `make test` runs this against the local Redis")
    settings.REDIS_URL = url
    response, body = get(client)
    assert response.status_code == 200
    assert body["checks"]["redis"] == "ok"


def test_unreachable_redis_is_degraded_not_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response, body = get(client)
    # Pages still work without Redis: the load balancer must keep sending them people.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["redis"] == "error"
    assert body["checks"]["database"] == "ok"


def test_a_failing_database_is_503_down_without_its_error_text(client, monkeypatch, caplog):
    monkeypatch.setattr(health, "connections", BrokenConnections())
    response, body = get(client)
    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["checks"]["database"] == "error"
    assert body["checks"]["storage"] == "ok"
    content = response.content.decode()
    assert SECRET not in content
    assert "db.internal" not in content
    # The operator finds the reason in the log.
    assert any("database" in record.getMessage() for record in caplog.records)


def test_a_failing_storage_is_degraded_without_its_error_text(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.BrokenStorage"},
    }
    response, body = get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["storage"] == "error"
    assert body["checks"]["database"] == "ok"
    assert SECRET not in response.content.decode()
    assert "dspt-private" not in response.content.decode()


def test_disk_space_below_the_threshold_is_degraded(client, settings):
    settings.DSPT_HEALTH_MIN_FREE_DISK_BYTES = 1024**6  # an exabyte: more than any disk here
    response, body = get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["disk"] == "low"
    assert 0 < body["details"]["disk_free_bytes"] < 1024**6


def test_disk_space_above_the_threshold_is_ok(client, settings):
    settings.DSPT_HEALTH_MIN_FREE_DISK_BYTES = 1024  # a kilobyte
    _response, body = get(client)
    assert body["checks"]["disk"] == "ok"
    assert body["status"] == "ok"


def _queued_job(minutes_ago: float) -> DocumentJob:
    organisation = RegisteredOrganisationFactory()
    job = DocumentJob.objects.create(
        organisation=organisation,
        kind=DocumentJob.Kind.ASSESSMENT_XLSX,
        subject=f"assessment:{organisation.pk}",
        fingerprint="f" * 64,
    )
    DocumentJob.objects.filter(pk=job.pk).update(
        updated_at=F("updated_at") - timedelta(minutes=minutes_ago)
    )
    return job


def test_a_document_job_queued_too_long_is_degraded_with_its_age(client, settings):
    settings.DSPT_HEALTH_MAX_QUEUED_JOB_SECONDS = 300
    _queued_job(minutes_ago=1)
    _queued_job(minutes_ago=10)
    response, body = get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["queue"] == "backed_up"
    assert 595 <= body["details"]["oldest_queued_job_seconds"] <= 660


def test_a_job_queued_within_the_threshold_is_ok(client, settings):
    settings.DSPT_HEALTH_MAX_QUEUED_JOB_SECONDS = 300
    _queued_job(minutes_ago=2)
    finished = _queued_job(minutes_ago=30)
    DocumentJob.objects.filter(pk=finished.pk).update(state=DocumentJob.State.READY)
    _response, body = get(client)
    assert body["checks"]["queue"] == "ok"
    assert body["status"] == "ok"
    assert 115 <= body["details"]["oldest_queued_job_seconds"] <= 180


def test_no_worker_heartbeat_is_degraded(client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:1/0"
    response, body = get(client)
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["workers"] == "missing"
    assert body["details"]["worker_heartbeat_seconds"] is None


def test_an_old_worker_heartbeat_is_degraded_with_its_age(client, settings):
    settings.REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:1/0"
    settings.DSPT_HEALTH_MAX_HEARTBEAT_SECONDS = 300
    with time_machine.travel(time.time(), tick=False):  # the clock stands still
        cache.set(tasks.HEARTBEAT_KEY, time.time() - 600, timeout=None)
        response, body = get(client)
    assert response.status_code == 200
    assert body["checks"]["workers"] == "stale"
    assert body["details"]["worker_heartbeat_seconds"] == 600


def test_a_fresh_worker_heartbeat_is_ok(client, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("no REDIS_URL: `make test` runs this against the local Redis")
    settings.REDIS_URL = url
    with time_machine.travel(time.time(), tick=False):  # the clock stands still
        tasks.worker_heartbeat()  # what a worker runs each minute
        _response, body = get(client)
    assert body["checks"]["workers"] == "ok"
    assert body["details"]["worker_heartbeat_seconds"] == 0
    assert body["status"] == "ok"


def test_beat_sends_the_heartbeat_every_minute_to_a_task_workers_know():
    entry = CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert entry["task"] == "dspt_portal.worker_heartbeat"
    assert entry["schedule"] == 60
    # What a worker does at start-up: import every task module, the project's own included.
    celery_app.loader.import_default_modules()
    assert "dspt_portal.worker_heartbeat" in celery_app.tasks


def test_only_get_and_head(client):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


def test_it_is_public_and_declared_so():
    assert health.health.required_access is Access.PUBLIC


def test_the_storage_is_written_once_for_requests_in_quick_succession(
    client, settings, monkeypatch
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.CountingStorage"},
    }
    CountingStorage.saved = 0
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])

    for _ in range(3):
        response, body = get(client)
        assert response.status_code == 200
        assert body["checks"]["storage"] == "ok"
        clock[0] += 1
    assert CountingStorage.saved == 1

    # After a few seconds the storage is checked again for real.
    clock[0] += health.STORAGE_CHECK_SECONDS
    assert get(client)[0].status_code == 200
    assert CountingStorage.saved == 2


def test_a_failing_storage_is_remembered_for_as_long(client, settings, monkeypatch):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.BrokenStorage"},
    }
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    assert get(client)[1]["checks"]["storage"] == "error"
    # Mended within the window: still reported as failing until the next real check.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    clock[0] += 1
    assert get(client)[1]["checks"]["storage"] == "error"
    clock[0] += health.STORAGE_CHECK_SECONDS
    assert get(client)[1]["checks"]["storage"] == "ok"
