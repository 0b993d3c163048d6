"""Who is helpdesk staff, and how they get in: `create_operator`, the two roles, the second factor
every helpdesk page needs, the operators' address list."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp

from accounts import mfa
from audit.models import AuditEvent
from helpdesk.models import Operator
from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from helpdesk.rules import helpdesk_role_may, reason_problem
from organisations.models import User

from ..conftest import PASSWORD
from ..factories import UserFactory

HOME = "/helpdesk/"


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("operator", HelpdeskPermission.READ, True),
        ("operator", HelpdeskPermission.ACT, True),
        ("auditor", HelpdeskPermission.READ, True),
        ("auditor", HelpdeskPermission.ACT, False),
        (None, HelpdeskPermission.READ, False),
        ("", HelpdeskPermission.READ, False),
        ("administrator", HelpdeskPermission.READ, False),  # an organisation role is not one
    ],
)
def test_who_may_do_what(role, permission, allowed):
    assert helpdesk_role_may(role, permission) is allowed


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "Enter the reason"),
        ("   \n ", "Enter the reason"),
        ("ok", "Reason must say what happened (5 characters or more)"),
        ("x" * 501, "Reason must be 500 characters or fewer"),
        ("Previous administrator left", None),
    ],
)
def test_every_action_needs_a_readable_reason(reason, problem):
    assert reason_problem(reason) == problem


@pytest.mark.django_db
def test_create_operator_makes_an_account_and_emails_a_password_link(settings):
    settings.DSPT_SITE_URL = "https://dspt.example"
    call_command("create_operator", "Jo.Bloggs@Helpdesk.example", "--name", "Jo Bloggs")
    user = User.objects.get(email="jo.bloggs@helpdesk.example")
    assert user.helpdesk_operator.role == HelpdeskRole.OPERATOR
    assert not user.has_usable_password()
    assert not user.memberships.exists()
    assert len(mail.outbox) == 1
    assert "https://dspt.example/password-reset/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(event="helpdesk_staff_added").count() == 1


@pytest.mark.django_db
def test_create_operator_turns_an_existing_account_into_an_auditor_without_an_email():
    existing = UserFactory(email="auditor@helpdesk.example")
    call_command("create_operator", "auditor@helpdesk.example", "--auditor")
    assert Operator.objects.get(user=existing).role == HelpdeskRole.AUDITOR
    assert mail.outbox == []


@pytest.mark.django_db
def test_create_operator_refuses_something_that_is_not_an_email_address():
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("create_operator", "not an address")
    assert not Operator.objects.exists()


def _sign_in(client, user):
    response = client.post(reverse("sign-in"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _set_up_two_factor(client, next_url):
    client.get(f"{reverse('mfa-setup')}?next={next_url}")
    key = bytes.fromhex(client.session[mfa.SETUP_KEY_SESSION_KEY])
    response = client.post(reverse("mfa-setup"), {"code": totp(key), "next": next_url})
    assert response.status_code == 200
    return response


def _staff(role):
    user = UserFactory(email=f"{role}@helpdesk.example")
    Operator.objects.create(user=user, role=role)
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("role", [HelpdeskRole.OPERATOR, HelpdeskRole.AUDITOR])
def test_helpdesk_staff_must_set_up_two_factor_first_whatever_the_setting(client, settings, role):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = False  # applies to administrators only
    _sign_in(client, _staff(role))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    _set_up_two_factor(client, HOME)
    page = client.get(HOME)
    assert page.status_code == 200
    assert re.search(r"<h1[^>]*>Helpdesk</h1>", page.content.decode())


@pytest.mark.django_db
def test_an_auditor_is_told_they_read_only(client):
    _sign_in(client, _staff(HelpdeskRole.AUDITOR))
    _set_up_two_factor(client, HOME)
    assert "Only helpdesk operators can make changes" in client.get(HOME).content.decode()


@pytest.mark.django_db
def test_a_verified_superuser_who_is_not_helpdesk_staff_is_refused(client):
    superuser = UserFactory(email="root@dspt.example", is_staff=True, is_superuser=True)
    _sign_in(client, superuser)
    _set_up_two_factor(client, "")
    assert client.get(HOME).status_code == 403


@pytest.mark.django_db
def test_the_operators_address_list_hides_the_helpdesk_from_everyone_else(client, settings):
    _sign_in(client, _staff(HelpdeskRole.OPERATOR))
    _set_up_two_factor(client, HOME)
    settings.DSPT_OPERATOR_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert client.get(HOME, REMOTE_ADDR="192.0.2.7").status_code == 404
    assert client.get(HOME, REMOTE_ADDR="10.1.2.3").status_code == 200


@pytest.mark.django_db
def test_the_header_offers_the_helpdesk_to_staff_only(client, administrator):
    _sign_in(client, _staff(HelpdeskRole.OPERATOR))
    _set_up_two_factor(client, HOME)
    assert 'href="/helpdesk/"' in client.get(reverse("account")).content.decode()
    client.post(reverse("sign-out"))
    _sign_in(client, administrator)
    assert 'href="/helpdesk/"' not in client.get(reverse("account")).content.decode()
