"""In Chromium: a member reads the example answer beside 1.1.1, is stopped from saving an answer
that is not an ICO registration number, saves a real one, and follows a policy template to the
Help page. The pages are scanned with axe with the example open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    accept_invitation,
    click_through,
    directory_organisation,
    expect_success,
    invite,
    load_bank,
    open_assessment,
    register,
)

pytestmark = pytest.mark.browser


def test_a_member_uses_the_example_and_the_ico_number_check(new_page, scanner):
    load_bank()
    directory_organisation("VJ201", "Rowan Court Care Home")
    admin = new_page()
    register(admin, ods_code="VJ201", full_name="Ann Admin", email="ann@rowan.example")
    link = invite(admin, email="mo@rowan.example", role="Member")

    page = new_page()
    accept_invitation(page, link, full_name="Mo Member")
    open_assessment(page)
    click_through(page.locator('li[id="item-1.1.1"]').get_by_role("link"))
    expect(page).to_have_url(re.compile(r"/items/1\.1\.1/$"))

    example = page.locator("details#example-answer")
    expect(example).not_to_have_attribute("open", "")
    example.get_by_text("See an example answer").click()
    expect(example).to_have_attribute("open", "")
    expect(example.get_by_text("Example answer", exact=True)).to_be_visible()
    scanner.scan(page, "Evidence item 1.1.1 with the example answer open")

    field = page.get_by_label("Your ICO registration number")
    field.fill("hello world")
    page.get_by_role("button", name="Save", exact=True).click()
    scanner.scan_error(
        page, "Evidence item 1.1.1, not an ICO number", "Enter your ICO registration number"
    )
    expect(page.get_by_label("Your ICO registration number")).to_have_value("hello world")
    # The summary's link takes the person to the field.
    page.locator(".nhsuk-error-summary").get_by_role("link").first.click()
    expect(page.get_by_label("Your ICO registration number")).to_be_focused()

    page.get_by_label("Your ICO registration number").fill("za 046 070")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_success(page, "Your answer to 1.1.1 has been saved.")
    page.goto("/assessment/2025-26/items/1.1.1/")
    expect(page.get_by_label("Your ICO registration number")).to_have_value("ZA046070")

    # A policy template beside an item leads to its entry on the Help page, whose items link back.
    page.goto("/assessment/2025-26/items/1.3.1/")
    click_through(page.get_by_role("link", name="Data protection policy"))
    expect(page).to_have_url(re.compile(r"/help/policy-templates/#data-protection-policy$"))
    expect(page.get_by_role("heading", name="Policy templates", level=1)).to_be_visible()
    scanner.scan(page, "Policy templates (signed in, assessment started)")
    click_through(page.get_by_role("link", name=re.compile(r"^1\.3\.8 ")))
    expect(page).to_have_url(re.compile(r"/items/1\.3\.8/$"))

    signed_out = new_page()
    signed_out.goto("/help/policy-templates/")
    expect(
        signed_out.get_by_role("heading", name="Approaching Standards: required policies")
    ).to_be_visible()
    scanner.scan(signed_out, "Policy templates (signed out)")
    scanner.assert_clean()
