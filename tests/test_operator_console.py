"""The operator console (/operator/): staff only, with a verified second factor, and only from the
allowed addresses when DSPT_OPERATOR_ALLOWED_NETWORKS is set."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp

from accounts import mfa

from .conftest import PASSWORD
from .factories import UserFactory

pytestmark = pytest.mark.django_db

CONSOLE = "/operator/"
A_MODEL_PAGE = "/operator/organisations/organisation/"


@pytest.fixture
def operator(db):
    return UserFactory(email="operator@dspt.example", is_staff=True, is_superuser=True)


def sign_in(client, email, **extra):
    response = client.post(reverse("sign-in"), {"username": email, "password": PASSWORD}, **extra)
    assert response.status_code == 302
    return response


def set_up_two_factor(client, next_url="") -> list[str]:
    """Through the ordinary set-up pages, as README tells an operator to."""
    query = f"?next={next_url}" if next_url else ""
    client.get(reverse("mfa-setup") + query)
    key = bytes.fromhex(client.session[mfa.SETUP_KEY_SESSION_KEY])
    response = client.post(reverse("mfa-setup"), {"code": totp(key), "next": next_url})
    assert response.status_code == 200
    return re.findall(r"<code[^>]*>([0-9a-z]+)</code>", response.content.decode())


def test_signed_out_people_are_sent_to_the_portal_sign_in(client, operator):
    response = client.get(CONSOLE, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('sign-in')}?next=%2Foperator%2F"
    assert response.status_code == 200
    # The console has no password form of its own to try passwords against.
    assert client.post(reverse("admin:login"), {"username": operator.email}).status_code == 302


def test_a_password_alone_does_not_open_the_console(client, operator):
    sign_in(client, operator.email)
    response = client.get(CONSOLE)
    assert response.status_code == 302
    # Sent to set up a second factor, and back to the console afterwards.
    step = client.get(response["Location"])
    assert step.status_code == 302
    assert step["Location"] == f"{reverse('mfa-setup')}?next=%2Foperator%2F"
    assert client.get(A_MODEL_PAGE).status_code == 302


def test_an_operator_with_a_second_factor_must_enter_it(client, operator):
    sign_in(client, operator.email)
    codes = set_up_two_factor(client)
    client.post(reverse("sign-out"))
    sign_in(client, operator.email)
    assert client.get(CONSOLE).status_code == 302
    # The sign-in gate and the console both ask for the code.
    landing = client.get(reverse("admin:login") + "?next=/operator/")
    assert landing["Location"].startswith(reverse("mfa-verify"))
    response = client.post(reverse("mfa-verify") + "?next=/operator/", {"code": codes[0]})
    assert response["Location"] == CONSOLE
    assert client.get(CONSOLE).status_code == 200
    assert client.get(A_MODEL_PAGE).status_code == 200


def test_the_whole_way_in_for_a_new_operator(client, operator):
    first = client.get(CONSOLE, follow=True)
    assert first.redirect_chain[-1][0].startswith(reverse("sign-in"))
    signed_in = client.post(
        first.redirect_chain[-1][0],
        {"username": operator.email, "password": PASSWORD},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == f"{reverse('mfa-setup')}?next=%2Foperator%2F"
    codes_page = set_up_two_factor(client, next_url="/operator/")
    assert len(codes_page) == 10
    assert client.get(CONSOLE).status_code == 200


def test_people_who_are_not_staff_are_refused_even_with_a_second_factor(client, administrator):
    sign_in(client, administrator.email)
    set_up_two_factor(client)
    assert client.get(CONSOLE).status_code == 302
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(A_MODEL_PAGE).status_code == 302


def test_staff_who_are_not_superusers_are_refused_even_with_a_second_factor(client):
    """Helpdesk work is done on /helpdesk/, with reasons and an audit trail; Django's admin edits
    rows, so it is for superusers only."""
    staff = UserFactory(email="staff@dspt.example", is_staff=True, is_superuser=False)
    sign_in(client, staff.email)
    set_up_two_factor(client)
    assert client.get(CONSOLE).status_code == 302
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(A_MODEL_PAGE).status_code == 302


@pytest.fixture
def verified_operator_client(client, operator):
    sign_in(client, operator.email)
    set_up_two_factor(client)
    assert client.get(CONSOLE).status_code == 200
    return client


def test_the_address_list_refuses_everyone_else(verified_operator_client, settings):
    client = verified_operator_client
    settings.DSPT_OPERATOR_ALLOWED_NETWORKS = ["10.20.0.0/16", "2001:db8::/32"]
    outside = {"REMOTE_ADDR": "198.51.100.7"}
    for path in (CONSOLE, A_MODEL_PAGE, reverse("admin:login"), "/operator/no-such-page/"):
        assert client.get(path, **outside).status_code == 404, path
    assert client.get(CONSOLE, REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(A_MODEL_PAGE, REMOTE_ADDR="2001:db8::5").status_code == 200


def test_the_address_list_is_not_fooled_by_a_forged_header(verified_operator_client, settings):
    client = verified_operator_client
    settings.DSPT_OPERATOR_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    settings.DSPT_TRUSTED_PROXY_COUNT = 0
    forged = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "10.20.3.4"}
    assert client.get(CONSOLE, **forged).status_code == 404
    # Behind one load balancer, only the entry it wrote counts.
    settings.DSPT_TRUSTED_PROXY_COUNT = 1
    balancer = "172.16.0.2"
    forged = {"REMOTE_ADDR": balancer, "HTTP_X_FORWARDED_FOR": "10.20.3.4, 198.51.100.7"}
    assert client.get(CONSOLE, **forged).status_code == 404
    inside = {"REMOTE_ADDR": balancer, "HTTP_X_FORWARDED_FOR": "10.20.3.4"}
    assert client.get(CONSOLE, **inside).status_code == 200


def test_no_address_list_means_no_limit(verified_operator_client, settings):
    settings.DSPT_OPERATOR_ALLOWED_NETWORKS = ()
    assert verified_operator_client.get(CONSOLE, REMOTE_ADDR="198.51.100.7").status_code == 200
