"""After submitting an incident report on a phone: the report is sent to the regulator's
address, a member adds a follow-up, then exports the log and waits for the spreadsheet."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import (
    PASSWORD,
    PHONE,
    click_through,
    expect_document_ready,
    expect_success,
    sign_in,
)

pytestmark = pytest.mark.browser

FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.django_db(transaction=True)
def test_a_member_follows_up_a_submitted_report_and_exports_the_log(new_page, scanner, settings):
    from organisations.roles import Role
    from tests.factories import MembershipFactory, OrganisationFactory, incident_draft

    settings.DSPT_INCIDENT_REPORT_EMAIL = "breach-intake@regulator.example"
    organisation = OrganisationFactory(name="Willow Bank Care Home")
    member = MembershipFactory(
        organisation=organisation,
        role=Role.MEMBER,
        user__email="sam@willow.example",
        user__full_name="Sam Patel",
        user__password=PASSWORD,
    ).user
    draft = incident_draft(organisation, member)  # the lost laptop, every answer given

    page = new_page(PHONE)
    sign_in(page, "sam@willow.example")
    page.goto("/incidents/")
    scanner.scan(page, "Incident log with a draft")
    click_through(page.get_by_role("link", name="Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before submitting your report"
    )
    click_through(page.get_by_role("button", name="Submit report"))
    expect(page.get_by_role("heading", name="Incident report submitted")).to_be_visible()
    expect(page.locator("main")).to_contain_text("breach-intake@regulator.example")
    scanner.scan(page, "Incident submitted")

    click_through(page.get_by_role("link", name="View the report"))
    expect(page.locator("#sending")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Sent on ")
    scanner.scan(page, "Incident page, sent to the regulator")

    click_through(page.get_by_role("button", name="Add a follow-up"))
    expect(page.get_by_role("heading", name="Add a follow-up", level=1)).to_be_visible()
    click_through(page.get_by_role("button", name="Add the follow-up"))
    scanner.scan_error(page, "Follow-up with nothing entered", "Enter what you have found out")
    page.get_by_label("What have you found out since?").fill(
        "The laptop was handed in at the station's lost property"
    )
    page.get_by_label("What have you done since?").fill("Checked the laptop had not been opened")
    page.locator("input[name=likelihood][value='2']").check()
    click_through(page.get_by_role("button", name="Add the follow-up"))
    expect_success(page, "Your follow-up has been added")
    expect(page.locator("main")).to_contain_text("The verdict now")
    expect(page.locator("main")).to_contain_text("handed in at the station")
    assert page.evaluate(FITS), "the incident page is wider than the phone"
    scanner.scan(page, "Incident page with a follow-up")

    page.goto("/incidents/")
    expect(page.locator("#incident-log")).to_contain_text(draft.reference or "INC-")
    assert page.evaluate(FITS), "the incident log is wider than the phone"
    click_through(page.get_by_role("button", name="Download the log (spreadsheet)"))
    expect_document_ready(page)
    expect(page.get_by_role("button", name="Download", exact=False)).to_be_visible()
    scanner.scan(page, "Incident log spreadsheet ready")
    scanner.assert_clean()
