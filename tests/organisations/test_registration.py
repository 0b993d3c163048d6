import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership, Organisation
from organisations.roles import Role
from organisations.services import NewAccount, RegistrationError, organisation_register

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NEW_PERSON = {
    "full_name": "Rosa Registrar",
    "email": "Rosa@Brook.Example",
    "password1": "sunlit-meadow-kettle-42",
    "password2": "sunlit-meadow-kettle-42",
    "primary_sector": "Social Care",
    "confirm": "on",
}


def start(client, code):
    return client.post(reverse("register"), {"ods_code": code})


def test_a_new_person_registers_a_care_home_and_becomes_its_administrator(client):
    home = OrganisationFactory(ods_code="VM8L1", name="LANGDALE HOUSE LTD", primary_sector="")

    response = start(client, " vm8l1 ")
    assert response.status_code == 302
    assert response["Location"] == reverse("register-confirm")

    page = client.get(reverse("register-confirm"))
    assert "LANGDALE HOUSE LTD" in page.content.decode()

    response = client.post(reverse("register-confirm"), NEW_PERSON)
    assert response.status_code == 302

    home.refresh_from_db()
    assert home.is_registered
    assert home.registered_at is not None
    assert home.primary_sector == "Social Care"
    membership = Membership.objects.get(organisation=home)
    assert membership.role == Role.ADMINISTRATOR
    assert membership.user.email == "rosa@brook.example"  # stored in lower case
    assert membership.user.full_name == "Rosa Registrar"
    # Signed in, with the new organisation in the header.
    dashboard = client.get(reverse("home")).content.decode()
    assert "LANGDALE HOUSE LTD" in dashboard
    assert "VM8L1" in dashboard


def test_a_signed_in_person_registers_a_second_organisation_without_a_new_account(client):
    existing = MembershipFactory(role=Role.MEMBER)
    OrganisationFactory(ods_code="VNEW1")
    client.force_login(existing.user)
    start(client, "VNEW1")
    response = client.post(
        reverse("register-confirm"), {"primary_sector": "Social Care", "confirm": "on"}
    )
    assert response.status_code == 302
    assert existing.user.memberships.count() == 2
    assert existing.user.memberships.get(organisation__ods_code="VNEW1").role == Role.ADMINISTRATOR


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter your organisation&#x27;s ODS code"),
        ("VM8-L1", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("ABCDEFGHIJKL", "ODS code must be 10 characters or fewer"),
        ("VXX99", "We cannot find the ODS code VXX99 in the national directory"),
    ],
)
def test_bad_codes_show_an_error_summary(client, code, message):
    response = start(client, code)
    assert response.status_code == 400
    body = response.content.decode()
    assert "nhsuk-error-summary" in body
    assert message in body
    assert 'href="#id_ods_code"' in body
    assert "<title>Error:" in body


def test_an_already_registered_organisation_is_refused(client):
    RegisteredOrganisationFactory(ods_code="VREG1", name="Registered Place")
    response = start(client, "VREG1")
    assert response.status_code == 400
    assert "Registered Place (VREG1) is already registered" in response.content.decode()


def test_a_site_covered_by_its_registered_hq_names_the_hq(client):
    hq = RegisteredOrganisationFactory(
        ods_code="AB12", name="Meadow Group", kind=Organisation.Kind.HEADQUARTERS
    )
    OrganisationFactory(ods_code="VBR01", parent=hq)
    response = start(client, "VBR01")
    assert response.status_code == 400
    assert "This site is covered by its HQ Meadow Group (AB12)" in response.content.decode()


def test_a_site_whose_hq_is_not_registered_can_register(client):
    hq = OrganisationFactory(ods_code="AB13", kind=Organisation.Kind.HEADQUARTERS)
    OrganisationFactory(ods_code="VBR02", parent=hq)
    assert start(client, "VBR02").status_code == 302


def test_a_closed_organisation_is_refused(client):
    OrganisationFactory(ods_code="VCL01", name="Old Home", closed_on=timezone.localdate())
    response = start(client, "VCL01")
    assert response.status_code == 400
    assert "Old Home (VCL01) closed on" in response.content.decode()


def test_confirm_page_without_a_chosen_code_goes_back_to_the_start(client):
    response = client.get(reverse("register-confirm"))
    assert response.status_code == 302
    assert response["Location"] == reverse("register")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"password2": "something-else-entirely"}, "password2", "The passwords do not match"),
        ({"password1": "short", "password2": "short"}, "password1", "This password is too short"),
        (
            {"password1": "password123", "password2": "password123"},
            "password1",
            "This password is too common",
        ),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"full_name": "   "}, "full_name", "Enter your full name"),
        ({"confirm": ""}, "confirm", "Confirm that this is your organisation"),
        ({"primary_sector": "Wizardry"}, "primary_sector", "Select a valid choice"),
    ],
)
def test_confirm_form_errors_keep_what_was_typed(client, changes, field, message):
    home = OrganisationFactory(ods_code="VER01")
    start(client, "VER01")
    data = {**NEW_PERSON, **changes}
    response = client.post(reverse("register-confirm"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'href="#id_{field}' in body
    assert 'value="Rosa Registrar"' in body or field == "full_name"
    home.refresh_from_db()
    assert not home.is_registered
    assert not Membership.objects.exists()


def test_an_email_that_already_has_an_account_is_told_by_email_not_on_the_page(client):
    from django.core import mail

    UserFactory(email="rosa@brook.example")
    home = OrganisationFactory(ods_code="VER02")
    start(client, "VER02")
    response = client.post(reverse("register-confirm"), NEW_PERSON)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check your email" in body
    assert "already" not in body  # the page never says the address has an account
    assert mail.outbox[-1].to == ["rosa@brook.example"]
    assert "already has an account" in mail.outbox[-1].body
    home.refresh_from_db()
    assert not home.is_registered


def test_registering_twice_from_two_open_pages_lets_only_the_first_win(client):
    home = OrganisationFactory(ods_code="VER03")
    first, second = UserFactory(), UserFactory()
    organisation_register(organisation_id=home.pk, primary_sector="Social Care", user=first)
    with pytest.raises(RegistrationError, match="already registered"):
        organisation_register(organisation_id=home.pk, primary_sector="Social Care", user=second)
    assert list(home.memberships.values_list("user", flat=True)) == [first.pk]


def test_register_service_needs_exactly_one_person():
    home = OrganisationFactory(ods_code="VER04")
    with pytest.raises(ValueError):
        organisation_register(organisation_id=home.pk, primary_sector="Social Care")
    with pytest.raises(ValueError):
        organisation_register(
            organisation_id=home.pk,
            primary_sector="Social Care",
            user=UserFactory(),
            new_account=NewAccount("A", "a@b.example", "x"),
        )
