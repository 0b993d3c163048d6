"""The policy builder as a person uses it: from the dashboard to a built policy, then "Use as
evidence" onto the items it serves, every page scanned by axe (and the builder in its error
state)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import (
    DOCUMENT_TIMEOUT_MS,
    click_through,
    directory_organisation,
    expect_success,
    load_bank,
    open_assessment,
    register,
)

pytestmark = pytest.mark.browser


def test_build_a_policy_and_use_it_as_evidence(page, scanner):
    load_bank()
    directory_organisation("VP101", "Pear Tree House")
    register(page, ods_code="VP101", full_name="Pat Pear", email="pat@peartree.example")
    open_assessment(page)

    page.goto("/")
    click_through(page.get_by_role("link", name="Policy builder"))
    expect(page.get_by_role("heading", name="Policy builder", level=1)).to_be_visible()
    scanner.scan(page, "Policy builder list")
    click_through(page.get_by_role("link", name="Bring your own device (smartphone) policy"))
    expect(page.locator("#profile-gaps")).to_contain_text("Some details are missing")
    scanner.scan(page, "Policy builder page")

    page.get_by_role("button", name="Build the policy").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    scanner.scan_error(page, "Policy builder page with errors")

    page.get_by_label("Yes").check()
    page.get_by_label("Which apps or systems may staff use on a phone?").fill("The care app")
    click_through(page.get_by_role("button", name="Build the policy"))
    expect(page.locator("#download-policy_docx")).to_be_visible(timeout=DOCUMENT_TIMEOUT_MS)
    expect(page.locator("#download-policy_pdf")).to_be_visible(timeout=DOCUMENT_TIMEOUT_MS)
    scanner.scan(page, "Policy made")
    with page.expect_download() as made:
        page.locator("#download-policy_docx").click()
    assert made.value.suggested_filename == "bring-your-own-device-policy-VP101-v1-0.docx"

    click_through(page.get_by_role("button", name="Use as evidence"))
    expect(page.get_by_role("heading", name="Use this policy as evidence")).to_be_visible()
    scanner.scan(page, "Use as evidence confirmation")
    click_through(page.get_by_role("button", name="Add it to"))
    expect_success(page, "Bring your own device (smartphone) policy has been added")
    scanner.assert_clean()
