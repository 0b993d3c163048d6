import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from assessments import services as assessment_services
from publishing import jobs, services
from publishing.models import DocumentJob

from ..factories import bank_build
from .test_publish_flow import answer_items

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
    assert job.state == DocumentJob.State.READY and job.progress == 100
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Ready" in page and 'http-equiv="refresh"' not in page
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
    assert "Sorry, we could not make this document" in page and "Try again" in page
    assert "renderer exploded" not in page
    assert client.get(reverse("document-job-file", args=[job.pk])).status_code == 404

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("document-job-retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == DocumentJob.State.READY and job.attempts == 2


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
    assert again.file.name == first_file and again.attempts == 1


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
