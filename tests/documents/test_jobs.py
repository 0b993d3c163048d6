import ast
import io
import re
from datetime import timedelta
from pathlib import Path

import kombu.exceptions
import openpyxl
import pytest
from celery.exceptions import Retry
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import services as assessment_services
from documents import jobs, tasks
from documents import services as document_services
from documents.models import DocumentJob
from dspt_portal.celery import app as celery_app
from publishing import services

from ..factories import answer_items, bank_build

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assessment(organisation, administrator):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return assessment


@pytest.fixture
def publication(assessment, administrator):
    return services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )


def follow_job(client, response) -> DocumentJob:
    assert response.status_code == 302
    job = DocumentJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    return job


def test_download_assessment_makes_a_spreadsheet(
    client, viewer, assessment, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment-download", args=[assessment.bank.year]))
    job = follow_job(client, response)
    job.refresh_from_db()
    assert job.state == DocumentJob.State.READY
    assert job.progress == 100
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Ready" in page
    assert 'http-equiv="refresh"' not in page
    download = client.get(reverse("document-job-file", args=[job.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert workbook.sheetnames[0] == "Summary"
    assert len(workbook.sheetnames) == 5


def test_asking_again_for_unchanged_data_reuses_the_document(
    client, member, assessment, django_capture_on_commit_callbacks
):
    client.force_login(member)
    url = reverse("assessment-download", args=[assessment.bank.year])
    with django_capture_on_commit_callbacks(execute=True):
        first = follow_job(client, client.post(url))
        second = follow_job(client, client.post(url))
    assert first.pk == second.pk
    assert DocumentJob.objects.count() == 1

    # A changed answer makes a new document, and the old file goes.
    old_file = DocumentJob.objects.get().file.name
    item = assessment.bank.items.get(ref="1.1.1")
    assessment_services.answer_save(
        assessment=assessment,
        item=item,
        values={"text": "Changed", "comments": ""},
        expected_version=1,
        user=member,
    )
    with django_capture_on_commit_callbacks(execute=True):
        third = follow_job(client, client.post(url))
    assert third.pk != first.pk
    assert list(DocumentJob.objects.values_list("pk", flat=True)) == [third.pk]
    from django.core.files.storage import default_storage

    assert not default_storage.exists(old_file)


def test_certificate_for_a_standards_met_publication(
    client, member, publication, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        job = follow_job(
            client, client.post(reverse("certificate-download", args=[publication.pk]))
        )
    job.refresh_from_db()
    assert job.state == DocumentJob.State.READY
    pdf = b"".join(client.get(reverse("document-job-file", args=[job.pk])).streaming_content)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert publication.published_as_name in " ".join(text.split())
    assert publication.verification_code in text


def test_no_certificate_for_approaching_standards(client, administrator, organisation):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    publication = services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    publication.level = "approaching"
    publication.save()
    client.force_login(administrator)
    assert client.post(reverse("certificate-download", args=[publication.pk])).status_code == 404


def test_a_failing_document_says_so_and_try_again_works(
    client, member, publication, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(data):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(jobs.certificate, "build_certificate_pdf", broken)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        job = follow_job(
            client, client.post(reverse("certificate-download", args=[publication.pk]))
        )
    job.refresh_from_db()
    assert job.state == DocumentJob.State.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Sorry, we could not make this document" in page
    assert "Try again" in page
    assert "renderer exploded" not in page
    assert client.get(reverse("document-job-file", args=[job.pk])).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("document-job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == DocumentJob.State.READY
    assert job.attempts == 2


def test_running_a_job_twice_makes_one_document(publication, administrator):
    job = DocumentJob.objects.create(
        organisation=publication.organisation,
        kind=DocumentJob.Kind.PUBLICATION_XLSX,
        publication=publication,
        subject=f"publication:{publication.pk}",
        fingerprint="published",
        requested_by=administrator,
    )
    jobs.document_job_run(job_id=job.pk)
    first_file = DocumentJob.objects.get(pk=job.pk).file.name
    jobs.document_job_run(job_id=job.pk)
    again = DocumentJob.objects.get(pk=job.pk)
    assert again.file.name == first_file
    assert again.attempts == 1


def test_another_organisations_jobs_are_404(
    client, outsider, member, assessment, django_capture_on_commit_callbacks
):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        job = follow_job(
            client, client.post(reverse("assessment-download", args=[assessment.bank.year]))
        )
    client.force_login(outsider)
    for name in ("document-job", "document-job-file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("document-job-retry", args=[job.pk])).status_code == 404


# Faults: stale jobs, the sweep, the broker down, transient errors.

MINUTE = timedelta(minutes=1)
ASSESSMENT_XLSX, PUBLICATION_XLSX, CERTIFICATE = (
    DocumentJob.Kind.ASSESSMENT_XLSX,
    DocumentJob.Kind.PUBLICATION_XLSX,
    DocumentJob.Kind.CERTIFICATE,
)
QUEUED, RUNNING, READY, FAILED = (
    DocumentJob.State.QUEUED,
    DocumentJob.State.RUNNING,
    DocumentJob.State.READY,
    DocumentJob.State.FAILED,
)
FRESH, STALE, ABANDONED = jobs.Staleness.FRESH, jobs.Staleness.STALE, jobs.Staleness.ABANDONED


@pytest.mark.parametrize(
    ("kind", "state", "age", "expected"),
    [
        # Waiting for a worker: five minutes for any document.
        (CERTIFICATE, QUEUED, timedelta(seconds=10), FRESH),
        (CERTIFICATE, QUEUED, 5 * MINUTE, FRESH),
        (CERTIFICATE, QUEUED, 5 * MINUTE + timedelta(seconds=1), STALE),
        (ASSESSMENT_XLSX, QUEUED, 6 * MINUTE, STALE),
        (PUBLICATION_XLSX, QUEUED, 14 * MINUTE, STALE),
        (PUBLICATION_XLSX, QUEUED, 15 * MINUTE + timedelta(seconds=1), ABANDONED),
        # Being made: a certificate (1.5 s for 500 sites) gets five minutes, a spreadsheet three.
        (CERTIFICATE, RUNNING, 4 * MINUTE, FRESH),
        (CERTIFICATE, RUNNING, 6 * MINUTE, STALE),
        (CERTIFICATE, RUNNING, 16 * MINUTE, ABANDONED),
        (ASSESSMENT_XLSX, RUNNING, 2 * MINUTE, FRESH),
        (ASSESSMENT_XLSX, RUNNING, 4 * MINUTE, STALE),
        (ASSESSMENT_XLSX, RUNNING, 10 * MINUTE, ABANDONED),
        (PUBLICATION_XLSX, RUNNING, 4 * MINUTE, STALE),
        # Finished jobs are never stuck, however old.
        (CERTIFICATE, READY, timedelta(days=400), FRESH),
        (ASSESSMENT_XLSX, FAILED, timedelta(days=1), FRESH),
    ],
)
def test_which_jobs_are_stuck(kind, state, age, expected):
    assert jobs.job_staleness(kind=kind, state=state, age=age) is expected


def test_the_sweep_waits_longer_than_a_job_keeps_retrying():
    # A job whose task is still retrying (the database restarting) must not be failed by the sweep.
    retry_window = timedelta(seconds=sum(tasks.RETRY_DELAYS))
    assert retry_window >= 4 * MINUTE  # "up to a few minutes" of retries
    assert tuple(sorted(tasks.RETRY_DELAYS)) == tasks.RETRY_DELAYS  # backing off, not hammering
    for thresholds in jobs.STALE_AFTER.values():
        for limit in thresholds.values():
            assert limit * jobs.ABANDONED_FACTOR > retry_window + MINUTE


def test_celery_is_configured_for_faults():
    conf = celery_app.conf
    assert conf.task_acks_late
    assert conf.task_reject_on_worker_lost
    assert conf.task_retry_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    options = conf.broker_transport_options
    longest_task = max(tasks.build_document.time_limit, max(tasks.FAIL_RETRY_DELAYS))
    assert options["visibility_timeout"] > longest_task
    assert options["visibility_timeout"] >= 60 * 60  # the daily reminder run, at national scale
    # A request never waits long for a broker that is down or frozen.
    assert options["socket_connect_timeout"] <= 2
    assert options["socket_timeout"] <= 2
    assert options["max_retries"] <= 1
    assert conf.task_publish_retry_policy["max_retries"] <= 1
    assert conf.broker_connection_timeout <= 2
    sweep = [
        entry
        for entry in conf.beat_schedule.values()
        if entry["task"] == "publishing.fail_abandoned_document_jobs"
    ]
    assert len(sweep) == 1
    assert sweep[0]["schedule"] <= 10 * 60
    assert "publishing.fail_abandoned_document_jobs" in celery_app.tasks


def stuck(job: DocumentJob, age: timedelta) -> DocumentJob:
    DocumentJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - age)
    job.refresh_from_db()
    return job


def certificate_job(publication, administrator, state=RUNNING) -> DocumentJob:
    return DocumentJob.objects.create(
        organisation=publication.organisation,
        kind=CERTIFICATE,
        publication=publication,
        subject=f"publication:{publication.pk}",
        fingerprint="published",
        requested_by=administrator,
        state=state,
    )


def test_asking_again_for_a_stuck_document_sends_it_again(
    client, member, publication, administrator, django_capture_on_commit_callbacks
):
    job = certificate_job(publication, administrator)
    client.force_login(member)
    url = reverse("certificate-download", args=[publication.pk])

    # Still within its time: asking again follows the same job and sends nothing.
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert follow_job(client, client.post(url)).pk == job.pk
    assert sent == []
    job.refresh_from_db()
    assert job.state == RUNNING

    stuck(job, 6 * MINUTE)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert follow_job(client, client.post(url)).pk == job.pk
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.state == READY
    assert job.attempts == 1
    assert DocumentJob.objects.count() == 1


def test_asking_again_for_a_failed_document_sends_it_again(
    client, member, publication, administrator, django_capture_on_commit_callbacks
):
    job = certificate_job(publication, administrator, state=FAILED)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificate-download", args=[publication.pk]))
    job.refresh_from_db()
    assert job.state == READY


def test_a_stuck_job_page_offers_try_again(
    client, member, publication, administrator, django_capture_on_commit_callbacks
):
    job = certificate_job(publication, administrator)
    client.force_login(member)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Being made" in page
    assert "Try again" not in page
    assert 'http-equiv="refresh"' not in page
    assert "Check again" in page
    # Try again on a job still within its time changes nothing (a forged or stale form).
    with django_capture_on_commit_callbacks(execute=True) as sent:
        client.post(reverse("document-job-retry", args=[job.pk]))
    assert sent == []
    assert DocumentJob.objects.get(pk=job.pk).state == RUNNING

    stuck(job, 6 * MINUTE)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Taking too long" in page
    assert "Try again" in page
    assert "Check again" not in page
    assert "Being made" not in page
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = client.post(reverse("document-job-retry", args=[job.pk]))
    assert response.status_code == 302
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.state == READY


def test_pressing_try_again_twice_sends_once(publication, administrator):
    job = stuck(certificate_job(publication, administrator, state=QUEUED), 6 * MINUTE)
    seen_twice = DocumentJob.objects.get(pk=job.pk)
    sent = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document_services, "_enqueue", lambda job: sent.append(job.pk))
        document_services.document_job_retry(job=job)
        # Read before the first press changed it.
        document_services.document_job_retry(job=seen_twice)
    assert sent == [job.pk]


def test_the_sweep_fails_only_long_stuck_jobs(publication, administrator, assessment):
    def make(kind, state, age, **subject):
        job = DocumentJob.objects.create(
            organisation=publication.organisation,
            kind=kind,
            state=state,
            fingerprint=f"{kind}-{state}-{age}",
            requested_by=administrator,
            **subject,
        )
        return stuck(job, age)

    on_publication = {"publication": publication, "subject": f"publication:{publication.pk}"}
    on_assessment = {"assessment": assessment, "subject": f"assessment:{assessment.pk}"}
    abandoned = [
        make(CERTIFICATE, RUNNING, 16 * MINUTE, **on_publication),
        make(ASSESSMENT_XLSX, QUEUED, 16 * MINUTE, **on_assessment),
        make(ASSESSMENT_XLSX, RUNNING, 10 * MINUTE, **on_assessment),
    ]
    left = [
        make(CERTIFICATE, RUNNING, 14 * MINUTE, **on_publication),  # stale, may still finish
        make(PUBLICATION_XLSX, QUEUED, 6 * MINUTE, **on_publication),
        make(ASSESSMENT_XLSX, READY, timedelta(days=30), **on_assessment),
    ]
    assert tasks.fail_abandoned_document_jobs.delay().get() == 3
    for job in abandoned:
        job.refresh_from_db()
        assert job.state == FAILED
        assert job.error_message == jobs.FAILED_MESSAGE
    states = [DocumentJob.objects.get(pk=job.pk).state for job in left]
    assert states == [RUNNING, QUEUED, READY]


def broker_down(monkeypatch):
    def refuse(job_id):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379.")

    monkeypatch.setattr(document_services, "_send", refuse)


@pytest.mark.django_db(transaction=True)
def test_broker_down_when_asking_gives_a_503_and_leaves_nothing_queued(
    client, member, publication, administrator, monkeypatch
):
    broker_down(monkeypatch)
    client.force_login(member)
    for url in (
        reverse("certificate-download", args=[publication.pk]),
        reverse("publication-download", args=[publication.pk]),
        reverse("assessment-download", args=[publication.bank.year]),
    ):
        response = client.post(url)
        assert response.status_code == 503, url
        page = response.content.decode()
        assert "We could not start making your document – try again in a few minutes" in page
        assert "Error 111" not in page
    assert not DocumentJob.objects.filter(state__in=[QUEUED, RUNNING]).exists()

    # Try again while it is still down: the same page, and the job is failed again, not queued.
    job = DocumentJob.objects.filter(kind=CERTIFICATE).get()
    assert client.post(reverse("document-job-retry", args=[job.pk])).status_code == 503
    job.refresh_from_db()
    assert job.state == FAILED

    monkeypatch.undo()  # the broker is back (tasks run in-process in the test settings)
    job = follow_job(client, client.post(reverse("certificate-download", args=[publication.pk])))
    job.refresh_from_db()
    assert job.state == READY


def test_broker_down_after_commit_marks_the_job_failed(
    client, member, publication, monkeypatch, django_capture_on_commit_callbacks
):
    # Asked for inside a transaction, the task goes once it commits: the job cannot be left queued.
    broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        job = document_services.document_job_request(
            organisation=publication.organisation,
            kind=CERTIFICATE,
            publication=publication,
            user=member,
        )
    job.refresh_from_db()
    assert job.state == FAILED


def test_a_database_blip_while_making_is_retried_with_backoff(
    publication, administrator, monkeypatch
):
    job = certificate_job(publication, administrator, state=QUEUED)
    retried = []

    def down(*, job_id):
        raise OperationalError("server closed the connection unexpectedly")

    def retry(*, exc, countdown):
        retried.append(countdown)
        return Retry(exc=exc, when=countdown)

    monkeypatch.setattr(jobs, "document_job_run", down)
    monkeypatch.setattr(tasks.build_document, "retry", retry)
    for attempt in range(len(tasks.RETRY_DELAYS)):
        with pytest.raises(Retry):
            tasks.build_document.apply(args=(job.pk,), retries=attempt, throw=True)
    assert retried == list(tasks.RETRY_DELAYS) == [5, 10, 20, 40, 80, 160]
    # Out of retries: the job is failed, its page offers Try again.
    assert tasks.build_document.apply(args=(job.pk,), retries=len(tasks.RETRY_DELAYS)).get() == (
        "failed"
    )
    job.refresh_from_db()
    assert job.state == FAILED


def test_marking_a_job_failed_survives_a_database_blip(publication, administrator, monkeypatch):
    job = certificate_job(publication, administrator)
    scheduled = []

    def down(*, job_id, error=None):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(jobs, "document_job_run", down)
    monkeypatch.setattr(jobs, "document_job_fail", down)
    monkeypatch.setattr(
        tasks.mark_document_failed,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )
    tasks.build_document.apply(args=(job.pk,), retries=len(tasks.RETRY_DELAYS))
    assert scheduled == [((job.pk,), tasks.FAIL_RETRY_DELAYS[0])]
    job.refresh_from_db()
    assert job.state == RUNNING  # the database was down: nothing could be written

    monkeypatch.undo()  # the database is back: the scheduled task marks it failed
    tasks.mark_document_failed.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == FAILED
    assert "Try again" in job.error_message


def test_a_storage_error_is_worth_another_go(publication, administrator, monkeypatch):
    job = certificate_job(publication, administrator, state=QUEUED)

    def full(self, name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", full)
    with pytest.raises(jobs.StorageUnavailable):
        jobs.document_job_run(job_id=job.pk)
    assert issubclass(jobs.StorageUnavailable, tasks.TRANSIENT_ERRORS)
    job.refresh_from_db()
    assert job.state == RUNNING
    assert not job.file


@pytest.mark.parametrize("module", [jobs, tasks])
def test_no_import_cycle_between_jobs_and_tasks(module):
    # The tasks call jobs; only documents.services sends tasks (docs/adr/0005). An import back,
    # even inside a function, would bring the cycle back.
    forbidden = {"tasks", "services"} - {module.__name__.rsplit(".", 1)[1]}
    imported = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if isinstance(node, ast.ImportFrom):
            base = (node.module or "").removeprefix("documents").lstrip(".")
            imported.add(base.split(".")[0])
            if not base:
                imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            imported.update(alias.name.removeprefix("documents.") for alias in node.names)
    assert not imported & forbidden


def test_a_job_page_without_script_never_reloads_itself_and_offers_check_again(
    client, member, publication, administrator
):
    job = certificate_job(publication, administrator, state=DocumentJob.State.QUEUED)
    client.force_login(member)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "http-equiv" not in page
    assert "Queued" in page
    assert "js/job-status.js" in page
    # "Check again" is a plain GET of the same page: it works without script.
    assert re.search(
        rf'<form method="get" action="{re.escape(job.get_absolute_url())}">\s*'
        r'<button[^>]*type="submit">Check again</button>',
        page,
    )
    assert f'data-job-status-url="{reverse("document-job-status", args=[job.pk])}"' in page


def test_the_status_follows_the_job_and_gives_its_part_of_the_page(
    client, member, publication, administrator
):
    job = certificate_job(publication, administrator, state=RUNNING)
    DocumentJob.objects.filter(pk=job.pk).update(progress=40)
    client.force_login(member)
    url = reverse("document-job-status", args=[job.pk])

    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    status = response.json()
    assert (status["state"], status["finished"], status["percent"]) == ("running", False, 40)
    assert status["text"] == "Your document is being made: 40% done."
    assert "Being made" in status["html"]

    DocumentJob.objects.filter(pk=job.pk).update(
        state=READY, file_name="certificate.pdf", finished_at=timezone.now()
    )
    status = client.get(url).json()
    assert (status["state"], status["finished"]) == ("ready", True)
    assert status["text"] == "Your document is ready."
    # The script moves focus to the element marked data-job-focus: the download link.
    assert re.search(r'<a [^>]*href="[^"]*/file/"[^>]*data-job-focus', status["html"])
    assert "Download certificate.pdf" in status["html"]

    DocumentJob.objects.filter(pk=job.pk).update(
        state=DocumentJob.State.FAILED, error_message="Sorry, we could not make this document."
    )
    status = client.get(url).json()
    assert (status["state"], status["finished"]) == ("failed", True)
    assert "Try again" in status["html"]
    assert "data-job-focus" not in status["html"]


def test_a_stale_job_status_is_finished_and_offers_try_again(
    client, member, publication, administrator
):
    job = stuck(certificate_job(publication, administrator), 6 * MINUTE)
    client.force_login(member)
    status = client.get(reverse("document-job-status", args=[job.pk])).json()
    assert status["finished"] is True
    assert status["text"] == "Your document is taking too long."
    assert "Try again" in status["html"]


def test_another_organisations_job_status_is_not_found(
    client, outsider, publication, administrator
):
    job = certificate_job(publication, administrator)
    client.force_login(outsider)
    assert client.get(reverse("document-job-status", args=[job.pk])).status_code == 404
