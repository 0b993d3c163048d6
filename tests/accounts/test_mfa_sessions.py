"""Two-factor authentication that holds: a password alone cannot change the second factor, and
turning it on, off or replacing it ends every other session of the person."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from organisations.models import OrganisationProfile

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def require_mfa(settings):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = True


def sign_in(client, email):
    response = client.post(reverse("sign-in"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def set_up(client) -> tuple[TOTPDevice, list[str]]:
    client.get(reverse("mfa-setup"))
    key = client.session[mfa.SETUP_KEY_SESSION_KEY]
    assert not TOTPDevice.objects.filter(key=key).exists()  # the page alone saves nothing
    response = client.post(reverse("mfa-setup"), {"code": totp(bytes.fromhex(key))})
    assert response.status_code == 200
    device = TOTPDevice.objects.get(key=key)
    assert device.confirmed
    return device, re.findall(r"<code[^>]*>([0-9a-z]+)</code>", response.content.decode())


def signed_in(client) -> bool:
    response = client.get(reverse("account"))
    return response.status_code == 200


def phone_added_elsewhere(user) -> tuple[TOTPDevice, list[str]]:
    """A second factor the person has, set up without rotating anything (as an account had
    before this change, or as an operator might add one): the session below predates it."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    codes = mfa._recovery_codes_replace(user=user)
    return device, codes


def factors(user):
    return (
        sorted(TOTPDevice.objects.filter(user=user).values_list("key", "confirmed")),
        sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)),
    )


# --- A password alone cannot change the second factor ----------------------------------------


def test_a_password_only_session_cannot_replace_the_phone(client, administrator):
    sign_in(client, administrator.email)
    victims_phone, _ = phone_added_elsewhere(administrator)
    before = factors(administrator)

    # The attacker starts set-up to put their own phone on the account...
    page = client.get(reverse("mfa-setup"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("mfa-verify"))
    assert not TOTPDevice.objects.filter(confirmed=False).exists()
    # ...and posts a code from a phone of their own.
    attackers_phone = TOTPDevice.objects.create(user=administrator, confirmed=False)
    response = client.post(reverse("mfa-setup"), {"code": totp(attackers_phone.bin_key)})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    attackers_phone.delete()
    assert factors(administrator) == before
    assert TOTPDevice.objects.get(user=administrator).pk == victims_phone.pk


def test_a_password_only_session_cannot_turn_two_factor_off(client, administrator):
    sign_in(client, administrator.email)
    _, codes = phone_added_elsewhere(administrator)
    before = factors(administrator)
    # Even holding a recovery code, the session must pass two-factor (throttled, recorded) first.
    response = client.post(reverse("mfa-remove"), {"code": codes[0]})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    assert client.get(reverse("mfa-remove")).status_code == 302
    response = client.post(reverse("mfa-recovery-codes"))
    assert response.status_code == 302
    assert factors(administrator) == before


def test_a_password_only_sign_in_is_stopped_before_the_set_up_pages(client, administrator):
    other = sign_in(Client(), administrator.email)
    set_up(other)
    before = factors(administrator)
    sign_in(client, administrator.email)  # the password, not the code
    for name in ("mfa-setup", "mfa-remove", "mfa-recovery-codes"):
        response = client.post(reverse(name), {"code": "123456"})
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa-verify")), name
    assert factors(administrator) == before


def test_a_secret_shown_to_one_session_is_never_confirmed_by_another(client, administrator):
    attacker = sign_in(Client(), administrator.email)
    attacker.get(reverse("mfa-setup"))
    seen_by_attacker = attacker.session[mfa.SETUP_KEY_SESSION_KEY]

    sign_in(client, administrator.email)
    device, _ = set_up(client)
    assert device.key != seen_by_attacker
    assert TOTPDevice.objects.filter(user=administrator).count() == 1
    # The attacker's session is over, and their copy of the secret gives no code that works.
    assert not signed_in(attacker)
    assert not mfa.mfa_check(
        user=administrator, token=str(totp(bytes.fromhex(seen_by_attacker)))
    ).accepted


def test_without_a_second_factor_a_password_session_may_set_one_up(client, member):
    sign_in(client, member.email)
    set_up(client)
    assert mfa.mfa_enabled(user=member)


def test_a_verified_session_may_move_to_a_new_phone(client, administrator):
    sign_in(client, administrator.email)
    old_phone, _ = set_up(client)
    account = client.get(reverse("account")).content.decode()
    assert "Move two-factor authentication to a new phone" in account
    page = client.get(reverse("mfa-setup")).content.decode()
    assert "the old one stops working" in page
    with time_machine.travel(datetime.timedelta(seconds=60)):
        new_phone, codes = set_up(client)
    assert new_phone.pk != old_phone.pk
    assert list(TOTPDevice.objects.filter(user=administrator)) == [new_phone]
    assert len(codes) == 10


# --- Changes end the person's other sessions -------------------------------------------------


@pytest.mark.parametrize("change", ["turn on", "replace", "turn off", "new recovery codes"])
def test_changing_two_factor_ends_the_other_sessions(client, administrator, require_mfa, change):
    sign_in(client, administrator.email)
    if change != "turn on":
        _, codes = set_up(client)
    other = sign_in(Client(), administrator.email)
    if change != "turn on":
        assert other.post(reverse("mfa-verify"), {"code": codes[0]}).status_code == 302
    assert signed_in(other)

    with time_machine.travel(datetime.timedelta(seconds=60)):
        if change in ("turn on", "replace"):
            set_up(client)
        elif change == "turn off":
            device = TOTPDevice.objects.get(user=administrator)
            response = client.post(reverse("mfa-remove"), {"code": totp(device.bin_key)})
            assert response.status_code == 302
            assert response["Location"] == reverse("account")
            assert not mfa.mfa_enabled(user=administrator)
        else:
            response = client.post(reverse("mfa-recovery-codes"))
            assert response.status_code == 200

        # The other session is signed out; this one stays signed in (and verified).
        assert not signed_in(other)
        assert "_auth_user_id" not in other.session
        assert signed_in(client)
        if change != "turn off":
            assert client.get(reverse("people-list")).status_code == 200


def test_signing_in_again_after_the_change_works(client, administrator):
    sign_in(client, administrator.email)
    other = sign_in(Client(), administrator.email)
    _, codes = set_up(client)
    assert not signed_in(other)
    sign_in(other, administrator.email)
    assert other.post(reverse("mfa-verify"), {"code": codes[0]}).status_code == 302
    assert signed_in(other)
    assert signed_in(client)


def test_an_account_never_changed_keeps_djangos_own_session_hash(administrator):
    # So deploying the security stamp signed nobody out.
    assert administrator.security_stamp == ""
    django_hash = AbstractBaseUser._get_session_auth_hash(administrator)
    assert administrator.get_session_auth_hash() == django_hash
    administrator.security_stamp_rotate()
    assert administrator.get_session_auth_hash() != django_hash


def test_a_password_change_still_ends_other_sessions(client, administrator):
    sign_in(client, administrator.email)
    administrator.security_stamp_rotate()
    client.force_login(administrator)
    assert signed_in(client)
    administrator.set_password("another-long-password-7")
    administrator.save()
    assert not signed_in(client)


# --- The organisation profile needs a verified session for administrators ----------------------


def profile_data(**changes):
    data = {
        "version": "0",
        "caldicott_guardian": "Mallory",
        "senior_information_risk_owner": "Mallory",
        "information_governance_lead": "",
        "data_protection_officer": "",
        "nhsmail_only": "no",
        "cyber_essentials_plus": "yes",
        "cyber_essentials_plus_certificate_number": "CEP-FORGED",
        "cyber_essentials_plus_expires_on_0": "31",
        "cyber_essentials_plus_expires_on_1": "3",
        "cyber_essentials_plus_expires_on_2": "2030",
    }
    data.update(changes)
    return data


def cyber_essentials_plus(organisation):
    return OrganisationProfile.objects.get(organisation=organisation).cyber_essentials_plus


def test_a_password_only_administrator_cannot_claim_cyber_essentials_plus(
    client, administrator, organisation, require_mfa
):
    before = cyber_essentials_plus(organisation)
    sign_in(client, administrator.email)
    # No second factor yet: set one up first.
    response = client.post(reverse("profile-edit"), profile_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert client.get(reverse("profile-edit")).status_code == 302
    # A second factor the session has not passed: enter it first.
    phone_added_elsewhere(administrator)
    response = client.post(reverse("profile-edit"), profile_data())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    assert cyber_essentials_plus(organisation) == before != "yes"


def test_a_verified_administrator_changes_the_profile(
    client, administrator, organisation, require_mfa
):
    sign_in(client, administrator.email)
    set_up(client)
    response = client.post(reverse("profile-edit"), profile_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert cyber_essentials_plus(organisation) == "yes"
