"""`/health/`: 200 when the database, Redis (when configured) and storage work; 503 otherwise,
naming the failing check and never an error's text."""

import json
import os

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.urls import include, path

from dspt_portal import health
from organisations.access import Access

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
def fresh_storage_check():
    """Each test starts with no storage result remembered from an earlier one."""
    health.cached_storage_check.forget()
    yield
    health.cached_storage_check.forget()


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
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "skipped", "storage": "ok"},
    }
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


def test_unreachable_redis_is_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response, body = get(client)
    assert response.status_code == 503
    assert body == {
        "status": "error",
        "checks": {"database": "ok", "redis": "error", "storage": "ok"},
    }


def test_a_failing_database_is_503_without_its_error_text(client, monkeypatch, caplog):
    monkeypatch.setattr(health, "connections", BrokenConnections())
    response, body = get(client)
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"] == "error"
    assert body["checks"]["storage"] == "ok"
    content = response.content.decode()
    assert SECRET not in content and "db.internal" not in content
    # The operator finds the reason in the log.
    assert any("database" in record.getMessage() for record in caplog.records)


def test_a_failing_storage_is_503_without_its_error_text(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.BrokenStorage"},
    }
    response, body = get(client)
    assert response.status_code == 503
    assert body["checks"] == {"database": "ok", "redis": "skipped", "storage": "error"}
    assert SECRET not in response.content.decode()
    assert "dspt-private" not in response.content.decode()


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
        assert response.status_code == 200 and body["checks"]["storage"] == "ok"
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
    assert get(client)[0].status_code == 503
    clock[0] += health.STORAGE_CHECK_SECONDS
    assert get(client)[0].status_code == 200
