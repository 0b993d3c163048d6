"""In Chromium: the page of an expired registration link offers a new one, which arrives at the
same address and finishes registering; the pages pass the accessibility scan."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, directory_organisation, expect_success, registration_link

pytestmark = pytest.mark.browser

EMAIL = "kit@willow.example"


def links_expire_now() -> None:
    import datetime as dt

    from django.utils import timezone

    from organisations.models import PendingRegistration

    PendingRegistration.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_an_expired_link_sends_a_new_one_that_registers(page, scanner):
    directory_organisation("VJ311", "Willow Court")
    page.goto("/register/")
    page.get_by_label("What is your organisation's ODS code?").fill("vj311")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Your email address").fill(EMAIL)
    page.get_by_label("This is my organisation and I am allowed to register it").check()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    old = registration_link(EMAIL)

    links_expire_now()
    page.goto(old)
    expect(page.get_by_role("heading", name="Register Willow Court", level=1)).to_be_visible()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("This link has expired")
    expect(page.get_by_text(f"We will email a new link to {EMAIL}")).to_be_visible()
    scanner.scan(page, "Expired registration link")
    page.get_by_role("button", name="Send a new link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    expect(page.get_by_text(f"We have sent a new link to {EMAIL}")).to_be_visible()
    scanner.scan(page, "New registration link sent")

    new = registration_link(EMAIL)
    assert new != old
    page.goto(new)
    page.get_by_label("Your full name").fill("Kit Willow")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account and register").click()
    expect_success(page, "is registered. You are its administrator")
    scanner.assert_clean()
