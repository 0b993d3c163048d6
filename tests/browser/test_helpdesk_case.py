"""The helpdesk in Chromium: an operator signs in with their second factor, finds an organisation
by name, reads its case page, and publishes a notice that a provider then sees on their home page.
Find, the case page and the news pages are scanned with axe on the way (the news form in its
error state too), and the case page is read on a phone-sized screen."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from .conftest import (
    PASSWORD,
    PHONE,
    click_through,
    directory_organisation,
    expect_success,
    load_bank,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.browser


def _case_data():
    """An HQ with a branch, an administrator, an invitation and a publication: what a person
    cannot click in this test (they are made by other journeys)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from helpdesk.models import Operator
    from helpdesk.roles import HelpdeskRole
    from organisations.models import Invitation, Membership, Organisation, User
    from organisations.roles import Role
    from publishing.models import Publication, PublicationSite

    bank = load_bank()
    hq = directory_organisation(
        "VHD01",
        "Fellside Care Group",
        kind=Organisation.Kind.HEADQUARTERS,
        registration_state=Organisation.RegistrationState.REGISTERED,
        registered_at=timezone.now(),
    )
    branch = directory_organisation("VHD02", "Fellside Lodge", parent=hq)
    administrator = User.objects.create_user(
        email="ann@fellside.example", password=PASSWORD, full_name="Ann Fell"
    )
    Membership.objects.create(user=administrator, organisation=hq, role=Role.ADMINISTRATOR)
    Invitation.objects.create(
        organisation=hq,
        email="new.starter@fellside.example",
        role=Role.MEMBER,
        token_hash="9" * 64,
        invited_by=administrator,
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    publication = Publication.objects.create(
        organisation=hq,
        bank=bank,
        assessment=bank.assessments.create(organisation=hq),
        sequence=1,
        level="met",
        published_at=timezone.now() - datetime.timedelta(days=3),
        published_by=administrator,
        published_by_name=administrator.full_name,
        published_as_name=hq.name,
        published_as_ods_code=hq.ods_code,
    )
    PublicationSite.objects.create(publication=publication, organisation=branch)

    operator = User.objects.create_user(
        email="sam@helpdesk.example", password=PASSWORD, full_name="Sam Agent"
    )
    Operator.objects.create(user=operator, role=HelpdeskRole.OPERATOR)
    device = TOTPDevice.objects.create(user=operator, name="Authenticator app", confirmed=True)
    return bytes.fromhex(device.key)


def operator_sign_in(page, key: bytes, next_url: str) -> None:
    """The password, then the code from the authenticator app, as the sign-in asks for them."""
    page.goto(f"/sign-in/?next={next_url}")
    page.get_by_label("Email address").fill("sam@helpdesk.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click_through(page.locator("main").get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code", exact=True).fill(f"{totp(key):06d}")
    click_through(page.locator("main").get_by_role("button", name="Continue"))


def test_an_operator_finds_a_case_and_publishes_news(new_page, scanner):
    key = _case_data()
    page = new_page()

    operator_sign_in(page, key, "/helpdesk/")
    expect(page.get_by_role("heading", name="Helpdesk", level=1)).to_be_visible()
    scanner.scan(page, "Helpdesk home")

    page.get_by_label("Find an organisation").fill("fellside")
    click_through(page.get_by_role("button", name="Search"))
    expect(page.get_by_role("heading", name="2 organisations found")).to_be_visible()
    scanner.scan(page, "Find: results")

    click_through(page.get_by_role("link", name="Fellside Care Group"))
    expect(page.get_by_role("heading", name="Fellside Care Group", level=1)).to_be_visible()
    branches = page.locator("#hq")
    expect(branches).to_contain_text("Fellside Lodge")
    expect(branches).to_contain_text("The publication of Fellside Care Group (VHD01)")
    expect(page.locator("#people")).to_contain_text("ann@fellside.example")
    expect(page.locator("#invitations")).to_contain_text("new.starter@fellside.example")
    click_through(page.get_by_role("link", name="People and roles"))
    scanner.scan(page, "Case page")

    page.goto("/helpdesk/")
    click_through(page.get_by_role("link", name="News for care providers"))
    expect(page.get_by_role("heading", name="News", level=1)).to_be_visible()
    scanner.scan(page, "News, nothing published")
    click_through(page.get_by_role("link", name="Publish a notice"))
    click_through(page.get_by_role("button", name="Publish notice"))
    scanner.scan_error(page, "Publish a notice, nothing entered", "Enter a title")

    expires = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label("Title").fill("Publication deadline moved")
    page.get_by_label("Notice", exact=True).fill("This year's deadline is now 30 September.")
    page.get_by_label("Day").fill(str(expires.day))
    page.get_by_label("Month").fill(str(expires.month))
    page.get_by_label("Year").fill(str(expires.year))
    click_through(page.get_by_role("button", name="Publish notice"))
    expect_success(page, "You published “Publication deadline moved”")
    expect(page.locator(".nhsuk-card")).to_contain_text("Publication deadline moved")
    scanner.scan(page, "News, one notice showing")
    click_through(page.get_by_role("link", name="Withdraw Publication deadline moved"))
    expect(page.get_by_role("button", name="Withdraw notice")).to_be_visible()
    scanner.scan(page, "Withdraw a notice")
    sign_out(page)

    provider = new_page()
    sign_in(provider, "ann@fellside.example")
    callout = provider.locator(".nhsuk-warning-callout")
    expect(callout).to_contain_text("Publication deadline moved")
    expect(callout).to_contain_text("This year's deadline is now 30 September.")
    scanner.scan(provider, "Provider home page with a notice")
    scanner.assert_clean()


def test_the_case_page_fits_a_phone(new_page, scanner):
    key = _case_data()
    page = new_page(PHONE)
    operator_sign_in(page, key, "/helpdesk/organisations/VHD01/")
    expect(page.get_by_role("heading", name="Fellside Care Group", level=1)).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the case page is {width} px wide on a phone"
    scanner.scan(page, "Case page on a phone")
    scanner.assert_clean()
