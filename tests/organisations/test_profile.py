import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import IntegrityError, transaction
from django.urls import reverse

from organisations.models import Organisation, OrganisationProfile

from ..factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def profile_data(**changes):
    data = {
        "version": "0",
        "caldicott_guardian": "Dr Cal Dicott",
        "senior_information_risk_owner": "Sam Siro",
        "information_governance_lead": "",
        "data_protection_officer": "",
        "nhsmail_only": "no",
        "cyber_essentials_plus": "yes",
        "cyber_essentials_plus_certificate_number": "CEP-12345",
        "cyber_essentials_plus_expires_on_0": "31",
        "cyber_essentials_plus_expires_on_1": "3",
        "cyber_essentials_plus_expires_on_2": "2027",
    }
    data.update(changes)
    return data


def test_an_administrator_records_cyber_essentials_plus(client, administrator, organisation):
    client.force_login(administrator)
    response = client.post(reverse("profile-edit"), profile_data())
    assert response.status_code == 302
    profile = OrganisationProfile.objects.get(organisation=organisation)
    assert profile.cyber_essentials_plus == "yes"
    assert profile.cyber_essentials_plus_expires_on == datetime.date(2027, 3, 31)
    assert profile.updated_by == administrator
    page = client.get(reverse("profile")).content.decode()
    assert "CEP-12345" in page
    assert "31 March 2027" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"cyber_essentials_plus_certificate_number": ""},
            "Enter your Cyber Essentials Plus certificate number",
        ),
        (
            {
                "cyber_essentials_plus_expires_on_0": "",
                "cyber_essentials_plus_expires_on_1": "",
                "cyber_essentials_plus_expires_on_2": "",
            },
            "Enter the date your Cyber Essentials Plus certificate expires",
        ),
        ({"cyber_essentials_plus_expires_on_1": "13"}, "must be a real date"),
        ({"cyber_essentials_plus": "maybe"}, "Select a valid choice"),
        ({"caldicott_guardian": "x" * 151}, "Ensure this value has at most 150 characters"),
    ],
)
def test_profile_errors(client, administrator, organisation, changes, message):
    client.force_login(administrator)
    response = client.post(reverse("profile-edit"), profile_data(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert OrganisationProfile.objects.get(organisation=organisation).version == 0


def test_answering_no_clears_the_certificate(client, administrator, organisation):
    client.force_login(administrator)
    client.post(reverse("profile-edit"), profile_data())
    client.post(reverse("profile-edit"), profile_data(version="1", cyber_essentials_plus="no"))
    profile = OrganisationProfile.objects.get(organisation=organisation)
    assert profile.cyber_essentials_plus == "no"
    assert profile.cyber_essentials_plus_certificate_number == ""
    assert profile.cyber_essentials_plus_expires_on is None


def test_two_people_editing_the_profile_do_not_overwrite_each_other(
    client, administrator, organisation
):
    client.force_login(administrator)
    assert (
        client.post(reverse("profile-edit"), profile_data(caldicott_guardian="First")).status_code
        == 302
    )
    # A second tab still holds version 0.
    stale = client.post(reverse("profile-edit"), profile_data(caldicott_guardian="Second"))
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Someone else changed the organisation profile" in body
    assert "First" in body
    assert 'value="Second"' in body
    assert OrganisationProfile.objects.get(organisation=organisation).caldicott_guardian == "First"


def test_members_and_viewers_cannot_change_the_profile(client, member, viewer):
    for person in (member, viewer):
        client.force_login(person)
        assert client.get(reverse("profile")).status_code == 200
        assert client.post(reverse("profile-edit"), profile_data()).status_code == 403


def test_the_database_refuses_a_yes_without_a_certificate(organisation):
    profile = organisation.profile
    profile.cyber_essentials_plus = "yes"
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationProfile.objects.filter(pk=profile.pk).update(cyber_essentials_plus="yes")


def test_hq_profile_lists_its_branches(client, administrator, organisation):
    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    OrganisationFactory(ods_code="VBR11", name="Branch One", parent=organisation)
    OrganisationFactory(ods_code="VBR12", name="Branch Two", parent=organisation)
    client.force_login(administrator)
    page = client.get(reverse("profile")).content.decode()
    assert "Branch One" in page
    assert "VBR12" in page


def edit_page(client, data=None) -> BeautifulSoup:
    if data is None:
        response = client.get(reverse("profile-edit"))
    else:
        response = client.post(reverse("profile-edit"), data)
    return BeautifulSoup(response.content, "html.parser")


CERTIFICATE_FIELDS = (
    "id_cyber_essentials_plus_certificate_number",
    "id_cyber_essentials_plus_expires_on_0",
)


def test_the_certificate_is_asked_for_inside_the_yes_answer(client, administrator):
    client.force_login(administrator)
    soup = edit_page(client)
    yes = soup.find("input", attrs={"name": "cyber_essentials_plus", "value": "yes"})
    reveal = soup.find(id=yes["data-reveals"])
    assert "nhsuk-radios__conditional" in reveal["class"]
    assert "nhsuk-radios__conditional--hidden" in reveal["class"]  # not chosen yet
    for field_id in CERTIFICATE_FIELDS:
        assert reveal.find(id=field_id) is not None
        assert len(soup.find_all(id=field_id)) == 1, "drawn once, inside the reveal"
    labels = [label.get_text(strip=True) for label in reveal.find_all(["label", "legend"])]
    assert "Cyber Essentials Plus certificate number" in labels
    assert "Cyber Essentials Plus expiry date" in labels
    assert not any("(optional)" in label for label in labels)
    for value in ("no", "not_sure"):
        other = soup.find("input", attrs={"name": "cyber_essentials_plus", "value": value})
        assert not other.has_attr("data-reveals")


def test_a_yes_without_the_certificate_shows_the_reveal_open_with_its_errors(client, administrator):
    client.force_login(administrator)
    soup = edit_page(
        client,
        profile_data(
            cyber_essentials_plus_certificate_number="",
            cyber_essentials_plus_expires_on_0="",
            cyber_essentials_plus_expires_on_1="",
            cyber_essentials_plus_expires_on_2="",
        ),
    )
    links = {a.get_text(strip=True): a["href"] for a in soup.select(".nhsuk-error-summary a")}
    assert links == {
        "Enter your Cyber Essentials Plus certificate number": (
            "#id_cyber_essentials_plus_certificate_number"
        ),
        "Enter the date your Cyber Essentials Plus certificate expires": (
            "#id_cyber_essentials_plus_expires_on_0"
        ),
    }
    yes = soup.find("input", attrs={"name": "cyber_essentials_plus", "value": "yes"})
    assert yes.has_attr("checked")
    reveal = soup.find(id=yes["data-reveals"])
    assert "nhsuk-radios__conditional--hidden" not in reveal["class"]


@pytest.mark.parametrize("answer", ["no", "not_sure", ""])
def test_other_answers_ignore_whatever_is_in_the_certificate_fields(
    client, administrator, organisation, answer
):
    client.force_login(administrator)
    response = client.post(
        reverse("profile-edit"),
        profile_data(
            cyber_essentials_plus=answer,
            cyber_essentials_plus_certificate_number="x" * 100,  # too long, but not asked for
            cyber_essentials_plus_expires_on_1="13",  # not a date, but not asked for
        ),
    )
    assert response.status_code == 302
    profile = OrganisationProfile.objects.get(organisation=organisation)
    assert profile.cyber_essentials_plus == answer
    assert profile.cyber_essentials_plus_certificate_number == ""
    assert profile.cyber_essentials_plus_expires_on is None


def test_other_peoples_names_are_not_filled_with_the_users_own(client, administrator):
    client.force_login(administrator)
    soup = edit_page(client)
    for name in (
        "caldicott_guardian",
        "senior_information_risk_owner",
        "information_governance_lead",
        "data_protection_officer",
    ):
        assert soup.find(id=f"id_{name}")["autocomplete"] == "off"
