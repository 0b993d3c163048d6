"""The bulk status check, as a commissioner uses it signed out: from the search page, paste a
messy list of codes, read the table, download it as CSV; on a desktop and on a phone."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import PHONE, click_through, directory_organisation

pytestmark = pytest.mark.browser

SCROLL_WIDTH = "() => document.documentElement.scrollWidth"


def a_covered_branch() -> None:
    """An HQ's Standards Met publication covering one branch (made with the services' data)."""
    from assessments.models import QuestionBank
    from tests.factories import publication_build

    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=timezone.localdate() + dt.timedelta(days=30)
    )
    hq = directory_organisation("AB12", "Example Care Group", kind="headquarters")
    branch = directory_organisation("VM8L1", "Langdale House", parent=hq)
    publication_build(hq, bank, sites=(branch,))
    directory_organisation("VEL01", "Elm Lodge")


def test_a_commissioner_checks_a_list_and_downloads_it(page, scanner):
    a_covered_branch()
    page.goto("/search/")
    click_through(page.get_by_role("link", name="Check many organisations at once"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check many organisations' DSPT status"
    )
    scanner.scan(page, "Bulk check")

    click_through(page.get_by_role("button", name="Check statuses"))
    scanner.scan_error(page, "Bulk check, nothing given", "Paste at least one ODS code")

    page.get_by_label("Paste ODS codes").fill("ODS code\nvm8l1\n'VEL01\nVM8L1\nvzz99\nab$$")
    click_through(page.get_by_role("button", name="Check statuses"))
    expect(page.get_by_role("heading", name="2 organisations found")).to_be_visible()
    table = page.locator("table")
    expect(table).to_contain_text("Langdale House")
    expect(table).to_contain_text("25/26 Standards Met")
    expect(table).to_contain_text("Covered by the publication of Example Care Group (AB12)")
    main = page.locator("main")
    expect(main).to_contain_text("1 code not in the national directory")
    expect(main).to_contain_text("VM8L1 appears 2 times (rows 2, 4)")
    expect(main).to_contain_text('Row 6 ("ab$$")')
    scanner.scan(page, "Bulk check, the result")

    with page.expect_download() as info:
        page.get_by_role("button", name="Download as CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("dspt-status-check-")
    with open(download.path(), encoding="utf-8-sig") as stream:
        rows = {row[0]: row for row in csv.reader(io.StringIO(stream.read()))}
    assert rows["VM8L1"][2] == "25/26 Standards Met"
    assert rows["VEL01"][2] == "Not Published"
    assert rows["VZZ99"][-1] == "Not in the national directory"
    scanner.assert_clean()


def test_the_result_fits_a_phone(new_page, scanner):
    a_covered_branch()
    page = new_page(PHONE)
    page.goto("/check/bulk/")
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    page.get_by_label("Paste ODS codes").fill("VM8L1 VEL01 VZZ99")
    click_through(page.get_by_role("button", name="Check statuses"))
    expect(page.get_by_role("heading", name="2 organisations found")).to_be_visible()
    # The table stacks into one card per organisation: nothing scrolls sideways.
    assert page.evaluate(SCROLL_WIDTH) <= PHONE["width"]
    download = page.get_by_role("button", name="Download as CSV")
    assert download.bounding_box()["height"] >= 44  # a tap target a finger can hit
    scanner.scan(page, "Bulk check result on a phone")
    scanner.assert_clean()
