"""Files in S3-compatible object storage (DSPT_S3_BUCKET): evidence, documents and their
downloads, against a real S3-compatible server on loopback (moto's standalone server).

Nothing lands in the local folder; downloads are redirects to signed, short-lived addresses that
name the file; only the organisation's people are sent to one.
"""

import io
import urllib.request
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Document
from documents import services as document_services
from documents.models import DocumentJob

from .factories import answer_items, bank_build

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def empty_local_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def object_names(bucket) -> list[str]:
    listing = bucket["client"].list_objects_v2(Bucket=bucket["name"])
    return [entry["Key"] for entry in listing.get("Contents", [])]


def follow(signed_url: str):
    with urllib.request.urlopen(signed_url, timeout=10) as response:
        return response.read(), response.headers


def assert_signed_for_a_minute(url: str, bucket) -> dict:
    parts = urlsplit(url)
    assert url.startswith(bucket["endpoint"])
    query = parse_qs(parts.query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    return query


def test_evidence_is_stored_in_the_bucket_and_downloaded_through_a_signed_address(
    client, member, viewer, other_organisation, s3_bucket, empty_local_folder
):
    from organisations.roles import Role

    from .factories import MembershipFactory

    bank = bank_build(items_per_section=4)
    client.force_login(member)
    response = client.post(
        reverse("evidence-item", args=[bank.year, "2.1.1"]),
        {"version": 0, "comments": "", "upload": SimpleUploadedFile("IG policy.pdf", PDF)},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert object_names(s3_bucket) == [document.file.name]
    assert not empty_local_folder.exists() or not any(empty_local_folder.rglob("*.pdf"))
    stored = s3_bucket["client"].get_object(Bucket=s3_bucket["name"], Key=document.file.name)
    assert stored["Body"].read() == PDF

    url = reverse("document-download", args=[document.pk])
    for person in (member, viewer):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Cache-Control"] == "private, no-store"
        query = assert_signed_for_a_minute(response["Location"], s3_bucket)
        assert "IG policy.pdf" in query["response-content-disposition"][0]
        body, headers = follow(response["Location"])
        assert body == PDF
        assert headers["Content-Disposition"].startswith("attachment")
        assert headers["Content-Type"] == "application/pdf"

    stranger = MembershipFactory(organisation=other_organisation, role=Role.ADMINISTRATOR).user
    client.force_login(stranger)
    refused = client.get(url)
    assert refused.status_code == 404
    assert s3_bucket["endpoint"] not in refused.content.decode()


def test_a_missing_object_is_a_404_not_a_redirect(client, member, s3_bucket):
    bank = bank_build(items_per_section=4)
    client.force_login(member)
    client.post(
        reverse("evidence-item", args=[bank.year, "2.1.1"]),
        {"version": 0, "comments": "", "upload": SimpleUploadedFile("policy.pdf", PDF)},
    )
    document = Document.objects.get()
    s3_bucket["client"].delete_object(Bucket=s3_bucket["name"], Key=document.file.name)
    assert client.get(reverse("document-download", args=[document.pk])).status_code == 404


def test_a_document_job_writes_to_the_bucket_and_its_download_is_signed(
    client, organisation, administrator, s3_bucket, django_capture_on_commit_callbacks
):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    with django_capture_on_commit_callbacks(execute=True):
        job = document_services.document_job_request(
            organisation=organisation,
            kind=DocumentJob.Kind.ASSESSMENT_XLSX,
            assessment=assessment,
            user=administrator,
        )
    job.refresh_from_db()  # the task ran in-process (eager) and wrote through the storage API
    assert job.state == DocumentJob.State.READY, job.error_message
    assert object_names(s3_bucket) == [job.file.name]

    client.force_login(administrator)
    response = client.get(reverse("document-job-file", args=[job.pk]))
    assert response.status_code == 302
    assert_signed_for_a_minute(response["Location"], s3_bucket)
    body, _headers = follow(response["Location"])
    assert openpyxl.load_workbook(io.BytesIO(body)).sheetnames[0] == "Summary"


def test_without_a_bucket_files_stay_in_the_private_folder_and_stream(
    client, member, settings, empty_local_folder
):
    assert not settings.DSPT_S3_BUCKET
    bank = bank_build(items_per_section=4)
    client.force_login(member)
    client.post(
        reverse("evidence-item", args=[bank.year, "2.1.1"]),
        {"version": 0, "comments": "", "upload": SimpleUploadedFile("policy.pdf", PDF)},
    )
    document = Document.objects.get()
    assert (empty_local_folder / document.file.name).read_bytes() == PDF
    response = client.get(reverse("document-download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_the_open_data_file_is_built_into_the_bucket_and_handed_out_signed(client, s3_bucket):
    import gzip

    from register.services import open_data_file_build

    from .factories import OrganisationFactory

    OrganisationFactory(ods_code="VM8L1", name="Langdale House")
    record = open_data_file_build()
    assert object_names(s3_bucket) == [record.file.name]

    response = client.get(reverse("open-data"))
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"  # the address dies in a minute
    query = assert_signed_for_a_minute(response["Location"], s3_bucket)
    assert query["response-cache-control"] == ["public, max-age=3600"]
    body, headers = follow(response["Location"])
    assert headers["Content-Disposition"].startswith("attachment")
    assert "VM8L1,Langdale House" in gzip.decompress(body).decode("utf-8-sig")
