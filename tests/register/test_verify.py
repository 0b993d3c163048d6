import datetime

import pytest
import time_machine
from django.urls import reverse

from assessments import services as assessment_services
from publishing import services
from register.certificate_codes import normalise_code

from ..factories import answer_items, bank_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def publication(organisation, administrator):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )


def verify(client, code):
    return client.get(reverse("certificate-verify", args=[code]))


def test_a_genuine_current_certificate(client, publication):
    response = verify(client, publication.verification_code)
    body = response.content.decode()
    assert response.status_code == 200
    assert "This certificate is genuine and current" in body
    assert publication.published_as_name in body
    assert "Standards Met" in body
    assert "2025-26" in body
    # Nothing else: no people, no answers.
    assert publication.published_by_name not in body
    assert "We do this" not in body


def test_codes_are_long_and_unguessable(publication):
    code = publication.verification_code.replace("-", "")
    assert len(code) == 20  # 100 bits


def test_a_superseded_certificate(client, publication, administrator):
    services.publication_create(
        assessment=publication.assessment,
        level="met",
        site_ids=[],
        sequence=2,
        user=administrator,
    )
    body = verify(client, publication.verification_code).content.decode()
    assert "genuine but has been replaced" in body


def test_an_out_of_date_certificate(client, publication):
    # 2025-26 stays current until the 2026-27 deadline: 30 June 2027 when not yet loaded.
    with time_machine.travel(datetime.datetime(2027, 7, 2, 12, 0, tzinfo=datetime.UTC), tick=False):
        body = verify(client, publication.verification_code).content.decode()
    assert "genuine but out of date" in body


@pytest.mark.parametrize("code", ["ABCDE-FGHJK-MNPQR-STVWX", "00000-00000-00000-00000"])
def test_an_unknown_code(client, db, code):
    response = verify(client, code)
    assert response.status_code == 404
    assert "We have no certificate with the code" in response.content.decode()


@pytest.mark.parametrize(
    "code", ["short", "ABCDE-FGHJK-MNPQR-STVWU", "<script>", "x" * 80, "'; --"]
)
def test_a_malformed_code(client, db, code):
    response = verify(client, code)
    assert response.status_code == 404
    assert "is not a certificate code" in response.content.decode()
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_a_code_typed_loosely_is_understood(client, publication):
    loose = publication.verification_code.lower().replace("-", " ")
    assert normalise_code(loose) == publication.verification_code
    response = client.get(f"/verify/{loose}/")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "certificate-verify", args=[publication.verification_code]
    )
