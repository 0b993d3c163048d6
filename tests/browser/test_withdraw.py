"""A helpdesk operator withdraws a publication made by mistake; the public then sees the previous
status and the certificate check says it was withdrawn. Each page is scanned with axe.

The operator's account and authenticator app, and the organisation's two publications, are made
here (a person cannot click them into being: operators are made with `create_operator`, and
publishing through the browser is covered by the journeys); everything the operator and the
public do is done in the browser.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import expect

from assessments.vocabulary import format_date

from ..factories import RegisteredOrganisationFactory, UserFactory, publication_build
from ..people import verified_device
from .conftest import PASSWORD, click_through, expect_success, load_bank

pytestmark = pytest.mark.browser


def _operator():
    from helpdesk.models import Operator
    from helpdesk.roles import HelpdeskRole

    user = UserFactory(email="olu@helpdesk.example", full_name="Olu Operator", password=PASSWORD)
    Operator.objects.create(user=user, role=HelpdeskRole.OPERATOR)
    return user, verified_device(user)


def test_an_operator_withdraws_a_publication(new_page, scanner):
    bank = load_bank()
    organisation = RegisteredOrganisationFactory(ods_code="VWD01", name="Willow Dene")
    now = timezone.now()
    publication_build(
        organisation, bank, level="met", published_at=now - datetime.timedelta(days=20)
    )
    mistaken = publication_build(
        organisation, bank, level="exceeded", published_at=now - datetime.timedelta(days=10)
    )
    user, device = _operator()

    # The operator signs in with their authenticator app and finds the publication.
    page = new_page()
    page.goto("/sign-in/?next=/helpdesk/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click_through(page.locator("main").get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    click_through(page.locator("main").get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", name="Helpdesk", level=1)).to_be_visible()
    click_through(page.get_by_role("link", name="Find a publication"))
    expect(page.get_by_role("heading", name="Find a publication", level=1)).to_be_visible()
    scanner.scan(page, "Helpdesk: find a publication")
    click_through(page.get_by_role("button", name="Find"))
    scanner.scan_error(page, "Helpdesk: find, nothing entered", "Enter an ODS code")
    page.get_by_label("ODS code or certificate code").fill("vwd01")
    click_through(page.get_by_role("button", name="Find"))
    expect(page.get_by_role("heading", name="Willow Dene (VWD01)")).to_be_visible()
    scanner.scan(page, "Helpdesk: an organisation's publications")

    click_through(page.get_by_role("link", name=re.compile("View or withdraw")).first)
    expect(
        page.get_by_role("heading", name="Withdraw the 25/26 Standards Exceeded publication")
    ).to_be_visible()
    scanner.scan(page, "Helpdesk: withdraw a publication")
    click_through(page.get_by_role("button", name="Withdraw this publication"))
    scanner.scan_error(page, "Helpdesk: withdraw, nothing entered", "Enter the reason")
    page.get_by_label("Why are you withdrawing this publication?").fill(
        "Published by mistake: Standards Exceeded was claimed without Cyber Essentials Plus"
    )
    page.get_by_label("I understand the public register will show the previous status").check()
    click_through(page.get_by_role("button", name="Withdraw this publication"))
    expect(
        page.get_by_role("heading", name="25/26 Standards Exceeded publication withdrawn")
    ).to_be_visible()
    expect_success(page, "You have withdrawn 25/26 Standards Exceeded for Willow Dene")
    expect(page.locator("#public-status")).to_contain_text("25/26 Standards Met")
    scanner.scan(page, "Helpdesk: publication withdrawn")

    # The public sees the previous status, and the certificate check says withdrawn.
    public = new_page()
    public.goto("/organisations/VWD01/")
    status = public.locator("dt", has_text=re.compile("^Status$")).locator("xpath=..")
    expect(status).to_contain_text("25/26 Standards Met")
    expect(status).not_to_contain_text("Exceeded")
    withdrawn_on = f"Withdrawn on {format_date(timezone.localdate())}"
    history = public.get_by_role("table", name=re.compile("^Publications covering"))
    expect(history).to_contain_text(withdrawn_on)
    public.goto(f"/verify/{mistaken.verification_code}/")
    expect(public.get_by_role("heading", level=1)).to_have_text(
        f"This certificate was withdrawn on {format_date(timezone.localdate())}"
    )
    expect(public.locator("main")).not_to_contain_text("genuine")
    scanner.scan(public, "Certificate check: withdrawn")

    scanner.assert_clean()
