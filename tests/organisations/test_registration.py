"""Registration: nothing exists until the email address is confirmed by the emailed link."""

import datetime
import hashlib
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from organisations.models import (
    Membership,
    Organisation,
    PendingRegistration,
    RegistrationRequest,
    User,
)
from organisations.roles import Role
from organisations.services import (
    NewAccount,
    RegistrationError,
    RegistrationLinkError,
    organisation_register,
    registration_complete,
)

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "sunlit-meadow-kettle-42"
ACCOUNT = {"full_name": "Rosa Registrar", "password1": PASSWORD, "password2": PASSWORD}
LINK = re.compile(r"http://testserver(/register/complete/[^/\s]+/)")


def start(client, code):
    return client.post(reverse("register"), {"ods_code": code})


def ask_for_link(client, code, email="Rosa@Brook.Example"):
    start(client, code)
    return client.post(reverse("register-confirm"), {"email": email, "confirm": "on"})


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def page_text(response, *, email="") -> str:
    """The page without what differs on every response (CSP nonce, CSRF token)."""
    text = re.sub(r'nonce="[^"]*"', "", response.content.decode())
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return text.replace(email, "EMAIL") if email else text


def nothing_created(organisation):
    organisation.refresh_from_db()
    return not organisation.is_registered and not organisation.memberships.exists()


# --- The whole flow -----------------------------------------------------------------------------


def test_a_new_person_registers_a_care_home_through_the_emailed_link(client):
    home = OrganisationFactory(
        ods_code="VM8L1", name="LANGDALE HOUSE LTD", primary_sector="Care Home"
    )

    response = start(client, " vm8l1 ")
    assert response.status_code == 302
    assert response["Location"] == reverse("register-confirm")
    assert "LANGDALE HOUSE LTD" in client.get(reverse("register-confirm")).content.decode()

    response = client.post(
        reverse("register-confirm"), {"email": "Rosa@Brook.Example", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    # Nothing exists yet: no account, no registration, no membership.
    assert nothing_created(home)
    assert not User.objects.filter(email__iexact="rosa@brook.example").exists()

    (message,) = mail.outbox
    assert message.to == ["rosa@brook.example"]
    link = link_in(message)
    page = client.get(link)
    assert page.status_code == 200
    assert "choose a password" in page.content.decode()

    response = client.post(link, ACCOUNT)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home.refresh_from_db()
    assert home.is_registered
    assert home.registered_at is not None
    assert home.primary_sector == "Care Home"  # the directory's sector is kept
    membership = Membership.objects.get(organisation=home)
    assert membership.role == Role.ADMINISTRATOR
    assert membership.user.email == "rosa@brook.example"
    assert membership.user.full_name == "Rosa Registrar"
    assert membership.user.check_password(PASSWORD)
    # Signed in, with the new organisation in the header.
    dashboard = client.get(reverse("home")).content.decode()
    assert "LANGDALE HOUSE LTD" in dashboard
    assert "VM8L1" in dashboard
    event = AuditEvent.objects.get(event=Event.ORGANISATION_REGISTERED)
    assert event.organisation == home
    assert event.user == membership.user
    assert "rosa@brook.example" in event.detail


def test_the_token_is_stored_only_as_a_hash(client):
    home = OrganisationFactory(ods_code="VH001")
    ask_for_link(client, "VH001")
    token = link_in(mail.outbox[0]).split("/")[-2]
    pending = PendingRegistration.objects.get(organisation=home)
    assert pending.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in pending.token_hash
    assert not PendingRegistration.objects.filter(token_hash=token).exists()


def test_an_address_with_an_account_signs_in_and_the_link_adds_the_organisation(client):
    existing = MembershipFactory(role=Role.MEMBER, user__email="rosa@brook.example")
    home = OrganisationFactory(ods_code="VNEW1", name="New Home")
    ask_for_link(client, "VNEW1")
    message = mail.outbox[-1]
    assert "already has an account" in message.body
    link = link_in(message)

    # Not signed in: the page asks to sign in as that account, and offers no account form.
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sign in to finish" in body
    assert "password1" not in body
    assert client.post(link, ACCOUNT).status_code == 400
    assert nothing_created(home)

    client.force_login(existing.user)
    assert "Register organisation" in client.get(link).content.decode()
    response = client.post(link)
    assert response.status_code == 302
    assert existing.user.memberships.count() == 2
    assert existing.user.memberships.get(organisation=home).role == Role.ADMINISTRATOR
    assert User.objects.filter(email__iexact="rosa@brook.example").count() == 1


def test_the_page_is_the_same_whether_or_not_the_address_has_an_account(client):
    OrganisationFactory(ods_code="VSM01", name="Same Home")
    UserFactory(email="known@brook.example")
    known = ask_for_link(client, "VSM01", email="known@brook.example")
    unknown = ask_for_link(client, "VSM01", email="unknown@brook.example")
    assert known.status_code == unknown.status_code == 200
    assert page_text(known, email="known@brook.example") == page_text(
        unknown, email="unknown@brook.example"
    )


def test_the_page_is_the_same_when_the_code_was_registered_meanwhile(client):
    home = OrganisationFactory(ods_code="VSM02", name="Race Home")
    start(client, "VSM02")
    free = client.post(reverse("register-confirm"), {"email": "a@brook.example", "confirm": "on"})
    start(client, "VSM02")
    Organisation.objects.filter(pk=home.pk).update(
        registration_state="registered", registered_at=timezone.now()
    )
    taken = client.post(reverse("register-confirm"), {"email": "a@brook.example", "confirm": "on"})
    assert free.status_code == taken.status_code == 200
    assert page_text(free) == page_text(taken)
    # Only the owner of the address learns why, by email; no link was made.
    assert "is already registered" in mail.outbox[-1].body
    assert PendingRegistration.objects.filter(organisation=home).count() == 1


# --- Links that cannot be used ------------------------------------------------------------------


def test_a_link_expires_after_24_hours(client):
    home = OrganisationFactory(ods_code="VEX01")
    ask_for_link(client, "VEX01")
    link = link_in(mail.outbox[-1])
    with time_machine.travel(datetime.timedelta(hours=23, minutes=59)):
        assert client.get(link).status_code == 200
    with time_machine.travel(datetime.timedelta(hours=24, minutes=1)):
        response = client.get(link)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert "nhsuk-error-summary" in response.content.decode()
        assert client.post(link, ACCOUNT).status_code == 410
    assert nothing_created(home)


def test_a_link_works_once(client):
    home = OrganisationFactory(ods_code="VON01")
    ask_for_link(client, "VON01")
    link = link_in(mail.outbox[-1])
    assert client.post(link, ACCOUNT).status_code == 302
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert client.post(link, {**ACCOUNT, "full_name": "Someone Else"}).status_code == 410
    assert home.memberships.count() == 1


def test_a_newer_link_replaces_the_older_one(client):
    OrganisationFactory(ods_code="VNW01")
    ask_for_link(client, "VNW01")
    ask_for_link(client, "VNW01")
    older, newer = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300, "%00", "AAAA" * 11])
def test_a_forged_or_tampered_token_is_refused(client, token):
    home = OrganisationFactory(ods_code="VTP01")
    ask_for_link(client, "VTP01")
    real = link_in(mail.outbox[-1]).split("/")[-2]
    for candidate in (token, real[:-1] + ("A" if real[-1] != "A" else "B"), real.upper()):
        if candidate == real:
            continue
        url = f"/register/complete/{candidate}/"
        response = client.get(url)
        assert response.status_code == 404, candidate
        assert "We cannot find this registration link" in response.content.decode()
        assert client.post(url, ACCOUNT).status_code == 404
    assert nothing_created(home)


def test_when_someone_else_registers_first_the_link_says_so_plainly(client):
    home = OrganisationFactory(ods_code="VRC01", name="Contested Home")
    ask_for_link(client, "VRC01", email="first@brook.example")
    ask_for_link(client, "VRC01", email="second@brook.example")
    first, second = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    assert client.post(second, ACCOUNT).status_code == 302
    client.logout()
    response = client.get(first)
    assert response.status_code == 409
    assert "Contested Home (VRC01) was registered by someone else" in response.content.decode()
    assert client.post(first, ACCOUNT).status_code == 409
    assert not User.objects.filter(email="first@brook.example").exists()
    assert [m.user.email for m in home.memberships.all()] == ["second@brook.example"]


# --- Attacks ------------------------------------------------------------------------------------


def test_claiming_a_code_with_an_address_you_do_not_hold_creates_nothing(client):
    home = OrganisationFactory(ods_code="VAT01")
    ask_for_link(client, "VAT01", email="victim@brook.example")
    # The attacker sees only "Check your email" and cannot reach the link; nothing exists.
    assert nothing_created(home)
    assert not User.objects.filter(email="victim@brook.example").exists()
    assert mail.outbox[-1].to == ["victim@brook.example"]


def test_a_link_for_one_code_cannot_register_another(client):
    mine = OrganisationFactory(ods_code="VAT02")
    theirs = OrganisationFactory(ods_code="VAT03")
    ask_for_link(client, "VAT02", email="me@brook.example")
    link = link_in(mail.outbox[-1])
    # The token decides the organisation; nothing in the request can change it.
    start(client, "VAT03")
    response = client.post(link, {**ACCOUNT, "organisation": theirs.pk, "ods_code": "VAT03"})
    assert response.status_code == 302
    assert mine.memberships.count() == 1
    assert nothing_created(theirs)


def test_someone_elses_link_cannot_be_used_while_signed_in_as_another_account(client):
    home = OrganisationFactory(ods_code="VAT04")
    ask_for_link(client, "VAT04", email="owner@brook.example")
    link = link_in(mail.outbox[-1])
    intruder = UserFactory(email="intruder@brook.example")
    client.force_login(intruder)
    response = client.get(link)
    assert response.status_code == 403
    assert "This link was sent to owner@brook.example" in response.content.decode()
    assert client.post(link).status_code == 403
    assert nothing_created(home)
    # The service refuses too, whatever a view does.
    token = link.split("/")[-2]
    with pytest.raises(RegistrationLinkError) as error:
        registration_complete(token=token, user=intruder)
    assert error.value.status == 403
    assert nothing_created(home)


def test_a_new_account_cannot_be_made_for_an_address_that_has_one(client):
    home = OrganisationFactory(ods_code="VAT05")
    ask_for_link(client, "VAT05", email="owner@brook.example")
    token = link_in(mail.outbox[-1]).split("/")[-2]
    UserFactory(email="owner@brook.example")  # made after the link was sent
    with pytest.raises(RegistrationLinkError) as error:
        registration_complete(token=token, new_account=NewAccount("X", "x@y.example", PASSWORD))
    assert error.value.status == 409
    assert nothing_created(home)


# --- Who may register themselves ----------------------------------------------------------------


def test_an_nhs_trust_is_sent_to_the_helpdesk_and_its_request_is_stored(client):
    trust = OrganisationFactory(
        ods_code="R0A",
        name="Manchester University NHS FT",
        primary_sector="NHS Trust",
        kind="headquarters",
    )
    response = start(client, "R0A")
    assert response.status_code == 302
    assert response["Location"] == reverse("register-helpdesk")
    # The email step refuses to run for it.
    assert client.get(reverse("register-confirm"))["Location"] == reverse("register-helpdesk")
    assert client.post(reverse("register-confirm"), {"email": "a@nhs.example", "confirm": "on"})[
        "Location"
    ] == reverse("register-helpdesk")

    page = client.get(reverse("register-helpdesk")).content.decode()
    assert "You cannot register this organisation yourself" in page
    assert "is not listed as an adult social care provider" in page
    assert "its sector is NHS Trust" in page

    response = client.post(
        reverse("register-helpdesk"),
        {"full_name": "Ivy IG Lead", "email": "Ivy@NHS.Example", "reason": "I am the IG lead."},
    )
    assert response.status_code == 200
    assert "Request sent to the helpdesk" in response.content.decode()
    request = RegistrationRequest.objects.get()
    assert (request.ods_code, request.organisation, request.organisation_name) == (
        "R0A",
        trust,
        "Manchester University NHS FT",
    )
    assert (request.email, request.full_name, request.reason) == (
        "ivy@nhs.example",
        "Ivy IG Lead",
        "I am the IG lead.",
    )
    assert request.primary_sector == "NHS Trust"
    assert request.created_at is not None
    assert nothing_created(trust)
    assert not mail.outbox
    assert not PendingRegistration.objects.exists()
    event = AuditEvent.objects.get(event=Event.REGISTRATION_REQUESTED)
    assert event.actor_email == "ivy@nhs.example"
    assert "R0A" in event.detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"full_name": " ", "email": "a@b.example", "reason": "x"}, "Enter your full name"),
        ({"full_name": "A", "email": "nope", "reason": "x"}, "Enter a valid email address"),
        ({"full_name": "A", "email": "a@b.example", "reason": "  "}, "Tell us why"),
        ({"full_name": "A", "email": "a@b.example", "reason": "x" * 2001}, "2000 characters"),
    ],
)
def test_a_bad_helpdesk_request_shows_an_error_summary(client, data, message):
    OrganisationFactory(ods_code="P87657", primary_sector="GP")
    start(client, "P87657")
    response = client.post(reverse("register-helpdesk"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "nhsuk-error-summary" in body
    assert message in body
    assert not RegistrationRequest.objects.exists()


def test_the_helpdesk_page_is_only_for_organisations_that_need_it(client):
    assert client.get(reverse("register-helpdesk"))["Location"] == reverse("register")
    OrganisationFactory(ods_code="VCARE", primary_sector="Social Care")
    start(client, "VCARE")
    response = client.post(
        reverse("register-helpdesk"), {"full_name": "A", "email": "a@b.example", "reason": "x"}
    )
    assert response["Location"] == reverse("register-confirm")
    assert not RegistrationRequest.objects.exists()


def test_a_code_that_changed_sector_after_the_link_was_sent_is_refused_at_the_link(client):
    home = OrganisationFactory(ods_code="VSC01")
    ask_for_link(client, "VSC01")
    Organisation.objects.filter(pk=home.pk).update(primary_sector="Pharmacy")
    response = client.get(link_in(mail.outbox[-1]))
    assert response.status_code == 409
    assert "Contact the helpdesk" in response.content.decode()


# --- Sites and HQs ------------------------------------------------------------------------------


def test_a_site_registers_on_its_own_even_when_its_hq_is_registered(client):
    hq = RegisteredOrganisationFactory(
        ods_code="AB12", name="Meadow Group", kind=Organisation.Kind.HEADQUARTERS
    )
    site = OrganisationFactory(ods_code="VBR01", parent=hq)
    assert start(client, "VBR01").status_code == 302
    page = client.get(reverse("register-confirm")).content.decode()
    assert "Your HQ Meadow Group (AB12) is registered" in page
    assert "Register separately only if" in page
    client.post(reverse("register-confirm"), {"email": "site@brook.example", "confirm": "on"})
    assert client.post(link_in(mail.outbox[-1]), ACCOUNT).status_code == 302
    site.refresh_from_db()
    assert site.is_registered
    assert site.memberships.get().user.email == "site@brook.example"


def test_a_site_whose_hq_is_not_registered_sees_no_hq_note(client):
    hq = OrganisationFactory(ods_code="AB13", kind=Organisation.Kind.HEADQUARTERS)
    OrganisationFactory(ods_code="VBR02", parent=hq)
    assert start(client, "VBR02").status_code == 302
    assert "Your HQ" not in client.get(reverse("register-confirm")).content.decode()


# --- Errors visible without an address ----------------------------------------------------------


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
    # Anyone can see this on the public search, so the first page may say it.
    RegisteredOrganisationFactory(ods_code="VREG1", name="Registered Place")
    response = start(client, "VREG1")
    assert response.status_code == 400
    assert "Registered Place (VREG1) is already registered" in response.content.decode()


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
    ("data", "field", "message"),
    [
        ({"email": "not-an-email", "confirm": "on"}, "email", "Enter a valid email address"),
        ({"email": "", "confirm": "on"}, "email", "Enter your email address"),
        ({"email": "a@b.example"}, "confirm", "Confirm that this is your organisation"),
    ],
)
def test_email_form_errors(client, data, field, message):
    home = OrganisationFactory(ods_code="VER01")
    start(client, "VER01")
    response = client.post(reverse("register-confirm"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'href="#id_{field}' in body
    assert not mail.outbox
    assert nothing_created(home)


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
        ({"full_name": "   "}, "full_name", "Enter your full name"),
    ],
)
def test_account_form_errors_on_the_link_page_keep_the_link_usable(client, changes, field, message):
    home = OrganisationFactory(ods_code="VER02")
    ask_for_link(client, "VER02")
    link = link_in(mail.outbox[-1])
    response = client.post(link, {**ACCOUNT, **changes})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'href="#id_{field}' in body
    assert nothing_created(home)
    assert client.post(link, ACCOUNT).status_code == 302


# --- Rate limits --------------------------------------------------------------------------------


@pytest.fixture
def rate_limits_on(settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 100, "verify": 100, "register": 100}
    settings.DSPT_EMAIL_RATE_LIMITS = {
        "register": (3, 3600),
        "register-complete": (3, 3600),
        "invitation-accept": (3, 3600),
    }
    cache.clear()
    yield
    cache.clear()


def test_registration_is_rate_limited_per_email_address(client, rate_limits_on):
    OrganisationFactory(ods_code="VRL01")
    for number in range(3):
        response = ask_for_link(client, "VRL01", email="target@brook.example")
        assert response.status_code == 200, number
    # Another client address does not help: the limit is on the email address.
    start(client, "VRL01")
    limited = client.post(
        reverse("register-confirm"),
        {"email": "TARGET@brook.example", "confirm": "on"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert len(mail.outbox) == 3
    # Another address is not affected.
    assert ask_for_link(client, "VRL01", email="other@brook.example").status_code == 200


def test_confirmation_is_rate_limited_per_email_address(client, rate_limits_on):
    home = OrganisationFactory(ods_code="VRL02")
    ask_for_link(client, "VRL02")
    link = link_in(mail.outbox[-1])
    for _ in range(3):
        assert client.post(link, {**ACCOUNT, "password2": "wrong"}).status_code == 400
    assert client.post(link, ACCOUNT, REMOTE_ADDR="10.0.0.8").status_code == 429
    assert nothing_created(home)


def test_registration_pages_are_rate_limited_per_client_address(client, settings, rate_limits_on):
    settings.DSPT_RATE_LIMITS = {"search": 100, "verify": 100, "register": 2}
    assert client.get(reverse("register")).status_code == 200
    assert client.get(reverse("register")).status_code == 200
    assert client.get(reverse("register")).status_code == 429
    assert client.get(reverse("register"), REMOTE_ADDR="10.0.0.9").status_code == 200


# --- The service --------------------------------------------------------------------------------


def test_registering_twice_lets_only_the_first_win():
    home = OrganisationFactory(ods_code="VER03")
    first, second = UserFactory(), UserFactory()
    organisation_register(organisation_id=home.pk, user=first)
    with pytest.raises(RegistrationError, match="already registered"):
        organisation_register(organisation_id=home.pk, user=second)
    assert list(home.memberships.values_list("user", flat=True)) == [first.pk]


def test_the_service_refuses_an_organisation_that_must_ask_the_helpdesk():
    trust = OrganisationFactory(ods_code="RXX", primary_sector="NHS Trust")
    with pytest.raises(RegistrationError, match="Contact the helpdesk"):
        organisation_register(organisation_id=trust.pk, user=UserFactory())
    assert nothing_created(trust)


def test_complete_service_needs_exactly_one_person():
    with pytest.raises(ValueError, match="either an existing user or a new account"):
        registration_complete(token="x")
    with pytest.raises(ValueError, match="either an existing user or a new account"):
        registration_complete(
            token="x", user=UserFactory(), new_account=NewAccount("A", "a@b.example", "x")
        )


def test_invitation_acceptance_is_rate_limited_per_email_address(client, rate_limits_on):
    from organisations.services import invitation_create

    admin = MembershipFactory(role=Role.ADMINISTRATOR)
    tokens = []
    invitation_create(
        organisation=admin.organisation,
        email="joiner@brook.example",
        role=Role.MEMBER,
        invited_by=admin.user,
        accept_url_for=lambda token: tokens.append(token) or token,
    )
    url = reverse("invitation-accept", args=[tokens[0]])
    for _ in range(3):
        assert client.post(url, {**ACCOUNT, "password2": "wrong"}).status_code == 400
    assert client.post(url, ACCOUNT, REMOTE_ADDR="10.0.0.6").status_code == 429
    assert not admin.organisation.memberships.filter(user__email="joiner@brook.example").exists()


# --- The operator console -----------------------------------------------------------------------


def test_requests_and_pending_registrations_are_listed_read_only_for_operators(rf):
    from django.contrib import admin

    request = rf.get("/operator/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    requests_admin = admin.site._registry[RegistrationRequest]
    assert not requests_admin.has_add_permission(request)
    assert {"ods_code", "organisation_name", "email", "created_at"} <= set(
        requests_admin.list_display
    )
    assert "primary_sector" in requests_admin.list_filter
    assert "reason" in requests_admin.readonly_fields
    pending_admin = admin.site._registry[PendingRegistration]
    assert not pending_admin.has_add_permission(request)
    assert not pending_admin.has_change_permission(request)


# --- Going back a step --------------------------------------------------------------------------


def ods_field_value(response) -> str:
    field = BeautifulSoup(response.content, "html.parser").find(id="id_ods_code")
    return field.get("value", "")


def test_going_back_from_step_two_shows_the_code_that_was_typed(client):
    OrganisationFactory(ods_code="VM8L1", name="LANGDALE HOUSE LTD", primary_sector="Care Home")
    assert start(client, " vm8l1 ").status_code == 302
    confirm = BeautifulSoup(client.get(reverse("register-confirm")).content, "html.parser")
    back = confirm.select_one("a.nhsuk-back-link")["href"]
    # The Back link carries it; the browser's Back button (no code in the address) finds it too.
    assert ods_field_value(client.get(back)) == "VM8L1"
    assert ods_field_value(client.get(reverse("register"))) == "vm8l1"
    # And the step-two form keeps what was typed there between visits, in the browser
    # (static/js/keep-typed.js, tested in tests/browser/test_form_fields.py).
    form = confirm.find("form", attrs={"data-keep-typed": True})
    assert form["data-keep-typed"] == "register-confirm-VM8L1"
    assert not form.has_attr("data-keep-typed-answered")
    assert confirm.find("script", src=re.compile(r"keep-typed")) is not None


def test_a_refused_code_is_shown_again_when_coming_back(client):
    assert start(client, "NOPE1").status_code == 400
    assert ods_field_value(client.get(reverse("register"))) == "NOPE1"


def test_the_typed_code_is_forgotten_once_the_link_is_sent(client):
    OrganisationFactory(ods_code="VM8L1", name="LANGDALE HOUSE LTD", primary_sector="Care Home")
    assert ask_for_link(client, "VM8L1").status_code == 200
    assert ods_field_value(client.get(reverse("register"))) == ""


def test_an_answered_step_two_form_keeps_what_was_sent(client):
    OrganisationFactory(ods_code="VM8L1", name="LANGDALE HOUSE LTD", primary_sector="Care Home")
    start(client, "VM8L1")
    response = client.post(reverse("register-confirm"), {"email": "not an address"})
    assert response.status_code == 400
    form = BeautifulSoup(response.content, "html.parser").find(
        "form", attrs={"data-keep-typed": True}
    )
    assert form.has_attr("data-keep-typed-answered")


def test_a_very_long_code_in_the_address_is_cut_to_the_fields_length(client):
    response = client.get(reverse("register"), {"code": "A" * 5000})
    assert len(ods_field_value(response)) == 64
