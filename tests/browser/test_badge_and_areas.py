"""The status badge, its "Add to your website" page, an area page (axe, and a phone's width), and
the certificate check as it prints."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import PHONE, click_through

pytestmark = pytest.mark.browser

AREA = "NHS WEST YORKSHIRE INTEGRATED CARE BOARD AND A LONG NAME"

# The image's own size once loaded: 0 when the browser could not draw it.
_LOADED_WIDTH = "image => image.complete ? image.naturalWidth : 0"


def published_area():
    """An area with a Standards Met home, an HQ covering a branch, and one not published; the
    Standards Met publication."""
    from assessments.models import QuestionBank
    from tests.factories import (
        OrganisationFactory,
        RegisteredOrganisationFactory,
        publication_build,
    )

    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=timezone.localdate() + datetime.timedelta(days=30)
    )
    QuestionBank.objects.create(year="2024-25", publication_deadline=datetime.date(2025, 6, 30))
    home = RegisteredOrganisationFactory(
        ods_code="VB001", name="Rose & Thorn Care Home", commissioner=AREA
    )
    publication = publication_build(home, bank, level="met")
    hq = OrganisationFactory(
        ods_code="AB12", name="Example Care Group", kind="headquarters", commissioner=AREA
    )
    branch = OrganisationFactory(
        ods_code="VB002", name="Example Branch", parent=hq, commissioner=AREA
    )
    publication_build(hq, bank, level="exceeded", sites=[branch])
    OrganisationFactory(ods_code="VB003", name="Quiet Lodge", commissioner=AREA)
    return publication


def test_a_provider_copies_its_badge_and_the_badge_loads(page, new_page, scanner):
    published_area()
    page.goto("/organisations/VB001/")
    click_through(page.get_by_role("link", name="Add the DSPT status badge to your website"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Add your DSPT status to your website"
    )
    scanner.scan(page, "Add to your website")

    preview = page.locator("#badge-preview")
    alt = preview.get_attribute("alt")
    assert alt.startswith(
        "Data Security and Protection Toolkit status of Rose & Thorn Care Home (VB001): "
        "25/26 Standards Met, published "
    )
    expect(preview).to_be_visible()
    page.wait_for_function("image => image.complete", arg=preview.element_handle())
    assert page.evaluate(_LOADED_WIDTH, preview.element_handle()) == 340

    page.get_by_text("If your website cannot show SVG pictures").click()
    png = page.locator("#badge-preview-png")
    expect(png).to_be_visible()
    page.wait_for_function("image => image.complete", arg=png.element_handle())
    assert page.evaluate(_LOADED_WIDTH, png.element_handle()) == 680

    # What the provider pastes into its own website: the badge shows, with its words, and links
    # to the public page.
    snippet = page.get_by_label("HTML code for the badge").input_value()
    website = new_page()
    website.set_content(f"<!DOCTYPE html><html lang='en'><title>Our home</title>{snippet}</html>")
    badge = website.get_by_role("img", name="25/26 Standards Met")
    expect(badge).to_be_visible()
    website.wait_for_function("() => document.querySelector('img').naturalWidth > 0")
    badge.click()
    expect(website.get_by_role("heading", level=1)).to_have_text("Rose & Thorn Care Home")
    scanner.assert_clean()


def test_an_area_page_passes_the_scan_and_fits_a_phone(page, new_page, scanner):
    published_area()
    page.goto("/areas/")
    click_through(page.get_by_role("link", name=AREA))
    expect(page.get_by_role("heading", level=1)).to_have_text(AREA)
    chart = page.get_by_role("img", name="DSPT publications in " + AREA + ", last 5 years")
    expect(chart).to_be_visible()
    scanner.scan(page, "Area")
    page.goto("/areas/")
    expect(page.get_by_role("heading", level=1)).to_have_text("DSPT status by area")
    scanner.scan(page, "Areas")

    phone = new_page(PHONE)
    phone.goto(f"/areas/{AREA.lower().replace(' ', '-')}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(AREA)
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the area page is {width} px wide on a phone"
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Download the whole list (CSV)").click()
    assert download.value.suggested_filename.startswith("dspt-area-")
    scanner.assert_clean()


def test_the_certificate_check_prints_without_the_navigation(page):
    publication = published_area()
    page.goto(f"/verify/{publication.verification_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This certificate is genuine and current"
    )
    expect(page.get_by_role("banner")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.nhsuk-header")).to_be_hidden()
    expect(page.locator("footer.nhsuk-footer")).to_be_hidden()
    expect(page.locator("#certificate-details")).to_be_visible()
    # One A4 page: 297 mm less 30 mm of margins, at 96 px to the inch.
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height <= (297 - 30) / 25.4 * 96, f"{height} px does not fit one A4 page"
    page.emulate_media(media="screen")
    expect(page.locator("header.nhsuk-header")).to_be_visible()
