"""The evidence library, clicked through: an upload on an item lands in the library, the same
document is used for a second item, a new version shows on both, and the pages pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import (
    choose_file,
    click_through,
    directory_organisation,
    expect_success,
    load_bank,
    open_assessment,
    register,
    write_pdf,
)

pytestmark = pytest.mark.browser


def test_one_policy_serves_two_items_and_a_new_version_shows_on_both(new_page, tmp_path, scanner):
    from assessments.models import EvidenceItem

    bank = load_bank()
    first, second = (
        EvidenceItem.objects.filter(bank=bank, answer_type="document")
        .order_by("position")
        .values_list("ref", flat=True)[:2]
    )
    directory_organisation("VJ301", "Rowan Court")
    page = new_page()
    register(page, ods_code="VJ301", full_name="Rae Manager", email="rae@rowan.example")
    open_assessment(page)

    # The registered manager uploads the policy on the first item.
    page.goto(f"/assessment/{bank.year}/items/{first}/")
    choose_file(page.get_by_label("Upload a document"), write_pdf(tmp_path / "IG policy.pdf"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect_success(page, f"Your answer to {first} has been saved.")

    # The overview leads to the library, which lists it with the item it serves.
    click_through(page.get_by_role("link", name="Your evidence library"))
    expect(page.get_by_role("heading", name="Evidence library", exact=True)).to_be_visible()
    expect(page.locator("#library")).to_contain_text(first)
    scanner.scan(page, "library list")
    click_through(page.get_by_role("link", name="IG policy", exact=True))
    expect(page.get_by_role("heading", name="IG policy", exact=True)).to_be_visible()
    scanner.scan(page, "library document")

    # Used for a second item in one step.
    click_through(page.get_by_role("link", name="Use for items"))
    expect(page.get_by_role("heading", name="Use it for evidence items")).to_be_visible()
    scanner.scan(page, "use for items")
    page.get_by_label(re.compile(rf"^{re.escape(second)} ")).check()
    page.get_by_role("button", name="Use for these items").click()
    expect_success(page, f"IG policy is now used for {second}.")

    # A new version: refused without a file, then shown on both items.
    click_through(page.get_by_role("link", name="Upload a new version"))
    page.get_by_role("button", name="Upload the new version").click()
    scanner.scan_error(page, "new version", "Choose the file to upload")
    choose_file(
        page.get_by_label("Choose the new version"),
        write_pdf(tmp_path / "IG policy 2026.pdf", "Data security policy, reviewed"),
    )
    page.get_by_role("button", name="Upload the new version").click()
    expect_success(page, "Version 2 of IG policy has been uploaded. 2 items now show it.")
    for ref in (first, second):
        page.goto(f"/assessment/{bank.year}/items/{ref}/")
        expect(page.locator("#answer-form")).to_contain_text("version 2")
        expect(page.get_by_role("link", name="IG policy 2026.pdf")).to_be_visible()
    scanner.assert_clean()
