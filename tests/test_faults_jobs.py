"""Background documents recover from faults, with a real Celery worker, Redis and PostgreSQL.

Each test starts its own worker subprocess (tests/gated_worker.py: the real worker, whose
documents wait at a gate until the test opens it, so a job is killed mid-way deterministically)
against the suite's database and Redis, breaks something, and waits for what a person would see:
the job's state in the database and its page.

- A worker process killed while making a document (out of memory): the document is made anyway.
- A whole worker killed while making two documents, a third waiting: the waiting one is made by
  the next worker; the page of a killed one offers "Try again", which makes it; one left for long
  is marked failed by the periodic sweep, and asking for it again makes it.
- Redis down when a document is asked for: a 503 page saying so, no job left queued; once Redis
  is back the same request makes the document.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import F
from django.urls import reverse

from assessments import services as assessment_services
from documents import jobs, tasks
from documents.models import DocumentJob
from dspt_portal.celery import app as celery_app
from publishing import services

from .factories import answer_items, bank_build

ROOT = Path(__file__).resolve().parent.parent
# Generous for a loaded 2-core machine; each wait ends as soon as its condition holds.
TIMEOUT = 60

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {timeout} s for {what}")


def job_in(job: DocumentJob, *states: str) -> bool:
    job.refresh_from_db()
    return job.state in states


class Worker:
    """One gated Celery worker subprocess, in its own process group so it can be killed whole."""

    def __init__(self, tmp_path: Path, gate: Path, name: str):
        self.gate, self.tmp_path = gate, tmp_path
        self.hostname = f"{name}@{socket.gethostname()}"
        self.log_path = tmp_path / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self, *, concurrency: int) -> "Worker":
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dspt_portal.settings.test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            ),
            "REDIS_URL": celery_app.conf.broker_url,
        }
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.gated_worker",
                str(self.gate),
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--hostname",
                self.hostname,
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(self._answers, f"worker {self.hostname} to start:\n{self.log_text()}")
        return self

    def _answers(self) -> bool:
        assert self.process.poll() is None, self.log_text()
        return bool(celery_app.control.ping(destination=[self.hostname], timeout=0.5))

    def reserved(self) -> list:
        """Tasks this worker has taken from Redis but not started."""
        replies = celery_app.control.inspect(destination=[self.hostname], timeout=15).reserved()
        assert replies, "the worker did not answer"
        assert self.hostname in replies, "the worker did not answer"
        return replies[self.hostname]

    def kill(self) -> None:
        """SIGKILL the worker and every process it started: no chance to give work back."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        (self.gate / "open").touch()
        # Cold shutdown: the test is over, nothing the worker holds is wanted.
        os.kill(self.process.pid, signal.SIGQUIT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@pytest.fixture
def gate(tmp_path):
    path = tmp_path / "gate"
    path.mkdir()
    return path


def started(gate: Path, job: DocumentJob) -> list[int]:
    """Pids of the worker processes that have started making this job and wait at the gate."""
    return [int(p.name.rsplit("-", 1)[1]) for p in gate.glob(f"started-{job.pk}-*")]


@pytest.fixture
def workers(tmp_path, gate):
    assert os.environ.get("REDIS_URL"), "run the suite with `make test`, which starts Redis"
    assert celery_app.conf.broker_url.startswith("redis://")
    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    celery_app.control.purge()  # nothing left over from an earlier run
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # requests really go through Redis
    started_workers: list[Worker] = []

    def make(name: str) -> Worker:
        worker = Worker(tmp_path, gate, name)
        started_workers.append(worker)
        return worker

    try:
        yield make
    finally:
        celery_app.conf.task_always_eager = eager
        for worker in started_workers:
            worker.stop()
        celery_app.control.purge()
        # Tasks a killed worker held stay "unacknowledged" in Redis until the visibility timeout;
        # none of them belongs to a later test.
        broker.delete("unacked", "unacked_index", "unacked_mutex")


@pytest.fixture
def publication(organisation, administrator):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )


def ask_for(client, url: str) -> DocumentJob:
    response = client.post(url)
    assert response.status_code == 302, response.content.decode()[:2000]
    return DocumentJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def come_back_later(job: DocumentJob, age: timedelta) -> None:
    """The person comes back `age` later: the job has been in its state that long."""
    DocumentJob.objects.filter(pk=job.pk).update(updated_at=F("updated_at") - age)


def test_a_worker_process_killed_mid_document_makes_it_anyway(
    workers, gate, client, administrator, publication
):
    worker = workers("child-killed").start(concurrency=1)
    client.force_login(administrator)
    job = ask_for(client, reverse("certificate-download", args=[publication.pk]))

    wait_until(lambda: job_in(job, DocumentJob.State.RUNNING) and started(gate, job), "the job")
    [pid] = started(gate, job)
    assert pid != worker.process.pid  # the pool process making it, not the worker itself
    os.kill(pid, signal.SIGKILL)  # as the kernel's out-of-memory killer would
    (gate / "open").touch()

    # Nobody presses anything: the worker gives the task back and a new process makes it.
    wait_until(
        lambda: job_in(job, DocumentJob.State.READY, DocumentJob.State.FAILED),
        f"the document after its process was killed:\n{worker.log_text()}",
    )
    assert job.state == DocumentJob.State.READY, job.error_message
    assert job.attempts == 2
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Ready" in page
    assert "Download" in page


def test_a_killed_worker_leaves_nothing_stuck(workers, gate, client, administrator, publication):
    client.force_login(administrator)
    first = workers("killed").start(concurrency=2)
    certificate = ask_for(client, reverse("certificate-download", args=[publication.pk]))
    published = ask_for(client, reverse("publication-download", args=[publication.pk]))
    for job in (certificate, published):
        wait_until(
            lambda job=job: job_in(job, DocumentJob.State.RUNNING) and started(gate, job),
            f"{job} to start",
        )
    year = publication.bank.year
    waiting = ask_for(client, reverse("assessment-download", args=[year]))
    assert waiting.state == DocumentJob.State.QUEUED
    # Prefetch 1: a worker busy with two documents has not taken the third from Redis.
    assert first.reserved() == []

    first.kill()
    (gate / "open").touch()
    second = workers("after").start(concurrency=1)

    # The waiting document was still in Redis: the next worker makes it, nobody presses anything.
    wait_until(
        lambda: job_in(waiting, DocumentJob.State.READY, DocumentJob.State.FAILED),
        f"the waiting document:\n{second.log_text()}",
    )
    assert waiting.state == DocumentJob.State.READY, waiting.error_message
    # The two being made died with their worker; Redis gives them back only after its visibility
    # timeout (hours), so without anything else they would say "Being made 0 %" for that long.
    for job in (certificate, published):
        job.refresh_from_db()
        assert job.state == DocumentJob.State.RUNNING
        assert job.progress == 0

    # A few minutes later the certificate's page says it is taking too long, and offers Try again.
    running = DocumentJob.State.RUNNING
    come_back_later(certificate, jobs.STALE_AFTER[certificate.kind][running] + timedelta(minutes=1))
    page = client.get(certificate.get_absolute_url()).content.decode()
    assert "Taking too long" in page
    assert "Try again" in page
    assert 'http-equiv="refresh"' not in page
    response = client.post(reverse("document-job-retry", args=[certificate.pk]))
    assert response.status_code == 302
    wait_until(
        lambda: job_in(certificate, DocumentJob.State.READY, DocumentJob.State.FAILED),
        f"the certificate after Try again:\n{second.log_text()}",
    )
    assert certificate.state == DocumentJob.State.READY, certificate.error_message

    # Left for much longer, the other is marked failed by the periodic sweep (run by the worker
    # as beat would), so its page offers Try again; asking for it again makes it.
    limit = jobs.STALE_AFTER[published.kind][running] * jobs.ABANDONED_FACTOR
    come_back_later(published, limit + timedelta(minutes=1))
    tasks.fail_abandoned_document_jobs.delay()
    wait_until(lambda: job_in(published, DocumentJob.State.FAILED), "the sweep")
    page = client.get(published.get_absolute_url()).content.decode()
    assert "Failed" in page
    assert "Try again" in page
    again = ask_for(client, reverse("publication-download", args=[publication.pk]))
    assert again.pk == published.pk
    wait_until(
        lambda: job_in(published, DocumentJob.State.READY), f"the document:\n{second.log_text()}"
    )
    assert DocumentJob.objects.exclude(state=DocumentJob.State.READY).count() == 0


def _use_broker(url: str) -> None:
    """Points this process's Celery app at another broker (the worker keeps the real one).

    Celery keeps a connection pool and a producer pool per app; dropping both makes the next send
    connect to `url`. Pools for the real broker stay in kombu's registry and are reused on return.
    """
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def redis_down():
    """For the web side, Redis is stopped: nothing listens where the broker should be."""
    with socket.socket() as probe:  # a free port, then closed: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    saved = celery_app.conf.broker_url
    _use_broker(f"redis://127.0.0.1:{port}/0")
    try:
        yield
    finally:
        _use_broker(saved)


def test_redis_down_when_asking_gives_a_clear_503_and_nothing_queued(
    workers, gate, client, administrator, publication
):
    (gate / "open").touch()
    worker = workers("broker").start(concurrency=1)
    client.force_login(administrator)
    url = reverse("certificate-download", args=[publication.pk])

    # How long finding the broker away takes is a figure of `make bench`; the bound on it is the
    # broker configuration (tests/publishing/test_jobs.py, test_celery_is_configured_for_faults).
    with redis_down():
        response = client.post(url)
    assert response.status_code == 503
    page = response.content.decode()
    assert "We could not start making your document – try again in a few minutes" in page
    assert "nhsuk-header" in page  # the NHS.UK page, not a bare error
    assert response["Retry-After"] == "120"
    assert not DocumentJob.objects.filter(
        state__in=[DocumentJob.State.QUEUED, DocumentJob.State.RUNNING]
    ).exists()

    # Redis is back: the same request makes the document.
    job = ask_for(client, url)
    wait_until(
        lambda: job_in(job, DocumentJob.State.READY, DocumentJob.State.FAILED),
        f"the document once Redis is back:\n{worker.log_text()}",
    )
    assert job.state == DocumentJob.State.READY, job.error_message
    assert DocumentJob.objects.count() == 1
