"""Opening a year's assessment only reads; starting it is an explicit POST that carries last
year's answers forward once."""

import pytest
from django.urls import reverse

from assessments import services
from assessments.models import Answer, Assessment
from organisations.models import OrganisationProfile

from ..factories import bank_build


@pytest.fixture
def banks(db):
    last_year = bank_build(year="2025-26")
    return last_year, bank_build(year="2026-27", previous_year="2025-26")


@pytest.fixture
def last_years_answer(banks, organisation, member):
    last_year, _ = banks
    assessment = services.assessment_get_or_create(organisation=organisation, bank=last_year)
    item = last_year.items.get(ref="1.1.1")
    services.answer_save(
        assessment=assessment,
        item=item,
        values={"text": "Our policy, reviewed in March", "comments": ""},
        expected_version=0,
        user=member,
    )
    return item


@pytest.mark.django_db
def test_a_viewer_opening_the_new_year_creates_nothing(client, viewer, organisation, banks):
    client.force_login(viewer)
    for name, args in (
        ("assessment-current", []),
        ("assessment-overview", ["2026-27"]),
        ("evidence-item", ["2026-27", "1.1.1"]),
        ("evidence-history", ["2026-27", "1.1.1"]),
    ):
        client.get(reverse(name, args=args), follow=True)
    page = client.get(reverse("assessment-overview", args=["2026-27"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "has started the 2026-27 assessment yet" in text
    # Viewers cannot start it: no button, no form.
    assert "Start the 2026-27 assessment" not in text
    assert reverse("assessment-start", args=["2026-27"]) not in text
    assert not Assessment.objects.exists()
    # Nor by a forged POST.
    assert client.post(reverse("assessment-start", args=["2026-27"])).status_code == 403
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_an_item_page_before_the_start_goes_to_the_start_page(client, member, banks):
    client.force_login(member)
    response = client.get(reverse("evidence-item", args=["2026-27", "1.1.1"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment-overview", args=["2026-27"])
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_starting_carries_last_years_answers_forward_once(
    client, member, organisation, banks, last_years_answer
):
    client.force_login(member)
    page = client.get(reverse("assessment-overview", args=["2026-27"])).content.decode()
    assert "Starting copies your 1 answer from 2025-26" in page
    assert Assessment.objects.filter(bank__year="2026-27").count() == 0
    start = reverse("assessment-start", args=["2026-27"])
    assert client.get(start).status_code == 405  # only a POST starts it
    response = client.post(start)
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment-overview", args=["2026-27"])
    assessment = Assessment.objects.get(bank__year="2026-27")
    copied = Answer.objects.get(assessment=assessment)
    assert copied.text == "Our policy, reviewed in March"
    assert copied.needs_review
    # A second press (two tabs, a double click) finds it started: nothing copied twice.
    client.post(start)
    assert Assessment.objects.filter(bank__year="2026-27").count() == 1
    assert Answer.objects.filter(assessment=assessment).count() == 1
    overview = client.get(reverse("assessment-overview", args=["2026-27"])).content.decode()
    assert "Carried forward – review" in overview


@pytest.mark.django_db
def test_saving_an_answer_starts_the_assessment(client, member, banks):
    """A form opened before someone else started it, or a direct post: saving is a write."""
    client.force_login(member)
    response = client.post(
        reverse("evidence-item", args=["2026-27", "1.1.1"]),
        {"version": "0", "text": "Saved straight away", "comments": ""},
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(bank__year="2026-27")
    assert assessment.answers.get().text == "Saved straight away"


@pytest.mark.django_db
def test_publishing_and_downloading_never_start_it(client, administrator, organisation, banks):
    client.force_login(administrator)
    overview = reverse("assessment-overview", args=["2026-27"])
    for name in ("publish-start", "publish-profile", "publish-summary", "action-plan"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == overview
    response = client.post(reverse("assessment-download", args=["2026-27"]))
    assert response["Location"] == overview
    assert not Assessment.objects.exists()


@pytest.mark.django_db
def test_the_profile_pages_do_not_create_a_profile(client, administrator, organisation):
    OrganisationProfile.objects.filter(organisation=organisation).delete()
    client.force_login(administrator)
    assert client.get(reverse("profile")).status_code == 200
    assert not OrganisationProfile.objects.filter(organisation=organisation).exists()
