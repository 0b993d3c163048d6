"""Accessibility: an axe-core scan of every page type, and of every form in its error state, plus
keyboard-only use of a sign-in and an evidence item.

Each test walks through the portal the way a person would and scans every page on the way; the
violations of all pages are reported together at the end, page by page, so one run shows all of
them. Forms in their error state must also show the NHS.UK error summary whose links lead to real
fields, and a page title starting with "Error:".
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from .conftest import (
    DOCUMENT_TIMEOUT_MS,
    PASSWORD,
    account_menu,
    answer_with_services,
    choose_file,
    click_through,
    directory_organisation,
    expect_document_ready,
    expect_success,
    fill_answer,
    invite,
    menu,
    open_assessment,
    register,
    registration_link,
    sign_out,
    write_pdf,
)

pytestmark = pytest.mark.browser


def untick_radios(page: Page) -> None:
    page.evaluate(
        "() => document.querySelectorAll('main [type=radio]').forEach(r => r.checked = false)"
    )


def button(page: Page, name: str):
    return page.locator("main").get_by_role("button", name=name, exact=True)


def submit(page: Page, name: str) -> None:
    button(page, name).click()


def test_public_pages_and_their_forms(page, scanner):
    directory_organisation("VA101", "Ash Tree House")

    page.goto("/")
    scanner.scan(page, "Start page")
    page.goto("/does-not-exist/")
    scanner.scan(page, "Page not found")

    page.goto("/register/")
    scanner.scan(page, "Register")
    submit(page, "Continue")
    scanner.scan_error(page, "Register, nothing entered", "Enter your organisation's ODS code")
    page.get_by_label("What is your organisation's ODS code?").fill("VZZ404")
    submit(page, "Continue")
    scanner.scan_error(page, "Register, unknown code", "We cannot find the ODS code")
    page.get_by_label("What is your organisation's ODS code?").fill("VA101")
    click_through(button(page, "Continue"))
    scanner.scan(page, "Register: confirm your organisation")
    submit(page, "Send the link")
    scanner.scan_error(page, "Register: confirm, nothing entered", "Enter your email address")
    page.get_by_label("Your email address").fill("ann@ash.example")
    page.get_by_label("This is my organisation and I am allowed to register it").check()
    click_through(button(page, "Send the link"))
    scanner.scan(page, "Register: check your email")
    page.goto(registration_link("ann@ash.example"))
    scanner.scan(page, "Register: the emailed link")
    submit(page, "Create account and register")
    scanner.scan_error(page, "Register: link, nothing entered", "Enter your full name")
    page.get_by_label("Your full name").fill("Ann Admin")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD + "x")
    submit(page, "Create account and register")
    scanner.scan_error(page, "Register: link, passwords differ", "The passwords do not match")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    submit(page, "Create account and register")
    expect_success(page, "Ash Tree House is registered")
    sign_out(page)

    # An NHS trust cannot register itself: it is sent to the helpdesk with a request form.
    from organisations.models import Organisation

    Organisation.objects.create(
        ods_code="R0A", name="Oak NHS Trust", kind="headquarters", primary_sector="NHS Trust"
    )
    page.goto("/register/")
    page.get_by_label("What is your organisation's ODS code?").fill("R0A")
    click_through(button(page, "Continue"))
    scanner.scan(page, "Register: contact the helpdesk")
    submit(page, "Send request to the helpdesk")
    scanner.scan_error(page, "Register: helpdesk, nothing entered", "Enter your full name")
    page.get_by_label("Your full name").fill("Ivy Lead")
    page.get_by_label("Your email address").fill("ivy@oak.example")
    page.get_by_label("Why do you need to register").fill("I am the IG lead.")
    click_through(button(page, "Send request to the helpdesk"))
    scanner.scan(page, "Register: request sent to the helpdesk")

    page.goto("/sign-in/")
    scanner.scan(page, "Sign in")
    submit(page, "Sign in")
    scanner.scan_error(page, "Sign in, nothing entered", "Enter your email address")
    page.get_by_label("Email address").fill("ann@ash.example")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    submit(page, "Sign in")
    scanner.scan_error(page, "Sign in, wrong password", "Enter a correct email address")

    click_through(page.get_by_role("link", name="I have forgotten my password"))
    scanner.scan(page, "Password reset")
    submit(page, "Send the link")
    scanner.scan_error(page, "Password reset, nothing entered")
    page.get_by_label("Email address").fill("ann@ash.example")
    click_through(button(page, "Send the link"))
    scanner.scan(page, "Password reset: link sent")
    link = re.search(r"https?://\S+/password-reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    scanner.scan(page, "Password reset: set a new password")
    submit(page, "Save new password")
    scanner.scan_error(page, "Password reset: set a new password, nothing entered")
    page.get_by_label("Create a new password").fill("Another-password-2025")
    page.get_by_label("Confirm your new password").fill("Another-password-2025")
    click_through(button(page, "Save new password"))
    scanner.scan(page, "Password reset: complete")
    page.goto(link)
    scanner.scan(page, "Password reset: a used link")

    page.goto("/search/")
    scanner.scan(page, "Search")
    page.get_by_label("Search for an organisation's DSPT status").fill("Ash Tree")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main table")).to_contain_text("Registered, not published")
    scanner.scan(page, "Search results")
    click_through(page.get_by_role("link", name="Ash Tree House"))
    scanner.scan(page, "Organisation page")
    page.goto("/search/?q=" + "x" * 300)
    scanner.scan_error(page, "Search, too long")
    page.goto("/search/?q=nothing+like+this")
    scanner.scan(page, "Search, no results")
    page.goto("/verify/ABCDE-FGHJK-MNPQR-STVWX/")
    scanner.scan(page, "Verify a certificate, unknown code")
    page.goto("/verify/not-a-code/")
    scanner.scan(page, "Verify a certificate, not a code")

    scanner.assert_clean()


def test_people_and_organisation_pages_and_their_forms(new_page, scanner):
    directory_organisation("VA201", "Beech House")
    directory_organisation("VA202", "Cedar Lodge")
    page = new_page()
    register(page, ods_code="VA201", full_name="Ann Admin", email="ann@beech.example")
    scanner.scan(page, "Dashboard")

    click_through(menu(page).get_by_role("link", name="Organisation profile"))
    scanner.scan(page, "Organisation profile")
    click_through(page.get_by_role("button", name="Change profile"))
    scanner.scan(page, "Organisation profile: change")
    page.get_by_role("group", name="Do you have Cyber Essentials Plus?").get_by_label(
        "Yes", exact=True
    ).check()
    submit(page, "Save profile")
    scanner.scan_error(page, "Organisation profile: change, certificate missing")

    click_through(menu(page).get_by_role("link", name="Manage users"))
    scanner.scan(page, "Manage users")
    click_through(page.get_by_role("button", name="Invite someone"))
    scanner.scan(page, "Invite someone")
    submit(page, "Send invitation")
    scanner.scan_error(page, "Invite someone, nothing entered", "Enter the email address")
    link = invite(page, email="mo@beech.example", role="Member")
    scanner.scan(page, "Manage users, with an invitation")
    invite(page, email="old@beech.example", role="Viewer")
    click_through(page.get_by_role("link", name="Cancel the invitation for old@beech.example"))
    scanner.scan(page, "Cancel an invitation")

    colleague = new_page()
    colleague.goto(link)
    scanner.scan(colleague, "Accept an invitation")
    submit(colleague, "Create account and join")
    scanner.scan_error(colleague, "Accept an invitation, nothing entered", "Enter your full name")
    colleague.get_by_label("Your full name").fill("Mo Member")
    colleague.get_by_label("Create a password").fill(PASSWORD)
    colleague.get_by_label("Confirm your password").fill(PASSWORD)
    submit(colleague, "Create account and join")
    expect_success(colleague, "You have joined Beech House")
    colleague.goto(link)
    scanner.scan(colleague, "Accept an invitation, already used")

    page.goto("/organisation/users/")
    click_through(page.get_by_role("link", name="Change role of Mo Member"))
    scanner.scan(page, "Change role")
    page.go_back()
    click_through(page.get_by_role("link", name="Remove Mo Member"))
    scanner.scan(page, "Remove someone")
    page.go_back()
    # The only administrator can neither demote nor remove themselves.
    page.get_by_role("link", name="Change role of Ann Admin").click()
    page.get_by_label("Viewer", exact=True).check()
    submit(page, "Save role")
    scanner.scan_error(page, "Change role, last administrator")
    page.goto("/organisation/users/")
    page.get_by_role("link", name="Remove Ann Admin").click()
    submit(page, "Remove")
    scanner.scan_error(page, "Remove someone, last administrator")

    # A second organisation, registered while signed in, makes "Change organisation" useful.
    page.goto("/register/")
    page.get_by_label("What is your organisation's ODS code?").fill("VA202")
    click_through(button(page, "Continue"))
    scanner.scan(page, "Register: confirm, signed in")
    submit(page, "Send the link")
    scanner.scan_error(page, "Register: confirm, signed in, not confirmed")
    page.get_by_label("This is my organisation and I am allowed to register it").check()
    click_through(button(page, "Send the link"))
    page.goto(registration_link("ann@beech.example"))
    scanner.scan(page, "Register: the emailed link, signed in")
    submit(page, "Register organisation")
    expect_success(page, "Cedar Lodge is registered")
    click_through(account_menu(page).get_by_role("link", name="Change organisation"))
    scanner.scan(page, "Change organisation")
    untick_radios(page)  # nothing chosen: only a stale or tampered form can send that
    submit(page, "Continue")
    scanner.scan_error(page, "Change organisation, nothing chosen", "Select an organisation")

    page.goto("/organisation/reminders/")
    scanner.scan(page, "Reminders")
    page.goto("/assessment/")
    scanner.scan(page, "Assessment, no question bank loaded")

    scanner.assert_clean()


# The small bank from tests/factories.py has an item of every answer type.
ITEM_TYPES = {
    "1.1.1": ("text", "Enter your answer"),
    "1.1.2": ("yes_no", "Select yes or no"),
    "1.1.3": ("date", None),
    "2.1.1": ("number", "Enter a number"),
    "2.1.2": ("document", "Upload a document or say where it is kept"),
    "2.1.3": ("yes_no_text", "Select yes or no"),
    "4.9.8": ("choice", "Select an answer"),
}


def test_assessment_and_publishing_pages_and_their_forms(page, scanner, tmp_path):
    from publishing.models import Publication
    from tests.factories import bank_build

    bank_build(year="2025-26", items_per_section=3)
    hq = directory_organisation("AE31", "Elm Care Group", kind="headquarters")
    directory_organisation("VA301", "Elm Lodge", parent=hq)
    directory_organisation("VA302", "Elm Court", parent=hq)
    register(page, ods_code="AE31", full_name="Ann Admin", email="ann@elm.example")

    click_through(menu(page).get_by_role("link", name="Assessment"))
    scanner.scan(page, "Assessment not started")
    click_through(page.get_by_role("button", name="Start the 2025-26 assessment"))
    scanner.scan(page, "Assessment overview")
    click_through(page.get_by_role("link", name="Show only items left to do"))
    scanner.scan(page, "Assessment overview, left to do")

    policy = write_pdf(tmp_path / "policy.pdf")
    for ref, (kind, message) in ITEM_TYPES.items():
        page.goto(f"/assessment/2025-26/items/{ref}/")
        scanner.scan(page, f"Evidence item ({kind})")
        submit(page, "Save")
        scanner.scan_error(page, f"Evidence item ({kind}), nothing entered", message)
        assert fill_answer(page, upload=policy) == kind
        submit(page, "Save")
        expect_success(page, f"Your answer to {ref} has been saved.")
    page.goto("/assessment/2025-26/items/2.1.2/")
    scanner.scan(page, "Evidence item (document), with a file")
    click_through(page.get_by_role("link", name="See all saved versions"))
    scanner.scan(page, "Saved versions")

    # Approaching Standards needs the rest of the mandatory items and an action plan.
    answer_with_services(ods_code="AE31", email="ann@elm.example", levels=("approaching",))
    page.goto("/publish/")
    scanner.scan(page, "Publish: start, not ready")
    click_through(page.get_by_role("link", name="Complete the action plan"))
    scanner.scan(page, "Action plan")
    submit(page, "Save action plan")
    scanner.scan_error(page, "Action plan, nothing entered", "Enter the action to be taken")
    submit(page, "Upload action plan")
    scanner.scan_error(page, "Action plan upload, no file", "Choose the completed action plan")
    choose_file(page.get_by_label("Upload your completed action plan"), policy)
    submit(page, "Upload action plan")
    scanner.scan_error(page, "Action plan upload, not a spreadsheet", "must be the action plan")

    answer_with_services(ods_code="AE31", email="ann@elm.example", levels=("met",))
    page.goto("/publish/")
    scanner.scan(page, "Publish: start, ready")
    click_through(button(page, "Continue"))
    scanner.scan(page, "Publish: confirm the profile")
    submit(page, "Continue")
    scanner.scan_error(page, "Publish: confirm the profile, not ticked", "Confirm that")
    page.get_by_label("I confirm the organisation profile is correct").check()
    click_through(button(page, "Continue"))
    scanner.scan(page, "Publish: who to publish for")
    # A site that is not one of the HQ's (a tampered form) is refused.
    page.locator("main input[type=checkbox]").first.evaluate("box => { box.value = '999999'; }")
    submit(page, "Continue")
    scanner.scan_error(
        page, "Publish: who to publish for, a stranger", "Select only sites on this list"
    )
    click_through(button(page, "Continue"))
    scanner.scan(page, "Publish: check and publish")
    untick_radios(page)
    submit(page, "Publish")
    scanner.scan_error(page, "Publish: check and publish, no level", "Select the standard")
    page.get_by_label("Standards Met", exact=True).check()
    submit(page, "Publish")
    expect_success(page, "You have published 25/26 Standards Met")
    scanner.scan(page, "Publication")
    # The click waits for the answer, which comes once the certificate is made.
    button(page, "Download certificate (PDF)").click(timeout=DOCUMENT_TIMEOUT_MS)
    expect_document_ready(page)
    scanner.scan(page, "Document (certificate) ready")
    click_through(menu(page).get_by_role("link", name="Publications"))
    scanner.scan(page, "Publications")

    code = Publication.objects.get().verification_code
    sign_out(page)
    page.goto(f"/verify/{code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This certificate is genuine and current"
    )
    scanner.scan(page, "Verify a certificate, genuine")
    page.goto("/search/?q=Elm")
    expect(page.locator("main table")).to_contain_text(
        "Covered by the publication of Elm Care Group (AE31)"
    )
    scanner.scan(page, "Search results, branches covered by an HQ")
    click_through(page.get_by_role("link", name="Elm Lodge"))
    scanner.scan(page, "Organisation page, covered by an HQ")

    scanner.assert_clean()


# --- Keyboard only --------------------------------------------------------------------------------


def tab_to(page: Page, selector: str, *, limit: int = 40) -> None:
    """Presses Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def focus_is_in_error_summary(page: Page) -> bool:
    return page.evaluate("() => !!document.activeElement.closest('.nhsuk-error-summary')")


def test_signing_in_and_answering_with_the_keyboard_only(page):
    from tests.factories import bank_build

    bank_build(year="2025-26", items_per_section=3)
    directory_organisation("VA401", "Hazel House")
    register(page, ods_code="VA401", full_name="Ann Admin", email="ann@hazel.example")
    open_assessment(page)
    sign_out(page)

    # Sign in: a wrong password first.
    page.goto("/sign-in/")
    tab_to(page, "#id_username")
    page.keyboard.type("ann@hazel.example")
    tab_to(page, "#id_password")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.title().startswith("Error:"), page.title()
    assert focus_is_in_error_summary(page), "the error summary has the focus"
    expect(page.locator("#id_username")).to_have_value("ann@hazel.example")
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert not page.title().startswith("Error:")

    # An evidence item (yes/no): save without an answer, then choose with Space.
    page.goto("/assessment/2025-26/items/1.1.2/")
    tab_to(page, "main button[name=save]")
    page.keyboard.press("Enter")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Select yes or no")
    page.wait_for_load_state("load")
    assert page.title().startswith("Error:"), page.title()
    assert focus_is_in_error_summary(page), "the error summary has the focus"
    tab_to(page, "main input[type=radio]")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked && document.activeElement.value")
    tab_to(page, "main button[name=save_and_next]")
    page.keyboard.press("Space")
    expect_success(page, "Your answer to 1.1.2 has been saved.")
    expect(page).to_have_url(re.compile(r"/items/1\.1\.3/$"))
    assert not page.title().startswith("Error:")
