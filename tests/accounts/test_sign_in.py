import re

import pytest
from django.core import mail
from django.urls import reverse

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_by_email_in_any_case_and_sign_out(client, member, organisation):
    response = client.post(
        reverse("sign-in"), {"username": "  MEMBER@care.example ", "password": PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert organisation.name in page

    assert client.get(reverse("sign-out")).status_code == 405  # signing out needs a POST
    assert client.post(reverse("sign-out")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_password_gives_a_clear_error_and_no_hint_about_the_account(client, member):
    wrong = client.post(reverse("sign-in"), {"username": member.email, "password": "nope-nope"})
    unknown = client.post(
        reverse("sign-in"), {"username": "nobody@care.example", "password": "nope-nope"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200  # Django's LoginView re-renders the form
        assert "Enter a correct email address and password" in response.content.decode()
        assert "nhsuk-error-summary" in response.content.decode()


def test_sign_in_refuses_an_outside_next_address(client, member):
    response = client.post(
        reverse("sign-in") + "?next=https://evil.example/",
        {"username": member.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_password_reset_by_emailed_link(client, member):
    response = client.post(reverse("password-reset"), {"email": "member@care.example"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)

    page = client.get(link, follow=True)
    assert "Set a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-77"}
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("brand-new-lantern-77")

    # The link works once.
    again = client.get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same(client, db):
    response = client.post(reverse("password-reset"), {"email": "nobody@care.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password-reset-sent")
    assert mail.outbox == []
