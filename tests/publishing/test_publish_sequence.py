"""The publication number comes from the server: a forged or stale one is a form error, never a
500 and never a gap in the numbers."""

import pytest
from django.urls import reverse

from publishing import services
from publishing.forms import STALE_PAGE
from publishing.models import Publication

from ..factories import answer_items
from ..pages import walk_to_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(client, administrator, assessment):
    answer_items(assessment, administrator)
    client.force_login(administrator)
    walk_to_summary(client)
    return client


@pytest.mark.parametrize(
    "sequence",
    [
        "2",  # skips a number
        "2147483648",  # one more than the column holds: was a DataError, a 500
        "9" * 40,
        "9" * 5000,  # more digits than Python turns into a number by default
        "0",
        "-1",
        "1.5",
        "1e3",
        "one",
        "",
    ],
)
def test_a_forged_sequence_is_refused_with_the_error_summary(ready, sequence):
    response = ready.post(reverse("publish-summary"), {"level": "met", "sequence": sequence})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert STALE_PAGE in page
    assert not Publication.objects.exists()


def test_a_missing_sequence_is_refused(ready):
    response = ready.post(reverse("publish-summary"), {"level": "met"})
    assert response.status_code == 400
    assert STALE_PAGE in response.content.decode()
    assert not Publication.objects.exists()


def test_the_page_offers_the_next_number_and_it_publishes(ready):
    page = ready.get(reverse("publish-summary")).content.decode()
    assert 'name="sequence" value="1"' in page
    response = ready.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    assert response.status_code == 302
    assert Publication.objects.get().sequence == 1


def test_the_service_refuses_a_number_that_skips_ahead(administrator, assessment):
    answer_items(assessment, administrator)
    with pytest.raises(services.PublishError) as refused:
        services.publication_create(
            assessment=assessment, level="met", site_ids=[], sequence=3, user=administrator
        )
    assert refused.value.message == STALE_PAGE
    assert not Publication.objects.exists()
