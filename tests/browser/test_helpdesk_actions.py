"""The helpdesk's action pages in Chromium: the request queue, naming an administrator, and an
axe scan of each page (with its error state where it has a form)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from .conftest import (
    PASSWORD,
    click_through,
    directory_organisation,
    expect_success,
    helpdesk_staff,
    menu,
    registration_link,
    sign_in,
    sign_in_with_code,
)

pytestmark = pytest.mark.browser


def submit(page: Page, name: str) -> None:
    page.locator("main").get_by_role("button", name=name, exact=True).click()


def test_an_operator_approves_a_registration_request_from_the_queue(new_page, scanner):
    from organisations.models import Organisation
    from organisations.services import registration_request_store

    surgery = directory_organisation("P87657", "Hill Surgery")
    Organisation.objects.filter(pk=surgery.pk).update(primary_sector="GP")
    surgery.refresh_from_db()
    registration_request_store(
        organisation=surgery,
        email="gita@hill.example",
        full_name="Gita Patel",
        reason="I am the practice manager; we look after two care homes' residents.",
    )
    device = helpdesk_staff("jo.bloggs@helpdesk.example", "Jo Bloggs")

    page = new_page()
    page.goto("/helpdesk/")
    expect(page).to_have_url(re.compile(r"/sign-in/"))
    sign_in_with_code(page, device, then="/helpdesk/", next_heading="Helpdesk")
    scanner.scan(page, "Helpdesk home")
    click_through(page.locator("main").get_by_role("link", name="Registration requests"))
    expect(page.get_by_role("heading", name="Registration requests", level=1)).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Gita Patel")
    scanner.scan(page, "Registration requests")
    click_through(page.get_by_role("link", name="Hill Surgery (P87657)"))
    expect(page.get_by_role("heading", name="Hill Surgery (P87657)", level=1)).to_be_visible()
    scanner.scan(page, "Registration request")
    submit(page, "Save decision")
    scanner.scan_error(page, "Registration request, nothing chosen", "Enter the reason")
    page.get_by_label("Approve: email them the link to finish registering").check()
    page.get_by_label("Reason", exact=True).fill(
        "Checked with the ICB: a GP practice supporting care homes"
    )
    submit(page, "Save decision")
    expect_success(page, "Approved. We have emailed gita@hill.example")
    expect(page.locator("main")).to_contain_text("No request is waiting.")
    click_through(page.get_by_role("link", name="Decided"))
    expect(page.locator("main table")).to_contain_text("Approved by Jo Bloggs")
    scanner.scan(page, "Registration requests: decided")

    # The practice manager finishes registering with the emailed link.
    manager = new_page()
    manager.goto(registration_link("gita@hill.example"))
    manager.get_by_label("Your full name").fill("Gita Patel")
    manager.get_by_label("Create a password").fill(PASSWORD)
    manager.get_by_label("Confirm your password").fill(PASSWORD)
    manager.get_by_role("button", name="Create account and register").click()
    expect_success(manager, "Hill Surgery is registered. You are its administrator")
    scanner.assert_clean()


def test_an_operator_makes_a_named_member_administrator_and_activity_shows_it(new_page, scanner):
    from organisations.models import Organisation, User
    from organisations.services import invitation_accept, invitation_create, organisation_register

    home = directory_organisation("VJ101", "Larch House")
    hq = directory_organisation("AB12", "Acorn Care", kind=Organisation.Kind.HEADQUARTERS)
    leaver = User.objects.create_user("leaver@larch.example", PASSWORD, full_name="Lee Leaver")
    organisation_register(organisation_id=home.pk, user=leaver)
    tokens = []
    invitation_create(
        organisation=home,
        email="ana@larch.example",
        role="member",
        invited_by=leaver,
        accept_url_for=lambda token: tokens.append(token) or token,
    )
    ana = User.objects.create_user("ana@larch.example", PASSWORD, full_name="Ana Smith")
    invitation_accept(token=tokens[0], user=ana)
    invitation_create(
        organisation=home,
        email="new@larch.example",
        role="viewer",
        invited_by=leaver,
        accept_url_for=str,
    )
    # The administrator has left: their account goes.
    leaver.delete()
    mail.outbox = []
    device = helpdesk_staff("jo.bloggs@helpdesk.example", "Jo Bloggs")

    page = new_page()
    sign_in_with_code(page, device, then="/helpdesk/", next_heading="Helpdesk")
    page.goto(f"/helpdesk/people/{ana.pk}/")
    expect(page.get_by_role("heading", name="Ana Smith", level=1)).to_be_visible()
    scanner.scan(page, "Person")
    click_through(page.get_by_role("link", name="Make administrator of Larch House"))
    expect(page.locator("main")).to_contain_text("None: the last one has left")
    scanner.scan(page, "Make administrator")
    submit(page, "Make administrator")
    scanner.scan_error(page, "Make administrator, no reason", "Enter the reason")
    page.get_by_label("Reason", exact=True).fill("previous administrator left")
    submit(page, "Make administrator")
    expect_success(page, "Ana Smith is now an administrator of Larch House")
    expect(page.locator("main table").first).to_contain_text("Administrator")
    assert [m.to for m in mail.outbox] == [["ana@larch.example"]]

    # Every other action page, as an operator sees it (and its error state).
    invitation = home.invitations.get(email="new@larch.example")
    for url, heading, button in (
        (f"/helpdesk/people/{ana.pk}/unlock/", "Unlock the account of Ana Smith", None),
        (
            f"/helpdesk/people/{ana.pk}/two-factor/",
            "Reset two-factor authentication for Ana Smith",
            None,
        ),
        (
            f"/helpdesk/invitations/{invitation.pk}/send-again/",
            "Send again the invitation for new@larch.example",
            "Send the invitation again",
        ),
        (
            f"/helpdesk/invitations/{invitation.pk}/cancel/",
            "Cancel the invitation for new@larch.example",
            "Cancel the invitation",
        ),
        ("/helpdesk/organisations/VJ101/hq/link/", "Link Larch House to an HQ", "Link to the HQ"),
        ("/helpdesk/organisations/VJ101/hq/unlink/", "Take Larch House out of its HQ", None),
        (
            "/helpdesk/organisations/VJ101/suspend/",
            "Suspend the registration of Larch House",
            "Suspend registration",
        ),
        (
            "/helpdesk/organisations/VJ101/reinstate/",
            "Reinstate the registration of Larch House",
            None,
        ),
    ):
        page.goto(url)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        scanner.scan(page, heading)
        if button:
            submit(page, button)
            scanner.scan_error(page, f"{heading}, nothing entered", "Enter the reason")
    assert hq.pk  # the HQ exists for the link page's example

    # Ana signs in as the new administrator and sees the helpdesk's change on Activity.
    ana_page = new_page()
    sign_in(ana_page, "ana@larch.example")
    click_through(menu(ana_page).get_by_role("link", name="Manage users"))
    ana_page.goto("/organisation/activity/")
    row = ana_page.locator("main table tbody tr").filter(has_text="The helpdesk made")
    expect(row).to_contain_text("Helpdesk (Jo Bloggs)")
    expect(row).to_contain_text(
        "The helpdesk made Ana Smith an administrator: previous administrator left"
    )
    scanner.scan(ana_page, "Activity, with a helpdesk change")

    # A disputed registration: the operator suspends it and Ana loses access at once.
    page.goto("/helpdesk/organisations/VJ101/suspend/")
    page.get_by_label("Reason", exact=True).fill(
        "Disputed: the owner says a former employee registered"
    )
    page.get_by_label(
        "I understand its people lose access until the registration is reinstated"
    ).check()
    submit(page, "Suspend registration")
    expect_success(page, "The registration of Larch House is suspended")
    ana_page.goto("/organisation/activity/")
    expect(
        ana_page.get_by_role("heading", name="Your organisation's registration is suspended")
    ).to_be_visible()
    scanner.scan(ana_page, "Registration suspended")
    scanner.assert_clean()
