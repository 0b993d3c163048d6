"""The pages every public service has, reached from the footer, and checking a certificate by
typing its code, as a signed-out person does; every page and error state is scanned with axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import account_menu, click_through

pytestmark = pytest.mark.browser

FOOTER_PAGES = {
    "Help and contact": "Help and contact",
    "News": "News",
    "Find your ODS code": "Find your organisation's ODS code",
    "Accessibility statement": "Accessibility statement",
    "Cookies": "Cookies",
    "Privacy notice": "Privacy notice",
    "Terms of use": "Terms of use",
}


def published_certificate() -> str:
    """A Standards Met publication, made through the services layer (publishing in the browser is
    covered by the journeys); its verification code."""
    from assessments import services as assessment_services
    from publishing import services as publishing_services
    from tests.factories import (
        MembershipFactory,
        RegisteredOrganisationFactory,
        answer_items,
        bank_build,
    )

    organisation = RegisteredOrganisationFactory(ods_code="VC501", name="Willow House")
    administrator = MembershipFactory(organisation=organisation, role="administrator").user
    bank = bank_build(year="2025-26", items_per_section=3)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    publication = publishing_services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    return publication.verification_code


def test_a_signed_out_person_checks_a_certificate_from_the_header(page, scanner):
    code = published_certificate()

    page.goto("/")
    click_through(account_menu(page).get_by_role("link", name="Check a certificate"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check a DSPT certificate")
    scanner.scan(page, "Check a certificate")

    click_through(page.locator("main").get_by_role("button", name="Check certificate"))
    scanner.scan_error(page, "Check a certificate, nothing entered", "Enter the verification code")
    page.get_by_label("Verification code").fill("not a code")
    click_through(page.locator("main").get_by_role("button", name="Check certificate"))
    scanner.scan_error(page, "Check a certificate, not a code", "20 letters and numbers")

    # As read aloud from a printed certificate: lower case, spaces between the groups.
    page.get_by_label("Verification code").fill(code.lower().replace("-", " "))
    click_through(page.locator("main").get_by_role("button", name="Check certificate"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This certificate is genuine and current"
    )
    expect(page).to_have_url(re.compile(f"/verify/{code}/$"))
    details = page.locator("#certificate-details")
    expect(details).to_contain_text("Willow House")
    expect(details).to_contain_text("VC501")
    scanner.scan(page, "Check a certificate, genuine")

    scanner.assert_clean()


def test_every_page_in_the_footer_opens_and_passes_the_scan(page, scanner):
    from helpdesk.models import Notice

    today = timezone.localdate()
    Notice.objects.create(
        title="Deadline moved to 31 July",
        body="Publish by 31 July.\n\nYour status stays current until then.",
        expires_on=today + dt.timedelta(days=30),
        created_by_name="Helpdesk",
    )
    Notice.objects.create(
        title="Search was slow on Monday",
        body="It is fixed.",
        published_at=timezone.now() - dt.timedelta(days=10),
        expires_on=today - dt.timedelta(days=3),
        created_by_name="Helpdesk",
    )

    page.goto("/")
    footer = page.get_by_role("contentinfo")
    for link, heading in FOOTER_PAGES.items():
        click_through(footer.get_by_role("link", name=link, exact=True))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        scanner.scan(page, heading)
    page.goto("/news/")
    expect(page.locator("main")).to_contain_text("Deadline moved to 31 July")
    expect(page.get_by_role("heading", name="Earlier news")).to_be_visible()

    # The register page's hint leads to the ODS code guidance.
    page.goto("/register/")
    click_through(page.get_by_role("link", name="Don't know your ODS code?"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find your organisation's ODS code")

    scanner.assert_clean()


def test_someone_connecting_a_system_finds_the_api_guide_from_the_search(page, scanner):
    page.goto("/search/")
    click_through(page.get_by_role("link", name="Use the register's API"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Use the register in your own system")
    scanner.scan(page, "API guide")
    click_through(page.get_by_role("link", name="OpenAPI description"))
    expect(page).to_have_url(re.compile(r"/api/v1/openapi\.json$"))
    expect(page.locator("body")).to_contain_text('"openapi"')
    scanner.assert_clean()
