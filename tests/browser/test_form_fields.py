"""In Chromium, with the portal's scripts running: going Back from the second registration step
keeps what was typed on both steps; the Cyber Essentials Plus details open under Yes; a file
input is named by its own label."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    click_through,
    directory_organisation,
    load_bank,
    open_assessment,
    register,
)

pytestmark = pytest.mark.browser


def test_back_from_step_two_keeps_what_was_typed_on_both_steps(page):
    directory_organisation("VJ301", "Birch House")
    page.goto("/register/")
    page.get_by_label("What is your organisation's ODS code?").fill("vj301")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Confirm your organisation", level=1)).to_be_visible()
    page.get_by_label("Your email address").fill("sam@birch.example")
    page.get_by_label("This is my organisation and I am allowed to register it").check()

    page.get_by_role("link", name="Back", exact=True).click()
    expect(page.get_by_role("heading", name="Register your organisation", level=1)).to_be_visible()
    code = page.get_by_label("What is your organisation's ODS code?")
    expect(code).to_have_value("VJ301")

    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Confirm your organisation", level=1)).to_be_visible()
    expect(page.get_by_label("Your email address")).to_have_value("sam@birch.example")
    expect(
        page.get_by_label("This is my organisation and I am allowed to register it")
    ).to_be_checked()

    # The browser's own Back button too.
    page.go_back()
    expect(page.get_by_role("heading", name="Register your organisation", level=1)).to_be_visible()
    expect(page.get_by_label("What is your organisation's ODS code?")).not_to_have_value("")

    # Once the link is sent, nothing typed is kept for the next time.
    page.goto("/register/confirm/")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    assert page.evaluate("() => Object.keys(window.sessionStorage)") == []


def test_cyber_essentials_plus_details_open_under_yes(page, scanner):
    directory_organisation("VJ302", "Cedar Lodge")
    register(page, ods_code="VJ302", full_name="Ann Admin", email="ann@cedar.example")
    page.goto("/organisation/profile/change/")
    number = page.get_by_label("Cyber Essentials Plus certificate number")
    yes = page.get_by_role("group", name="Do you have Cyber Essentials Plus?").get_by_label(
        "Yes", exact=True
    )
    expect(number).to_be_hidden()
    expect(page.get_by_label("Caldicott Guardian")).to_have_attribute("autocomplete", "off")

    yes.check()
    expect(number).to_be_visible()
    scanner.scan(page, "Organisation profile with Cyber Essentials Plus details open")
    page.get_by_role("button", name="Save profile").click()
    scanner.scan_error(
        page,
        "Organisation profile, Cyber Essentials Plus without a certificate",
        "Enter your Cyber Essentials Plus certificate number",
    )
    # The summary's link goes to the field, open because Yes is chosen.
    page.locator(".nhsuk-error-summary").get_by_role(
        "link", name="Enter your Cyber Essentials Plus certificate number"
    ).click()
    expect(page.get_by_label("Cyber Essentials Plus certificate number")).to_be_focused()

    page.get_by_role("group", name="Do you have Cyber Essentials Plus?").get_by_label(
        "No", exact=True
    ).check()
    expect(page.get_by_label("Cyber Essentials Plus certificate number")).to_be_hidden()
    page.get_by_role("button", name="Save profile").click()
    expect(page).to_have_url(re.compile(r"/organisation/profile/$"))
    scanner.assert_clean()


def test_a_file_input_is_named_by_its_own_label(page):
    load_bank()
    directory_organisation("VJ303", "Elm View")
    register(page, ods_code="VJ303", full_name="Ann Admin", email="ann@elm.example")
    open_assessment(page)
    click_through(page.locator('li[id="item-1.1.2"]').get_by_role("link"))
    expect(page).to_have_url(re.compile(r"/items/1\.1\.2/$"))
    page.wait_for_load_state("load")  # every script has run
    upload = page.get_by_label("Upload a document")
    expect(upload).to_have_attribute("type", "file")
    expect(upload).to_be_visible()
    expect(page.locator("button.nhsuk-file-upload__drop-button")).to_have_count(0)
    hint = page.locator("#id_document_location-hint")
    expect(hint).to_contain_text("Needed if you do not upload the document")
