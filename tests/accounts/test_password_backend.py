"""Signing in and being read back on every request (accounts/backends.py): the person is read by
a prepared statement, a refused password is checked once, and sessions begun under Django's
ModelBackend stay signed in."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.db import connection
from django.urls import reverse

from accounts.backends import PATH

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db

PROFILE = reverse("profile")


def _sign_in(client, email, password=PASSWORD):
    return client.post(reverse("sign-in"), {"username": email, "password": password})


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_signing_in_names_this_backend_and_the_person_is_read_prepared(client, member):
    assert _sign_in(client, member.email).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == PATH
    response = client.get(PROFILE)
    assert response.status_code == 200
    assert response.wsgi_request.user == member
    assert any(
        'FROM "organisations_user"' in statement and "$1" in statement
        for statement in _prepared_statements()
    )


def test_a_session_begun_under_djangos_model_backend_stays_signed_in(client, member):
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(PROFILE)
    assert response.status_code == 200
    assert response.wsgi_request.user == member


def test_a_refused_password_is_checked_once(client, member, monkeypatch):
    User = get_user_model()
    checked = []
    original = User.check_password

    def check_password(self, raw_password):
        checked.append(raw_password)
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", check_password)
    response = _sign_in(client, member.email, password="not-the-password")
    assert response.status_code == 200  # the form again, with its error
    assert checked == ["not-the-password"]
    assert client.get(PROFILE).status_code == 302


def test_refused_sign_ins_still_lock_the_account(client, member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, member.email, password="not-the-password")
    _sign_in(client, member.email)  # the right password, too late
    assert BACKEND_SESSION_KEY not in client.session
    assert client.get(PROFILE).status_code == 302


def test_a_deactivated_person_is_signed_out_at_their_next_request(client, member):
    assert _sign_in(client, member.email).status_code == 302
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(PROFILE).status_code == 302


def test_a_changed_password_signs_out_other_sessions(client, member):
    assert _sign_in(client, member.email).status_code == 302
    member.set_password("a-new-password-9876")
    member.save()
    assert client.get(PROFILE).status_code == 302


def test_a_person_who_is_gone_reads_as_signed_out(client, member):
    assert _sign_in(client, member.email).status_code == 302
    get_user_model().objects.filter(pk=member.pk).delete()
    assert client.get(PROFILE).status_code == 302
