"""A helpdesk operator uploads a directory file in Chromium, follows its progress, reads the
result and downloads the rejected rows; the upload pages are scanned with axe."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from .conftest import PASSWORD, choose_file

pytestmark = pytest.mark.browser


def _operator(email: str = "operator@helpdesk.example"):
    from helpdesk.models import Operator
    from helpdesk.roles import HelpdeskRole
    from organisations.models import User

    user = User.objects.create_user(email=email, full_name="Olu Operator", password=PASSWORD)
    Operator.objects.create(user=user, role=HelpdeskRole.OPERATOR)
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def _directory_csv(path: Path) -> Path:
    path.write_text(
        "Code,Organisation Name,Status,Date Of Publication,Primary Sector,"
        '"Integrated Care Board (where available, from ODS)",Region\n'
        "VM8L1,LANGDALE HOUSE LTD (VM8L1),23/24 Standards Met,01/07/2024,Care Home,"
        "NHS LEICESTER ICB,Midlands\n"
        "V0002,,,,Care Home,,North\n"
        "V0003,Third House,,,Hospital,,North\n",
        encoding="utf-8",
    )
    return path


def test_an_operator_uploads_a_directory_file_and_downloads_the_rejected_rows(
    page, scanner, tmp_path, monkeypatch
):
    from helpdesk import imports, tasks

    device = _operator()
    # The task is held back (tasks run in-process here) so that the page shows the import
    # waiting, then runs it as a worker would while the page watches.
    queued: list[int] = []
    monkeypatch.setattr(tasks.run_import, "delay", queued.append)

    # Helpdesk staff always pass a second factor: signing in goes straight on to the code.
    page.goto("/helpdesk/imports/")
    page.get_by_label("Email address").fill("operator@helpdesk.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Directory and question bank uploads")).to_be_visible()
    scanner.scan(page, "Uploads, none yet")

    page.get_by_role("button", name="Upload a file").click()
    expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
    scanner.scan(page, "Upload a file")
    page.get_by_role("button", name="Upload", exact=True).click()
    scanner.scan_error(page, "Upload a file, nothing chosen", "Select what you are uploading")

    page.get_by_label("Toolkit directory export (CSV or Excel)").check()
    choose_file(page.get_by_label("Upload a file"), _directory_csv(tmp_path / "later-export.csv"))
    page.get_by_label("Notes (optional)").fill("Sent by the toolkit team")
    page.get_by_role("button", name="Upload", exact=True).click()

    expect(page.get_by_role("heading", name="later-export.csv")).to_be_visible()
    expect(page.locator("#import-progress-text")).to_have_text("Waiting to start")
    scanner.scan(page, "An import waiting to start")
    assert len(queued) == 1
    imports.import_job_run(job_id=queued[0])  # the worker's part; the page finds out by itself

    expect(page.get_by_role("heading", name="What the import did")).to_be_visible()
    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("Created2")
    expect(counts).to_contain_text("Rejected1")
    expect(page.locator("#unknown-columns")).to_have_text("Region")
    expect(page.locator("#unknown-values")).to_contain_text("Hospital")
    scanner.scan(page, "An import's result")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the 1 rejected row (CSV)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["Row", "Reason", "File"],
        ["3", "the organisation name is empty", "later-export.csv"],
    ]

    page.get_by_role("link", name="Back to uploads").click()
    expect(page.get_by_role("link", name="later-export.csv")).to_be_visible()
    scanner.scan(page, "Uploads, one finished")
    scanner.assert_clean()
