"""Reporting an incident on a phone (375 px): a member reports a lost unencrypted laptop with 40
service users' records, sees that it must be reported to the ICO, submits it and is given the
reference. Every question page is scanned with axe once, and must not scroll sideways."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    PHONE,
    accept_invitation,
    click_through,
    directory_organisation,
    invite,
    menu,
    register,
)

pytestmark = pytest.mark.browser


def fits_the_phone(page: Page, name: str, problems: list[str]) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{name} scrolls sideways: {width} px wide")


def answer(page: Page, heading: str, scanner, problems: list[str], fill) -> None:
    """On the question page headed `heading`: scan it, answer it, save and continue."""
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    scanner.scan(page, heading)
    fits_the_phone(page, heading, problems)
    fill(page)
    click_through(page.get_by_role("button", name="Save and continue"))


def fill_date_and_time(page: Page, when: dt.datetime) -> None:
    page.get_by_label("Day").fill(str(when.day))
    page.get_by_label("Month").fill(str(when.month))
    page.get_by_label("Year").fill(str(when.year))
    page.get_by_label("Time").fill(f"{when:%H:%M}")


def test_a_member_reports_a_lost_laptop_on_a_phone(new_page, scanner):
    directory_organisation("VK201", "Rowan Court Care Home")
    admin = new_page()
    register(admin, ods_code="VK201", full_name="Ann Admin", email="ann@rowan.example")
    link = invite(admin, email="mo@rowan.example", role="Member")

    page = new_page(PHONE)
    accept_invitation(page, link, full_name="Mo Member")
    problems: list[str] = []

    page.goto("/")
    menu_link = menu(page).get_by_role("link", name="Report an incident")
    if not menu_link.is_visible():
        page.get_by_role("button", name=re.compile("More")).click()
    click_through(menu_link)
    expect(page.get_by_role("heading", name="Report an incident", level=1)).to_be_visible()
    scanner.scan(page, "Incidents")
    click_through(page.get_by_role("button", name="Start a new report"))

    # Yesterday evening in England, found later that evening: well inside the 72 hours.
    yesterday = dt.datetime.now(ZoneInfo("Europe/London")) - dt.timedelta(days=1)
    happened = yesterday.replace(hour=18, minute=20)
    discovered = yesterday.replace(hour=21, minute=5)
    answer(
        page,
        "When did the incident happen?",
        scanner,
        problems,
        lambda p: fill_date_and_time(p, happened),
    )
    answer(
        page,
        "When was the incident discovered?",
        scanner,
        problems,
        lambda p: fill_date_and_time(p, discovered),
    )
    answer(
        page,
        "How was the incident discovered?",
        scanner,
        problems,
        lambda p: p.get_by_label("How was the incident discovered?").fill(
            "The care worker told the manager when she noticed the laptop was missing"
        ),
    )

    # The description: first left empty, which is refused with an error summary.
    expect(page.get_by_role("heading", name="What happened?", level=1)).to_be_visible()
    expect(page.locator(".nhsuk-warning-callout")).to_contain_text("No personal data")
    click_through(page.get_by_role("button", name="Save and continue"))
    scanner.scan_error(page, "What happened?", "Describe what happened")
    answer(
        page,
        "What happened?",
        scanner,
        problems,
        lambda p: p.get_by_label("What happened?").fill(
            "An unencrypted laptop holding the care records of 40 residents was left on a train."
        ),
    )
    answer(
        page,
        "What kind of incident was it?",
        scanner,
        problems,
        lambda p: p.get_by_label("Laptop, phone, tablet or memory stick lost or stolen").check(),
    )
    answer(
        page,
        "Was it caused by a cyber incident?",
        scanner,
        problems,
        lambda p: p.get_by_label("No", exact=True).check(),
    )
    answer(
        page,
        "How was the information affected?",
        scanner,
        problems,
        lambda p: p.get_by_label("Seen or shared when it should not have been").check(),
    )

    def personal_data(p: Page) -> None:
        p.get_by_label("Health and care information").check()
        p.get_by_label("Names, addresses, dates of birth or NHS numbers").check()

    answer(page, "What kinds of personal data were involved?", scanner, problems, personal_data)
    answer(
        page,
        "Who is the information about?",
        scanner,
        problems,
        lambda p: p.get_by_label("People who use our services").check(),
    )

    def numbers(p: Page) -> None:
        p.get_by_label("Number of records", exact=True).fill("40")
        p.get_by_label("Number of people", exact=True).fill("40")

    answer(page, "Roughly how many records and people are involved?", scanner, problems, numbers)
    answer(
        page,
        "What are the likely consequences for the people affected?",
        scanner,
        problems,
        lambda p: p.get_by_label("What are the likely consequences for the people affected?").fill(
            "Distress, and a risk of identity fraud."
        ),
    )
    answer(
        page,
        "What has been done to contain the incident and put things right?",
        scanner,
        problems,
        lambda p: p.get_by_label(
            "What has been done to contain the incident and put things right?"
        ).fill("Reported to the train company's lost property; passwords changed."),
    )
    answer(
        page,
        "Have the people affected been told?",
        scanner,
        problems,
        lambda p: p.get_by_label("Not yet").check(),
    )
    answer(
        page,
        "Who else has been told?",
        scanner,
        problems,
        lambda p: p.get_by_label("The police").check(),
    )
    answer(
        page,
        "How likely is it that harm has occurred?",
        scanner,
        problems,
        lambda p: p.get_by_label("4 – Highly likely").check(),
    )
    answer(
        page,
        "How severe could the harm to the people affected be?",
        scanner,
        problems,
        lambda p: p.get_by_label("3 – Adverse effect").check(),
    )

    # Check answers: the verdict before submitting.
    expect(
        page.get_by_role(
            "heading", name="Check your answers before submitting your report", level=1
        )
    ).to_be_visible()
    expect(page.locator("#verdict")).to_contain_text("Reportable to the ICO")
    expect(page.locator("#answer-numbers")).to_contain_text("Records: 40")
    scanner.scan(page, "Check your answers")
    fits_the_phone(page, "Check your answers", problems)

    # A change goes back to check answers.
    click_through(page.locator("#answer-cyber").get_by_role("link", name=re.compile("^Change")))
    expect(page.get_by_label("No", exact=True)).to_be_checked()
    click_through(page.get_by_role("button", name="Save and continue"))
    expect(page.locator("#verdict")).to_contain_text("Reportable to the ICO")

    click_through(page.get_by_role("button", name="Submit report"))
    expect(page.get_by_role("heading", name="Incident report submitted", level=1)).to_be_visible()
    reference = page.locator("#incident-reference")
    expect(reference).to_have_text(re.compile(r"^INC-\d{4}-\d{6}$"))
    expect(page.locator("main")).to_contain_text("Reportable to the ICO")
    scanner.scan(page, "Incident report submitted")
    fits_the_phone(page, "Incident report submitted", problems)

    # The incidents page lists it by its reference.
    number = reference.inner_text()
    click_through(page.get_by_role("link", name="Back to incidents"))
    expect(page.locator("main")).to_contain_text(number)

    assert problems == []
    scanner.assert_clean()
