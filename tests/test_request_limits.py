"""Request bodies are capped: too big a body is a plain 413 or 400 page, never a 500, and the
biggest legitimate forms (a 10 MB evidence file, an HQ publishing for all its branches) still
fit."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Answer
from organisations.models import Organisation

from .factories import answer_items, bank_build

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF = b"%PDF-1.7\n"


def test_the_limits_are_set_deliberately():
    assert settings.DSPT_MAX_REQUEST_BODY_BYTES == 12 * MB
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 10_000
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2 * MB
    assert "dspt_portal.request_limits.RequestBodyLimitMiddleware" in settings.MIDDLEWARE


@pytest.fixture
def assessment(organisation):
    bank = bank_build(items_per_section=4)
    return assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)


def document_item(assessment):
    return assessment.bank.items.filter(answer_type="document").order_by("position").first()


def upload(client, assessment, data: bytes):
    item = document_item(assessment)
    url = reverse("evidence-item", args=[assessment.bank.year, item.ref])
    return client.post(
        url, {"version": 0, "comments": "", "upload": SimpleUploadedFile("policy.pdf", data)}
    )


def test_a_body_over_the_limit_is_refused_with_a_413_page_before_it_is_read(
    client, member, assessment
):
    client.force_login(member)
    response = upload(client, assessment, PDF + bytes(13 * MB))
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too big" in page
    assert "smaller than 10 MB" in page
    assert 'class="nhsuk-header' in page  # the full NHS.UK page, signed in
    assert not Answer.objects.exists()


def test_a_declared_length_alone_is_enough_to_refuse(client, member):
    client.force_login(member)
    response = client.generic(
        "POST",
        reverse("profile-edit"),
        b"x=1",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(10 * 1024 * MB),
    )
    assert response.status_code == 413
    anonymous = client.generic(
        "POST",
        reverse("sign-in"),
        b"",
        CONTENT_LENGTH=str(settings.DSPT_MAX_REQUEST_BODY_BYTES + 1),
    )
    assert anonymous.status_code == 413


def test_a_ten_megabyte_evidence_file_still_fits(client, member, assessment, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(member)
    response = upload(client, assessment, PDF + bytes(10 * MB - len(PDF)))
    assert response.status_code == 302
    assert Answer.objects.get().library_document.current_version.size == 10 * MB


def test_too_much_form_data_is_a_400_page(client):
    response = client.post(reverse("sign-in"), {"username": "x" * (3 * MB), "password": "y"})
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in response.content.decode()


def test_too_many_fields_is_a_400_page(client):
    body = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.post(
        reverse("sign-in"), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Sorry, there is a problem with your request" in response.content.decode()


def test_an_hq_can_publish_for_more_than_a_thousand_branches(
    client, administrator, organisation, assessment
):
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    Organisation.objects.bulk_create(
        Organisation(ods_code=f"1{n:04d}", name=f"Branch {n:04d}", parent=organisation)
        for n in range(1_500)
    )
    answer_items(assessment, administrator)
    client.force_login(administrator)
    assert client.post(reverse("publish-profile"), {"confirm": "on"}).status_code == 302
    every_branch = [str(pk) for pk in organisation.branches.values_list("pk", flat=True)]
    response = client.post(reverse("publish-sites"), {"sites": every_branch})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("publish-summary")


def test_an_hq_with_two_thousand_branches_publishes_for_all_of_them(
    client, administrator, organisation, assessment, django_assert_max_num_queries
):
    from publishing.models import Publication

    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    Organisation.objects.bulk_create(
        Organisation(ods_code=f"V{n:04d}", name=f"Branch {n:04d}", parent=organisation)
        for n in range(2_000)
    )
    answer_items(assessment, administrator)
    client.force_login(administrator)
    assert client.post(reverse("publish-profile"), {"confirm": "on"}).status_code == 302
    page = client.get(reverse("publish-sites")).content.decode()
    assert "Publish for all 2000 sites" in page

    # One field, whatever the number of branches: the list comes from the server.
    response = client.post(reverse("publish-sites"), {"choose": "all"})
    assert response["Location"] == reverse("publish-summary")
    summary = client.get(reverse("publish-summary")).content.decode()
    assert "2000 sites" in summary
    assert "See the 2000 sites" in summary
    with django_assert_max_num_queries(40):
        response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    publication = Publication.objects.get()
    assert publication.sites.count() == 2_000


def test_publishing_for_all_sites_never_takes_sites_from_the_request(
    client, administrator, organisation, assessment, other_organisation
):
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    Organisation.objects.bulk_create(
        Organisation(ods_code=f"V{n:04d}", name=f"Branch {n:04d}", parent=organisation)
        for n in range(3)
    )
    answer_items(assessment, administrator)
    client.force_login(administrator)
    client.post(reverse("publish-profile"), {"confirm": "on"})
    client.post(reverse("publish-sites"), {"choose": "all", "sites": [str(other_organisation.pk)]})
    summary = client.get(reverse("publish-summary")).content.decode()
    assert other_organisation.name not in summary
    assert summary.count("Branch 000") == 3
