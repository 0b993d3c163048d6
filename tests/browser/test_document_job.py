"""The page of a document being made follows it in place: nothing reloads, a live region says
when it is ready, and focus moves to the download link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import click_through, directory_organisation, load_bank, open_assessment, register

pytestmark = pytest.mark.browser


def test_the_download_link_takes_focus_once_the_document_is_made(page, scanner, monkeypatch):
    from documents import jobs, tasks

    load_bank()
    directory_organisation("VD101", "Damson House")
    register(page, ods_code="VD101", full_name="Dee Damson", email="dee@damson.example")
    open_assessment(page)

    # Tasks run in-process here: hold the task back so the page shows the document waiting, then
    # make it as a worker would while the page watches.
    queued: list[int] = []
    monkeypatch.setattr(tasks.build_document, "delay", queued.append)
    click_through(page.get_by_role("button", name="Download assessment (spreadsheet)"))
    job = page.locator("#document-job")
    expect(job).to_contain_text("Queued")
    expect(page.get_by_role("button", name="Check again")).to_be_visible()
    scanner.scan(page, "A document waiting to be made")
    assert len(queued) == 1
    page.evaluate("() => { window.stayedOnThePage = true; }")

    jobs.document_job_run(job_id=queued[0])

    download = page.get_by_role("button", name="Download dspt-VD101-2025-26.xlsx")
    expect(download).to_be_focused()
    expect(page.get_by_role("status")).to_have_text("Your document is ready.")
    expect(page.get_by_role("button", name="Check again")).to_have_count(0)
    # Changed in place: the page was never reloaded.
    assert page.evaluate("() => window.stayedOnThePage") is True
    scanner.scan(page, "A document made while its page watched")
    with page.expect_download() as made:
        download.click()
    assert made.value.suggested_filename == "dspt-VD101-2025-26.xlsx"
    scanner.assert_clean()
