"""The events the services record when a person acts: who, from where, about which organisation,
and nothing when the action is refused or fails."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import Assessment, Document
from audit.models import AuditEvent, Event
from documents.models import DocumentJob
from publishing.models import Publication

from ..conftest import PASSWORD
from ..factories import bank_build, library_document_with_file

pytestmark = pytest.mark.django_db

BROWSER = "Test browser/1.0"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def only_event() -> AuditEvent:
    (event,) = AuditEvent.objects.exclude(event__in=[Event.SIGNED_IN, Event.SIGNED_OUT])
    return event


def nothing_recorded() -> bool:
    return not AuditEvent.objects.exclude(event__in=[Event.SIGNED_IN, Event.SIGNED_OUT]).exists()


# --- The second step of signing in -------------------------------------------------------------


@pytest.fixture
def signed_in_with_password(client, member):
    device = TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    response = client.post(reverse("sign-in"), {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302
    return device


def test_an_accepted_code_is_recorded_against_the_person(client, member, signed_in_with_password):
    response = client.post(
        reverse("mfa-verify"),
        {"code": totp(signed_in_with_password.bin_key)},
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 302
    event = only_event()
    assert (event.event, event.user, event.actor_email) == (
        Event.MFA_VERIFIED,
        member,
        member.email,
    )
    assert event.organisation is None
    assert (event.ip_address, event.user_agent) == ("127.0.0.1", BROWSER)


def test_a_refused_code_is_recorded_as_refused(client, member, signed_in_with_password):
    response = client.post(reverse("mfa-verify"), {"code": "12345678"})
    assert response.status_code == 400
    event = only_event()
    assert (event.event, event.user, event.organisation) == (Event.MFA_FAILED, member, None)


def test_an_empty_code_records_nothing(client, signed_in_with_password):
    assert client.post(reverse("mfa-verify"), {"code": ""}).status_code == 400
    assert nothing_recorded()


# --- Evidence documents ------------------------------------------------------------------------


def evidence_document(organisation) -> Document:
    return library_document_with_file(organisation, name="IG policy.pdf").current_version


def test_downloading_evidence_is_recorded(client, viewer, organisation):
    document = evidence_document(organisation)
    client.force_login(viewer)
    response = client.get(reverse("document-download", args=[document.pk]))
    assert response.status_code == 200
    event = only_event()
    assert (event.event, event.detail) == (Event.DOCUMENT_DOWNLOADED, "IG policy.pdf")
    assert (event.user, event.organisation, event.ip_address) == (
        viewer,
        organisation,
        "127.0.0.1",
    )


def test_a_missing_evidence_file_is_not_recorded_as_downloaded(client, viewer, organisation):
    document = evidence_document(organisation)
    document.file.storage.delete(document.file.name)
    client.force_login(viewer)
    assert client.get(reverse("document-download", args=[document.pk])).status_code == 404
    assert nothing_recorded()


# --- Documents made in the background ----------------------------------------------------------


def publication_with_certificate(organisation, administrator, *, level: str = "met"):
    bank = bank_build(items_per_section=1)
    publication = Publication.objects.create(
        organisation=organisation,
        bank=bank,
        assessment=Assessment.objects.create(organisation=organisation, bank=bank),
        sequence=1,
        level=level,
        published_at=timezone.now(),
        published_by=administrator,
        published_by_name=administrator.full_name,
        published_as_name=organisation.name,
        published_as_ods_code=organisation.ods_code,
    )
    job = DocumentJob.objects.create(
        organisation=organisation,
        kind=DocumentJob.Kind.CERTIFICATE,
        publication=publication,
        subject=f"publication:{publication.pk}",
        fingerprint="published",
        state=DocumentJob.State.READY,
        file_name="certificate.pdf",
        content_type="application/pdf",
    )
    job.file.save("certificate.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return publication, job


def test_asking_for_a_document_is_recorded(client, viewer, administrator, organisation):
    publication, job = publication_with_certificate(organisation, administrator)
    client.force_login(viewer)
    response = client.post(reverse("certificate-download", args=[publication.pk]))
    assert response.status_code == 302
    event = only_event()
    assert (event.event, event.detail) == (Event.EXPORT_REQUESTED, str(job))
    assert (event.user, event.organisation, event.ip_address) == (
        viewer,
        organisation,
        "127.0.0.1",
    )


def test_a_refused_document_request_is_not_recorded(client, viewer, administrator, organisation):
    publication, _ = publication_with_certificate(organisation, administrator, level="approaching")
    client.force_login(viewer)
    assert client.post(reverse("certificate-download", args=[publication.pk])).status_code == 404
    assert nothing_recorded()


def test_downloading_a_document_is_recorded(client, viewer, administrator, organisation):
    _, job = publication_with_certificate(organisation, administrator)
    client.force_login(viewer)
    assert client.get(reverse("document-job-file", args=[job.pk])).status_code == 200
    event = only_event()
    assert (event.event, event.detail) == (Event.EXPORT_DOWNLOADED, "certificate.pdf")
    assert (event.user, event.organisation) == (viewer, organisation)


def test_a_missing_document_file_is_not_recorded_as_downloaded(
    client, viewer, administrator, organisation
):
    _, job = publication_with_certificate(organisation, administrator)
    job.file.storage.delete(job.file.name)
    client.force_login(viewer)
    assert client.get(reverse("document-job-file", args=[job.pk])).status_code == 404
    assert nothing_recorded()
