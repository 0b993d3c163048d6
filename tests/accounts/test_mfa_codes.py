"""Entering a two-factor code: recovery codes have their own field (letters, not a number pad),
and a code refused because of too many wrong ones says how long to wait rather than "not right"."""

import datetime
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.forms import too_many_attempts

from ..conftest import PASSWORD

START = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("token", "app"),
    [
        ("123456", True),
        ("4004", True),  # the app's 004004, its zeros left off
        ("1234567", False),
        ("abcd2345", False),
        ("22334455", False),  # an all-digit recovery code is 8 long: still a recovery code
        ("12345a", False),
    ],
)
def test_which_device_a_code_is_for(token, app):
    assert mfa.is_app_code(token) is app


@pytest.mark.parametrize(
    ("left", "seconds"),
    [
        (datetime.timedelta(seconds=2), 2),
        (datetime.timedelta(seconds=1, milliseconds=1), 2),
        (datetime.timedelta(milliseconds=1), 1),
        (datetime.timedelta(seconds=0), 1),
        (datetime.timedelta(seconds=16), 16),
    ],
)
def test_seconds_to_wait_are_rounded_up(left, seconds):
    assert mfa.seconds_to_wait(locked_until=START + left, now=START) == seconds


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (1, "Too many attempts – wait 1 second, then try again"),
        (2, "Too many attempts – wait 2 seconds, then try again"),
    ],
)
def test_the_wait_message(seconds, message):
    assert too_many_attempts(seconds) == message


@pytest.fixture
def with_factor(client, administrator):
    """The administrator has an app and recovery codes, and has just given the password."""
    device = TOTPDevice.objects.create(user=administrator, name="Authenticator app", confirmed=True)
    codes = mfa._recovery_codes_replace(user=administrator)
    client.post(reverse("sign-in"), {"username": administrator.email, "password": PASSWORD})
    return device, codes


def fields(response):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return soup, {field["name"]: field for field in soup.select("main input[type=text]")}


@pytest.mark.django_db
def test_a_recovery_code_has_its_own_field_without_a_number_pad(client, with_factor):
    soup, inputs = fields(client.get(reverse("mfa-verify")))
    assert inputs["code"]["inputmode"] == "numeric"
    assert inputs["code"]["autocomplete"] == "one-time-code"
    recovery = inputs["recovery_code"]
    assert recovery["inputmode"] == "text"
    assert recovery["autocomplete"] == "off"
    assert recovery["spellcheck"] == "false"
    assert soup.find("label", attrs={"for": recovery["id"]}).get_text(strip=True) == (
        "Recovery code"
    )
    details = recovery.find_parent("details")
    assert details.summary.get_text(strip=True) == "Use a recovery code instead"
    assert not details.has_attr("open")


@pytest.mark.django_db
def test_signing_in_with_a_recovery_code_in_its_field(client, with_factor):
    _, codes = with_factor
    response = client.post(reverse("mfa-verify"), {"recovery_code": "nope nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The recovery code is not right, or it has been used" in page
    soup, _ = fields(response)
    assert soup.find("details", id="recovery-code").has_attr("open")
    assert soup.select_one(".nhsuk-error-summary a")["href"] == "#id_recovery_code"

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        typed = codes[0].upper()[:4] + " " + codes[0].upper()[4:]  # as read off a printout
        response = client.post(reverse("mfa-verify"), {"recovery_code": typed})
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_too_many_attempts_says_how_long_to_wait_and_then_the_code_works(client, with_factor):
    device, _ = with_factor
    with time_machine.travel(START, tick=False) as clock:
        code = f"{totp(device.bin_key):06d}"
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for _ in range(2):
            response = client.post(reverse("mfa-verify"), {"code": wrong})
            assert "The code is not right" in response.content.decode()
            clock.shift(datetime.timedelta(seconds=1))  # past the wait each wrong code brings
        clock.shift(datetime.timedelta(seconds=-1))  # straight after the second wrong code

        response = client.post(reverse("mfa-verify"), {"code": code})
        assert response.status_code == 400
        page = response.content.decode()
        # Two wrong codes: django-otp will not look at another for 2 seconds.
        assert "Too many attempts – wait 2 seconds, then try again" in page
        assert "not right" not in page

        clock.shift(datetime.timedelta(seconds=1))
        page = client.post(reverse("mfa-verify"), {"code": code}).content.decode()
        assert "Too many attempts – wait 1 second, then try again" in page

        clock.shift(datetime.timedelta(seconds=1))
        response = client.post(reverse("mfa-verify"), {"code": code})
        assert response.status_code == 302
        assert client.get(reverse("account")).status_code == 200


@pytest.mark.django_db
def test_wrong_app_codes_do_not_hold_up_a_recovery_code(client, with_factor):
    _, codes = with_factor
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            client.post(reverse("mfa-verify"), {"code": "000000"})
            clock.shift(datetime.timedelta(seconds=1))
        response = client.post(reverse("mfa-verify"), {"recovery_code": codes[1]})
    assert response.status_code == 302


@pytest.mark.django_db
def test_turning_two_factor_off_with_a_recovery_code(client, with_factor, administrator):
    device, codes = with_factor
    client.post(reverse("mfa-verify"), {"code": f"{totp(device.bin_key):06d}"})
    _, inputs = fields(client.get(reverse("mfa-remove")))
    assert inputs["recovery_code"]["inputmode"] == "text"
    response = client.post(reverse("mfa-remove"), {"recovery_code": codes[2]})
    assert response.status_code == 302
    assert not mfa.mfa_enabled(user=administrator)


def test_the_set_up_page_says_when_to_try_again(client, member, db):
    client.post(reverse("sign-in"), {"username": member.email, "password": PASSWORD})
    with time_machine.travel(START, tick=False):
        client.get(reverse("mfa-setup"))
        key = client.session[mfa.SETUP_KEY_SESSION_KEY]
        code = f"{totp(bytes.fromhex(key)):06d}"
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        client.post(reverse("mfa-setup"), {"code": wrong})
        page = client.post(reverse("mfa-setup"), {"code": code}).content.decode()
        assert re.search(r"Too many attempts – wait 1 second, then try again", page)
        assert mfa.mfa_enabled(user=member) is False
