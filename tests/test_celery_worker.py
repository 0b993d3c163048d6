"""A real Celery worker against the local Redis makes an export and a certificate.

The worker is a separate process using the test database; it is stopped by its pid at the end.
"""

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from assessments import services as assessment_services
from documents import services as document_services
from documents.models import DocumentJob
from dspt_portal.celery import app as celery_app
from incidents import tasks as incident_tasks
from incidents.models import IncidentNotification
from publishing import services

from .factories import answer_items, bank_build, incident_reported

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def running_worker(tmp_path, extra_env: dict[str, str] | None = None):
    redis_url = os.environ.get("REDIS_URL")
    assert redis_url, "run the suite with `make test`, which starts Redis"
    # The same broker the app is already configured with: Celery caches its connection pool,
    # so pointing the app elsewhere mid-run would leave half of it talking to the old one.
    broker = celery_app.conf.broker_url
    assert broker.startswith("redis://")
    celery_app.control.purge()  # nothing left over from an earlier run
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dspt_portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": broker,
        **(extra_env or {}),
    }
    pidfile = tmp_path / "worker.pid"
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "dspt_portal",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--pidfile",
            str(pidfile),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1):
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (
                "the worker did not start within 60 s:\n" + (tmp_path / "worker.log").read_text()
            )
        yield process
    finally:
        celery_app.conf.task_always_eager = eager
        pid = int(pidfile.read_text()) if pidfile.exists() else process.pid
        os.kill(pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def worker(tmp_path):
    with running_worker(tmp_path) as process:
        yield process


@pytest.fixture
def s3_worker(tmp_path, s3_bucket):
    """A worker whose settings come from the DSPT_S3_* environment, as in production."""
    from .conftest import S3_KEYS, S3_REGION

    env = {
        "DSPT_S3_BUCKET": s3_bucket["name"],
        "DSPT_S3_ENDPOINT_URL": s3_bucket["endpoint"],
        "DSPT_S3_REGION": S3_REGION,
        "DSPT_S3_ACCESS_KEY_ID": S3_KEYS["access_key"],
        "DSPT_S3_SECRET_ACCESS_KEY": S3_KEYS["secret_key"],
    }
    with running_worker(tmp_path, env) as process:
        yield process


def wait_for(job: DocumentJob, timeout: float = 60) -> DocumentJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.pk} still {job.state} after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_an_export_and_a_certificate(worker, organisation, administrator):
    assert not celery_app.conf.task_always_eager  # the work really goes through Redis
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    publication = services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )

    export = document_services.document_job_request(
        organisation=organisation,
        kind=DocumentJob.Kind.ASSESSMENT_XLSX,
        assessment=assessment,
        user=administrator,
    )
    certificate = document_services.document_job_request(
        organisation=organisation,
        kind=DocumentJob.Kind.CERTIFICATE,
        publication=publication,
        user=administrator,
    )

    export = wait_for(export)
    certificate = wait_for(certificate)
    assert export.state == DocumentJob.State.READY, export.error_message
    assert certificate.state == DocumentJob.State.READY, certificate.error_message

    with export.file.open("rb") as stream:
        workbook = openpyxl.load_workbook(io.BytesIO(stream.read()))
    assert workbook.sheetnames[0] == "Summary"
    with certificate.file.open("rb") as stream:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(stream.read())).pages)
    assert publication.verification_code in text


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_an_uploaded_directory_file(worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from audit.services import Actor
    from helpdesk import services as helpdesk_services
    from helpdesk.models import ImportJob, Operator
    from helpdesk.roles import HelpdeskRole
    from organisations.models import Organisation

    from .factories import UserFactory

    assert not celery_app.conf.task_always_eager
    operator = UserFactory(email="operator@helpdesk.example")
    Operator.objects.create(user=operator, role=HelpdeskRole.OPERATOR)
    data = (ROOT / "tests" / "data" / "organisation-search-2023.csv").read_bytes()
    job = helpdesk_services.import_job_start(
        actor=Actor(user=operator),
        kind=ImportJob.Kind.TOOLKIT_EXPORT,
        upload=SimpleUploadedFile("organisation-search-2023.csv", data),
    )
    deadline = time.monotonic() + 60
    while not job.is_finished:
        assert time.monotonic() < deadline, f"import {job.pk} still {job.state} after 60 s"
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.error
    assert (job.created, job.rejected) == (8, 5)
    assert Organisation.objects.filter(ods_code="VM8L1").exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_an_incident_to_the_regulator(worker, organisation, member):
    assert not celery_app.conf.task_always_eager
    incident = incident_reported(organisation, member)
    notification = IncidentNotification.objects.create(
        incident=incident, destination="breach-intake@regulator.example"
    )
    incident_tasks.send_incident_notification.delay(notification.pk)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        notification.refresh_from_db()
        if notification.state not in ("pending", "sending"):
            break
        time.sleep(0.2)
    assert notification.state == IncidentNotification.State.SENT, notification.last_error
    assert notification.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_a_certificate_to_object_storage(
    s3_worker, s3_bucket, organisation, administrator, client
):
    """Web and worker on different machines share files only through the bucket: the worker
    (configured from the environment) writes there, the web side hands out a signed address."""
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    publication = services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    certificate = wait_for(
        document_services.document_job_request(
            organisation=organisation,
            kind=DocumentJob.Kind.CERTIFICATE,
            publication=publication,
            user=administrator,
        )
    )
    assert certificate.state == DocumentJob.State.READY, certificate.error_message
    listing = s3_bucket["client"].list_objects_v2(Bucket=s3_bucket["name"])
    assert [entry["Key"] for entry in listing["Contents"]] == [certificate.file.name]

    client.force_login(administrator)
    response = client.get(reverse("document-job-file", args=[certificate.pk]))
    assert response.status_code == 302
    with urllib.request.urlopen(response["Location"], timeout=10) as signed:
        pdf = signed.read()
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert publication.verification_code in text


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_open_data_file(worker):
    import gzip

    from register.models import OpenDataFile
    from register.tasks import build_open_data

    from .factories import OrganisationFactory

    assert not celery_app.conf.task_always_eager
    OrganisationFactory(name="Langdale House", ods_code="VM8L1")
    build_open_data.delay()
    deadline = time.monotonic() + 60
    while not OpenDataFile.objects.exists():
        assert time.monotonic() < deadline, "no open data file after 60 s"
        time.sleep(0.2)
    record = OpenDataFile.objects.get()
    try:
        with record.file.open("rb") as stream:
            text = gzip.decompress(stream.read()).decode("utf-8-sig")
        assert text.splitlines()[1].startswith("VM8L1,Langdale House,Not Published")
        assert record.organisations == 1
    finally:
        record.file.delete(save=False)
