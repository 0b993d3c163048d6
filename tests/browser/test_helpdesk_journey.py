"""A "my administrator left" case, as the helpdesk takes it: from the search to resolution, with
no address typed: find the organisation, open its case, open the remaining member, make her
administrator with a reason; she then manages the organisation and sees what the helpdesk did."""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from .conftest import (
    PASSWORD,
    click_through,
    directory_organisation,
    expect_success,
    helpdesk_staff,
    menu,
    sign_in,
    sign_in_with_code,
)

pytestmark = pytest.mark.browser


def test_my_administrator_left_from_search_to_resolution(new_page, scanner):
    from organisations.models import User
    from organisations.services import invitation_accept, invitation_create, organisation_register

    home = directory_organisation("VK202", "Rowan Lodge")
    leaver = User.objects.create_user("leaver@rowan.example", PASSWORD, full_name="Lee Leaver")
    organisation_register(organisation_id=home.pk, user=leaver)
    tokens: list[str] = []
    invitation_create(
        organisation=home,
        email="ana@rowan.example",
        role="member",
        invited_by=leaver,
        accept_url_for=lambda token: tokens.append(token) or token,
    )
    ana = User.objects.create_user("ana@rowan.example", PASSWORD, full_name="Ana Smith")
    invitation_accept(token=tokens[0], user=ana)
    leaver.delete()  # the administrator left and their account was closed
    mail.outbox = []
    device = helpdesk_staff("jo.bloggs@helpdesk.example", "Jo Bloggs")

    page = new_page()
    sign_in_with_code(page, device, then="/helpdesk/", next_heading="Helpdesk")
    expect(page.get_by_role("heading", name="Helpdesk", level=1)).to_be_visible()
    page.get_by_label("Find an organisation").fill("rowan")
    click_through(page.locator("main").get_by_role("button", name="Search"))
    click_through(page.locator("main").get_by_role("link", name="Rowan Lodge"))
    expect(page.get_by_role("heading", name="Rowan Lodge", level=1)).to_be_visible()
    people = page.locator("#people")
    expect(people).to_contain_text("Member")
    expect(people).not_to_contain_text("Administrator")
    scanner.scan(page, "Case page, no administrator left")

    click_through(people.get_by_role("link", name="Ana Smith", exact=True))
    expect(page.get_by_role("heading", name="Ana Smith", level=1)).to_be_visible()
    click_through(page.get_by_role("link", name="Make administrator of Rowan Lodge"))
    expect(page.locator("main")).to_contain_text("None: the last one has left")
    page.get_by_label("Reason", exact=True).fill("previous administrator left")
    click_through(page.locator("main").get_by_role("button", name="Make administrator"))
    expect_success(page, "Ana Smith is now an administrator of Rowan Lodge")
    assert [m.to for m in mail.outbox] == [["ana@rowan.example"]]

    # Resolved: Ana manages the organisation and sees the helpdesk's change with its reason.
    ana_page = new_page()
    sign_in(ana_page, "ana@rowan.example")
    expect(menu(ana_page).get_by_role("link", name="Manage users")).to_be_visible()
    ana_page.goto("/organisation/activity/")
    row = ana_page.locator("main table tbody tr").filter(has_text="The helpdesk made")
    expect(row).to_contain_text("Helpdesk (Jo Bloggs)")
    expect(row).to_contain_text(
        "The helpdesk made Ana Smith an administrator: previous administrator left"
    )
    scanner.assert_clean()
