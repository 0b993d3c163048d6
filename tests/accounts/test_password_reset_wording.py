"""The password reset pages and email speak plainly, in the portal's words, not Django's."""

import re

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

DJANGOS_WORDS = (
    "New password confirmation",
    "didn’t match",
    "Enter the same password as before",
    "Your password can’t",
    "This password is too",
    "This field is required",
    "Enter a valid email address",
    "Password reset on",
)


def text_of(response) -> str:
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    return " ".join(soup.find("main").get_text(" ").split())


def assert_ours(text: str) -> None:
    assert [words for words in DJANGOS_WORDS if words in text] == []


def reset_link(client, member) -> str:
    client.post(reverse("password-reset"), {"email": member.email})
    body = mail.outbox[-1].body
    path = re.search(r"https?://[^/]+(/password-reset/\S+/\S+/)", body).group(1)
    return client.get(path, follow=True).redirect_chain[-1][0]


def test_asking_for_a_link(client):
    page = text_of(client.get(reverse("password-reset")))
    assert "Enter the email address you sign in with" in page
    assert_ours(page)
    for sent, message in (
        ("", "Enter your email address"),
        ("not-an-address", "Enter an email address in the correct format, like name@example.com"),
    ):
        response = client.post(reverse("password-reset"), {"email": sent})
        assert message in text_of(response)
        assert "nhsuk-error-summary" in response.content.decode()
        assert_ours(text_of(response))
    page = text_of(client.get(reverse("password-reset-sent")))
    assert "Check your email" in page
    assert_ours(page)


def test_the_email(client, member):
    client.post(reverse("password-reset"), {"email": member.email})
    message = mail.outbox[-1]
    assert message.subject == "Reset your password for the Data Security and Protection Toolkit"
    assert f"Hello {member.full_name}," in message.body
    assert "The link works once and stops working after one day." in message.body
    assert "you do not need to do anything: your password has not changed" in message.body
    assert_ours(message.body)


def test_setting_the_new_password(client, member):
    url = reset_link(client, member)
    response = client.get(url)
    page = text_of(response)
    assert "Create a new password" in page
    assert "Confirm your new password" in page
    assert "Use at least 10 characters. Avoid common passwords and your name." in page
    assert_ours(page)

    cases = [
        ({"new_password1": "", "new_password2": ""}, "Create a new password"),
        (
            {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-78"},
            "The passwords do not match",
        ),
        (
            {"new_password1": "short", "new_password2": "short"},
            "Your password must be at least 10 characters long",
        ),
        (
            {"new_password1": "1234567890123", "new_password2": "1234567890123"},
            "Your password cannot be only numbers",
        ),
        (
            {"new_password1": "password123", "new_password2": "password123"},
            "That password is too common: choose one that is harder to guess",
        ),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 200, data
        soup = BeautifulSoup(response.content.decode(), "html.parser")
        summary = soup.select_one(".nhsuk-error-summary")
        assert message in summary.get_text(), (data, summary.get_text())
        assert soup.title.get_text().startswith("Error:")
        assert_ours(text_of(response))

    done = client.post(
        url, {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-77"}
    )
    page = text_of(client.get(done["Location"]))
    assert "Your password has been changed" in page
    assert "You can now sign in with your new password." in page


def test_a_used_link(client, member):
    url = reset_link(client, member)
    client.post(
        url, {"new_password1": "brand-new-lantern-77", "new_password2": "brand-new-lantern-77"}
    )
    page = text_of(client.get(url.replace("set-password", "x"), follow=True))
    assert "This link does not work" in page
    assert_ours(page)
