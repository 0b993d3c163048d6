"""Redis, PostgreSQL and storage faults, injected into a real portal.

The portal runs as it does in production (gunicorn, two sync workers, persistent database
connections, the Redis cache) against the suite's PostgreSQL and a Redis of its own: each test
starts a dedicated redis-server on a free port, so stopping or freezing it leaves the suite's
Redis alone.

- Redis stopped: search, organisation pages, certificate checks and a signed-in assessment
  overview answer 200; /health/ says "degraded" (200); once Redis is back, rate limits count again.
- Redis frozen (SIGSTOP): the same pages still answer 200, the cache having given up on Redis
  (its socket timeout) rather than the page waiting for it. How long that costs a request is a
  figure of `make bench`, not an assertion here.
- Every database connection terminated between requests of a burst: the next requests succeed.
- Evidence storage failing (a media folder that cannot be created, even as root; a disk that
  fills part-way through a file): the form comes back (503) with the typed answer and a message,
  and no file is left behind.
"""

from __future__ import annotations

import errno
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import redis
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Answer, Document
from assessments.views import STORAGE_UNAVAILABLE_MESSAGE
from publishing import services

from .factories import answer_items, bank_build

ROOT = Path(__file__).resolve().parent.parent
# How long a request to the served portal may take before the test calls it hung: far above any
# page's time, below gunicorn's 60 s worker timeout (a request stuck on Redis would be killed
# there and never answer).
HUNG_SECONDS = 45
# How many searches a minute one address may make in the served portal.
SEARCH_LIMIT = 6
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {timeout} s for {what}")


class DedicatedRedis:
    """A redis-server of this test's own, to stop, restart, freeze and thaw."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, "the dedicated Redis to start")

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def dedicated_redis(tmp_path):
    server = DedicatedRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class Portal:
    """gunicorn serving the portal against the test database, with persistent connections."""

    def __init__(self, tmp_path: Path, redis_url: str):
        db = connection.settings_dict
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "gunicorn.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.fault_server_settings",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            ),
            "REDIS_URL": redis_url,
            "DSPT_RATE_LIMIT_SEARCH": str(SEARCH_LIMIT),
        }
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dspt_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(self._answers, f"gunicorn to start:\n{self.log_text()}", timeout=60)

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log_text()
        try:
            urllib.request.urlopen(self.base + "/health/", timeout=5)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    def get(self, path: str, *, session: str = "", timeout: float = HUNG_SECONDS):
        """(status, body): fails the test, rather than hanging it, when nothing answers."""
        request = urllib.request.Request(self.base + path)
        if session:
            request.add_header("Cookie", f"sessionid={session}")
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirects(),
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        except (TimeoutError, urllib.error.URLError) as error:
            raise AssertionError(f"{path} did not answer within {timeout} s: {error}") from error
        return status, body

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.log.close()

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def portal(tmp_path, dedicated_redis):
    served = Portal(tmp_path, dedicated_redis.url)
    yield served
    served.stop()


@pytest.fixture
def publication(organisation, administrator):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )


@pytest.fixture
def reading_pages(client, member, organisation, publication):
    """What people only read: search, an organisation page, a certificate check, and (signed in)
    the assessment overview. Returns (path, session cookie) pairs."""
    client.force_login(member)
    session = client.cookies["sessionid"].value
    return [
        (reverse("organisation-search") + "?q=Langdale", ""),
        (reverse("organisation-public", args=[organisation.ods_code]), ""),
        (reverse("certificate-verify", args=[publication.verification_code]), ""),
        (reverse("assessment-overview", args=[publication.bank.year]), session),
    ]


def assert_pages_answer(portal: Portal, pages) -> None:
    for path, session in pages:
        status, body = portal.get(path, session=session)
        assert status == 200, f"{path}: {status}\n{body[:500]}\n{portal.log_text()[-3000:]}"


def test_with_redis_stopped_reading_pages_answer_and_limits_count_again_once_it_is_back(
    portal, dedicated_redis, reading_pages
):
    assert_pages_answer(portal, reading_pages)

    dedicated_redis.stop()
    for _ in range(2):  # the first try and the ones that skip Redis for a while
        assert_pages_answer(portal, reading_pages)
    # The cache was refused by Redis and carried on without it.
    assert re.search(r"Cache unavailable \(\w+: ConnectionError\)", portal.log_text())
    status, body = portal.get("/health/")
    assert status == 200
    assert '"status": "degraded"' in body
    assert '"redis": "error"' in body
    # The operator sees why the limits were not counted.
    assert "Cache unavailable" in portal.log_text()

    dedicated_redis.start()  # same port, empty
    time.sleep(6)  # each gunicorn worker leaves Redis alone for a few seconds after a failure
    search = reading_pages[0][0]
    statuses = [portal.get(search)[0] for _ in range(SEARCH_LIMIT + 2)]
    assert 429 in statuses, statuses  # counted in Redis again
    assert statuses[0] == 200


def test_with_redis_frozen_reading_pages_still_answer_without_waiting_for_it(
    portal, dedicated_redis, reading_pages
):
    assert_pages_answer(portal, reading_pages)
    dedicated_redis.freeze()
    try:
        for _ in range(2):
            assert_pages_answer(portal, reading_pages)
    finally:
        dedicated_redis.thaw()
    # The cache gave up on the frozen Redis at its own socket timeout, not the page on Redis.
    assert re.search(r"Cache unavailable \(\w+: TimeoutError\)", portal.log_text())
    assert_pages_answer(portal, reading_pages)


def terminate_other_backends(keep_pid: int) -> int:
    """From a connection of its own: ends every other session on the test database (as a
    PostgreSQL restart or failover would), except the test's own."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    ) as killer:
        rows = killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [keep_pid],
        ).fetchall()
    return len(rows)


def test_database_connections_terminated_mid_burst_cost_no_later_request(portal, reading_pages):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    # The signed-in overview: many queries, and no rate limit to run into.
    page, session = reading_pages[-1]

    def burst(count: int) -> list[int]:
        with ThreadPoolExecutor(max_workers=2) as pool:  # both gunicorn workers hold a connection
            return [
                result[0]
                for result in pool.map(lambda _: portal.get(page, session=session), range(count))
            ]

    assert set(burst(10)) == {200}
    assert terminate_other_backends(own_pid) >= 1  # the workers' kept connections
    after = burst(20)
    assert set(after) == {200}, f"{after}\n{portal.log_text()[-3000:]}"


# --- Evidence storage -------------------------------------------------------------------------


class DiskFillsUpStorage(FileSystemStorage):
    """Writes the start of the file, then the disk is full: what a real ENOSPC leaves behind."""

    def _save(self, name, content):
        path = Path(self.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def bank():
    return bank_build(items_per_section=4)


def upload(client, bank, **data):
    return client.post(
        reverse("evidence-item", args=[bank.year, "2.1.1"]),
        {
            "version": 0,
            "comments": "Reviewed by the board in May",
            "upload": SimpleUploadedFile("IG policy.pdf", PDF),
            **data,
        },
    )


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def assert_form_again_and_nothing_saved(response, media: Path) -> None:
    assert response.status_code == 503
    body = response.content.decode()
    assert "nhsuk-error-summary" in body
    assert STORAGE_UNAVAILABLE_MESSAGE.split(" – ")[0] in body
    assert "Reviewed by the board in May" in body  # what they typed is still there
    assert not Document.objects.exists()
    assert not Answer.objects.exists()
    assert files_under(media) == []


def test_a_media_folder_that_cannot_be_written_gives_the_form_back_and_no_file(
    client, member, bank, settings, tmp_path
):
    # Below a regular file no folder can be made, whoever the process runs as (root included).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = blocker / "media"
    client.force_login(member)
    response = upload(client, bank)
    assert_form_again_and_nothing_saved(response, tmp_path / "media")
    assert [path.name for path in tmp_path.iterdir()] == ["not-a-folder"]


def test_a_disk_filling_up_mid_file_gives_the_form_back_and_leaves_no_part_file(
    client, member, bank, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.DiskFillsUpStorage"},
    }
    client.force_login(member)
    response = upload(client, bank)
    assert_form_again_and_nothing_saved(response, tmp_path / "media")


def test_when_the_store_works_again_the_same_upload_is_saved(
    client, member, bank, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(member)
    response = upload(client, bank)
    assert response.status_code == 302
    document = Document.objects.get()
    assert Answer.objects.get().library_document.current_version == document
    assert files_under(tmp_path / "media") == [Path(settings.MEDIA_ROOT) / document.file.name]
