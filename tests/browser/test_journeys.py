"""Whole journeys, clicked through in Chromium as the people who use the portal would."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from .conftest import (
    BANK_2025,
    DOCUMENT_TIMEOUT_MS,
    accept_invitation,
    account_menu,
    answer_with_services,
    choose_file,
    click_through,
    directory_organisation,
    expect_document_ready,
    expect_success,
    fill_answer,
    invite,
    load_bank,
    menu,
    open_assessment,
    public_search,
    publish,
    register,
    sign_out,
    write_pdf,
)

pytestmark = pytest.mark.browser

CERTIFICATE_CODE = re.compile(r"\b[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b")


def overview_row(page: Page, ref: str):
    # Refs hold dots, so the row is found by its id attribute rather than a #id selector.
    return page.locator(f'li[id="item-{ref}"]')


def answer_from_overview(page: Page, ref: str, **answer) -> str:
    """Opens the item from the assessment overview, answers it and saves; back on the overview."""
    click_through(overview_row(page, ref).get_by_role("link"))
    expect(page).to_have_url(re.compile(rf"/items/{re.escape(ref)}/$"))
    kind = fill_answer(page, **answer)
    page.get_by_role("button", name="Save", exact=True).click()
    expect_success(page, f"Your answer to {ref} has been saved.")
    expect(overview_row(page, ref)).to_contain_text("Completed")
    return kind


def test_a_care_home_registers_invites_a_member_answers_and_publishes_approaching_standards(
    new_page, tmp_path
):
    load_bank()
    directory_organisation("VJ101", "Larch House Care Home")

    # The registered manager registers the care home and invites a colleague.
    admin = new_page()
    register(admin, ods_code="VJ101", full_name="Ann Admin", email="ann@larch.example")
    expect(admin.locator("header")).to_contain_text("Larch House Care Home (VJ101)")
    link = invite(admin, email="mo@larch.example", role="Member")

    # The colleague opens the emailed link, creates an account, and answers every mandatory item.
    member = new_page()
    accept_invitation(member, link, full_name="Mo Member")
    expect_success(member, "You have joined Larch House Care Home as member")
    open_assessment(member)
    expect(
        member.get_by_text("Progress: 0 of 25 mandatory evidence items provided")
    ).to_be_visible()
    rows = member.locator("li.nhsuk-task-list__item").filter(
        has=member.locator(".nhsuk-task-list__hint .nhsuk-tag", has_text=re.compile("^Mandatory$"))
    )
    refs = [row.get_attribute("id").removeprefix("item-") for row in rows.all()]
    assert len(refs) == 25
    policy = write_pdf(tmp_path / "data-protection-policy.pdf")
    kinds = []
    uploaded = None
    for ref in refs:
        kind = answer_from_overview(member, ref, upload=policy if uploaded is None else None)
        if kind == "document" and uploaded is None:
            uploaded = ref
        kinds.append(kind)
    assert set(kinds) == {"text", "yes_no", "document"}, kinds
    expect(
        member.get_by_text("Progress: 25 of 25 mandatory evidence items provided")
    ).to_be_visible()

    # The uploaded PDF is kept with its answer and can be downloaded again.
    overview_row(member, uploaded).get_by_role("link").click()
    current = member.get_by_role("link", name="data-protection-policy.pdf")
    with member.expect_download() as download:
        current.click()
    assert download.value.suggested_filename == "data-protection-policy.pdf"
    assert Path(download.value.path()).read_bytes() == policy.read_bytes()

    # The administrator fills in the action plan spreadsheet and uploads it.
    admin.goto("/")
    admin.get_by_role("link", name="Publish", exact=True).click()
    expect(admin.get_by_role("heading", name="Approaching Standards")).to_be_visible()
    admin.get_by_role("link", name="Complete the action plan").click()
    with admin.expect_download(timeout=DOCUMENT_TIMEOUT_MS) as download:
        admin.get_by_role("link", name="download the action plan spreadsheet").click()
    spreadsheet = tmp_path / download.value.suggested_filename
    assert spreadsheet.suffix == ".xlsx"
    download.value.save_as(spreadsheet)
    workbook = openpyxl.load_workbook(spreadsheet)
    sheet = workbook["Action plan"]
    headings = [cell.value for cell in sheet[3]]
    assert headings[:1] == ["Ref"], headings
    action = headings.index("Action to be taken")
    person = headings.index("Responsible person")
    target = headings.index("Target date")
    when = timezone.localdate() + datetime.timedelta(days=90)
    planned = []
    for row in sheet.iter_rows(min_row=4):
        if row[0].value:
            planned.append(row[0].value)
            row[action].value = f"Write and agree the procedure for {row[0].value}"
            row[person].value = "Deputy manager"
            row[target].value = when
    assert planned, "the spreadsheet lists the requirements still to do"
    filled = tmp_path / "action-plan-filled.xlsx"
    workbook.save(filled)
    choose_file(admin.get_by_label("Upload your completed action plan"), filled)
    admin.get_by_role("button", name="Upload action plan").click()
    expect_success(admin, "Your action plan has been uploaded and saved.")
    expect(admin.get_by_label("Responsible person").first).to_have_value("Deputy manager")

    # Then publishes Approaching Standards (the only level open to them).
    publish(admin, level="Approaching Standards")
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "25/26 Approaching Standards Assessment"
    )
    expect(admin.get_by_role("table")).to_contain_text("Deputy manager")

    # Anyone, signed out, sees the new status in the public search.
    sign_out(admin)
    results = public_search(admin, "Larch House")
    assert "25/26 Approaching Standards" in results["Larch House Care Home"]


# Typed in the browser: one item of each answer type the HQ journey needs (text, yes/no,
# yes/no with details, document by where it is kept, choice). The services layer answers the rest.
HQ_TYPED = {"1.1.5": {}, "2.1.1": {}, "4.5.3": {}, "7.1.1": {}, "8.1.4": {"choice": "Yes, all"}}


def test_an_hq_publishes_standards_met_for_two_of_three_branches_and_its_certificate_verifies(
    page, tmp_path
):
    load_bank()
    hq = directory_organisation("AJ01", "Juniper Care Group", kind="headquarters")
    branches = {"VJ201": "Juniper Lodge", "VJ202": "Juniper Court", "VJ203": "Juniper Home Care"}
    for code, name in branches.items():
        directory_organisation(code, name, parent=hq)

    register(page, ods_code="AJ01", full_name="Hana Hq", email="hana@juniper.example")
    answer_with_services(ods_code="AJ01", email="hana@juniper.example", skip=tuple(HQ_TYPED))
    open_assessment(page)
    kinds = {ref: answer_from_overview(page, ref, **answer) for ref, answer in HQ_TYPED.items()}
    assert kinds == {
        "1.1.5": "text",
        "2.1.1": "yes_no",
        "4.5.3": "yes_no_text",
        "7.1.1": "document",
        "8.1.4": "choice",
    }
    # 42 items are needed for Standards Met; 8.2.1 does not apply after "all supported" at 8.1.4.
    expect(page.get_by_text("Standards Met: 41 of 41 evidence items provided")).to_be_visible()

    publish(page, level="Standards Met", untick=("Juniper Court (VJ202)",))
    expect(page.get_by_role("heading", level=1)).to_have_text("25/26 Standards Met Assessment")
    covered = page.locator(".nhsuk-summary-list__row", has_text="Sites covered")
    expect(covered).to_contain_text("Juniper Lodge (VJ201)")
    expect(covered).to_contain_text("Juniper Home Care (VJ203)")
    expect(covered).not_to_contain_text("Juniper Court")

    # The certificate is made in the background (in-process in tests) and downloaded.
    page.get_by_role("button", name="Download certificate (PDF)").click(timeout=DOCUMENT_TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1)).to_contain_text("ertificate")
    expect_document_ready(page)
    with page.expect_download(timeout=DOCUMENT_TIMEOUT_MS) as download:
        page.get_by_role("button", name=re.compile(r"^Download .*\.pdf$")).click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Juniper Care Group" in text
    assert "Standards Met" in text
    code = CERTIFICATE_CODE.search(text).group(0)

    # Signed out: two branches show the HQ's status and name it; the third is not registered.
    sign_out(page)
    results = public_search(page, "Juniper")
    assert "25/26 Standards Met" in results["Juniper Care Group"]
    for name in ("Juniper Lodge", "Juniper Home Care"):
        assert "25/26 Standards Met" in results[name], results[name]
        covered_by = "Covered by the publication of Juniper Care Group (AJ01)"
        assert covered_by in results[name], results[name]
    assert "Not registered" in results["Juniper Court"]
    assert "Standards Met" not in results["Juniper Court"]

    page.goto(f"/verify/{code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This certificate is genuine and current"
    )
    details = page.locator("#certificate-details")
    expect(details).to_contain_text("Juniper Care Group")
    expect(details).to_contain_text("AJ01")


def test_a_viewer_cannot_change_anything_and_a_person_in_two_organisations_switches(new_page):
    load_bank()
    directory_organisation("VJ301", "Hawthorn House")
    directory_organisation("VJ302", "Rowan Lodge")
    admin = new_page()
    register(admin, ods_code="VJ301", full_name="Ann Admin", email="ann@hawthorn.example")
    open_assessment(admin)  # started by the administrator; a viewer cannot start it
    link = invite(admin, email="val@care.example", role="Viewer")
    viewer = new_page()
    accept_invitation(viewer, link, full_name="Val Viewer")
    expect_success(viewer, "You have joined Hawthorn House as viewer")

    # Nothing offers a change.
    expect(menu(viewer).get_by_role("link", name="Manage users")).to_have_count(0)
    expect(viewer.get_by_role("link", name="Publish", exact=True)).to_have_count(0)
    open_assessment(viewer)
    expect(viewer.get_by_text("You can view this assessment but not change it")).to_be_visible()
    overview_row(viewer, "1.1.5").get_by_role("link").click()
    expect(viewer.get_by_role("heading", name="Answer", exact=True)).to_be_visible()
    expect(viewer.locator("main form")).to_have_count(0)
    expect(viewer.get_by_role("button", name="Save", exact=True)).to_have_count(0)

    # Posting anyway, with the page's own CSRF token, is refused.
    token = viewer.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    assert viewer.url.endswith("/assessment/2025-26/items/1.1.5/")
    control = viewer.request.post(
        "/assessment/2025-26/download/", form={"csrfmiddlewaretoken": token}, max_redirects=0
    )
    assert control.status == 302, "the token works where a viewer may post"
    refused = {
        "/assessment/2025-26/items/1.1.5/": {"version": "0", "text": "Changed by a viewer"},
        "/publish/profile/": {"confirm": "on"},
        "/publish/action-plan/": {},
        "/organisation/users/invite/": {"email": "x@care.example", "role": "administrator"},
        "/organisation/profile/change/": {"version": "1", "caldicott_guardian": "Val"},
    }
    for url, data in refused.items():
        response = viewer.request.post(
            url, form={"csrfmiddlewaretoken": token, **data}, max_redirects=0
        )
        assert response.status == 403, f"POST {url} answered {response.status}"
        assert "CSRF" not in response.text()
    response = viewer.goto("/publish/")
    assert response.status == 403
    overview_row_page = viewer.goto("/assessment/2025-26/items/1.1.5/")
    assert overview_row_page.status == 200
    expect(viewer.get_by_text("No answer yet.")).to_be_visible()

    # The administrator registers a second home and invites the same person there as a member.
    register(admin, ods_code="VJ302")
    expect(admin.locator("header")).to_contain_text("Rowan Lodge (VJ302)")
    link = invite(admin, email="val@care.example", role="Member")
    viewer.goto(link)
    viewer.get_by_role("button", name="Accept invitation").click()
    expect_success(viewer, "You have joined Rowan Lodge as member")
    header = viewer.locator("header")
    expect(header).to_contain_text("Rowan Lodge (VJ302)")

    # Change organisation, from the header.
    account_menu(viewer).get_by_role("link", name="Change organisation").click()
    viewer.get_by_label("Hawthorn House (VJ301)").check()
    viewer.get_by_role("button", name="Continue").click()
    expect_success(viewer, "You are now working on Hawthorn House.")
    expect(header).to_contain_text("Hawthorn House (VJ301)")
    expect(header).not_to_contain_text("Rowan Lodge")
    viewer.goto("/assessment/2025-26/items/1.1.5/")
    expect(viewer.locator("main form")).to_have_count(0)

    account_menu(viewer).get_by_role("link", name="Change organisation").click()
    viewer.get_by_label("Rowan Lodge (VJ302)").check()
    viewer.get_by_role("button", name="Continue").click()
    expect(header).to_contain_text("Rowan Lodge (VJ302)")
    open_assessment(viewer)  # nobody has started Rowan Lodge's: a member may
    viewer.goto("/assessment/2025-26/items/1.1.5/")
    expect(viewer.get_by_role("button", name="Save", exact=True)).to_be_visible()


def next_year_bank(tmp_path):
    """2026-27, derived from the 2025-26 file: its first three items of each section, carried
    forward from 2025-26, and one new item. A later deadline; `previous_year` names 2025-26.

    Why not load 2024-25 first and treat 2025-26 as next year: a 2024-25 publication is current
    only until 2025-26's deadline (30 June 2026), so from then on "last year's" status would read
    "Out of date" before the journey starts. Deriving the next year keeps the real 2025-26 bank as
    this year, as in every other test, and a small file keeps the review quick.
    """
    source = yaml.safe_load(BANK_2025.read_text())
    source.pop("expected_counts", None)
    source.pop("found_counts", None)
    source["version"] = "2026-27"
    source["publication_deadline"] = "2027-06-30"
    source["previous_year"] = {"version": "2025-26"}
    for section in source["sections"]:
        section["items"] = [i for i in section["items"] if not i.get("depends_on")][:3]
    source["sections"][0]["items"].append(
        {
            "ref": "1.1.9",
            "level": "approaching",
            "answer_type": "yes_no",
            "meets_when": {"answers": ["yes"]},
            "text": "Have you told your staff about the new data security guidance this year?",
            "guidance": "New for 2026-27.",
            "ndg_standard": 1,
            "depends_on": None,
        }
    )
    path = tmp_path / "question-bank-2026-27.yaml"
    path.write_text(yaml.safe_dump(source, sort_keys=False))
    carried = [i["ref"] for s in source["sections"] for i in s["items"] if i["ref"] != "1.1.9"]
    return path, carried


def test_next_years_bank_carries_answers_forward_for_review_and_republishing_shows_the_new_year(
    page, tmp_path
):
    load_bank()
    directory_organisation("VJ401", "Birch Court")
    register(page, ods_code="VJ401", full_name="Ann Admin", email="ann@birch.example")
    answer_with_services(ods_code="VJ401", email="ann@birch.example")
    publish(page, level="Standards Met")

    path, carried = next_year_bank(tmp_path)
    load_bank(path)
    open_assessment(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Data security assessment 2026-27")
    for ref in carried:
        expect(overview_row(page, ref)).to_contain_text("Carried forward – review")
    expect(overview_row(page, "1.1.9")).to_contain_text("Not started")
    expect(page.locator("main")).to_contain_text(
        f"{len(carried)} answers carried forward from last year need reviewing"
    )
    # Until it is republished, the public still sees last year's status.
    results = public_search(page, "Birch Court")
    assert "25/26 Standards Met" in results["Birch Court"]

    open_assessment(page)
    for ref in carried:
        overview_row(page, ref).get_by_role("link").click()
        expect(
            page.locator("main .nhsuk-inset-text").filter(
                has_text="This answer was carried forward from last year's assessment"
            )
        ).to_be_visible()
        page.get_by_role("button", name="Save", exact=True).click()
        expect_success(page, f"Your answer to {ref} has been saved.")
        expect(overview_row(page, ref)).to_contain_text("Completed")
    answer_from_overview(page, "1.1.9")
    expect(page.get_by_text("Carried forward – review")).to_have_count(0)

    publish(page, level="Standards Met")
    expect(page.get_by_role("heading", level=1)).to_have_text("26/27 Standards Met Assessment")
    sign_out(page)
    results = public_search(page, "Birch Court")
    assert "26/27 Standards Met" in results["Birch Court"], results
