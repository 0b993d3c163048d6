"""A care manager on a phone keeps the staff training register and fills 3.2.1 from it: add a
person, record their training, see the figure, fill the answer. Every page fits 320 px and passes
axe."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from .conftest import (
    PHONE,
    directory_organisation,
    expect_success,
    load_bank,
    register,
)

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def fits(page: Page, name: str, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > client:
        problems.append(f"{name} is {scroll} px wide on a {client} px screen")


def fill_date(page: Page, legend: str, day: str, month: str, year: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_keeping_the_register_and_filling_3_2_1_on_a_phone(new_page, scanner):
    load_bank()
    directory_organisation("VST01", "Staffs Training House")
    page = new_page(PHONE)
    register(page, ods_code="VST01", full_name="Tina Trainer", email="tina@staffs.example")
    problems: list[str] = []

    page.get_by_role("link", name="Staff training").click()
    expect(page.get_by_role("heading", name="Staff training", level=1)).to_be_visible()
    scanner.scan(page, "Staff training (empty)")

    page.get_by_role("link", name="Add a person").click()
    page.get_by_role("button", name="Add this person").click()
    scanner.scan_error(page, "Add a person", "Enter the person's name")
    page.get_by_label("Name", exact=True).fill("Ann Smith")
    page.get_by_label("Job title").fill("Care assistant")
    fill_date(page, "Start date", "1", "2", "2024")
    page.get_by_role("button", name="Add this person").click()
    expect(page.get_by_role("heading", name="Ann Smith", level=1)).to_be_visible()
    expect_success(page, "Ann Smith has been added to the register")
    scanner.scan(page, "Person")
    fits(page, "Person", problems)

    page.get_by_role("link", name="Record training").click()
    fill_date(page, "Date completed", "1", "1", "1999")
    page.get_by_label("Course").fill("Data Security Awareness Level 1")
    page.get_by_role("button", name="Save the training").click()
    scanner.scan_error(page, "Record training", "in the year 2000 or later")
    page.goto(page.url)  # start again from a clean form
    fill_date(page, "Date completed", "2", "3", "2026")
    page.get_by_label("Course").fill("Data Security Awareness Level 1")
    page.get_by_role("button", name="Save the training").click()
    expect_success(page, "Training recorded for Ann Smith")

    page.goto(reverse("assessment-overview", args=["2025-26"]))
    page.get_by_role("button", name="Start the 2025-26 assessment").click()
    expect(page.get_by_role("button", name="Start the 2025-26 assessment")).to_have_count(0)
    page.goto(reverse("staff-list"))
    expect(page.locator("#headline")).to_contain_text("1 of 1 person (100 %)")
    scanner.scan(page, "Staff training")
    page.get_by_role("button", name="Fill 3.2.1 from the register").click()
    expect_success(page, "Your answer to 3.2.1 has been filled from the register: 100")
    page.goto(reverse("evidence-item", args=["2025-26", "3.2.1"]))
    expect(page.locator("#staff-training-register")).to_contain_text("1 of 1 person (100 %)")
    scanner.scan(page, "Item 3.2.1")

    page.set_viewport_size(NARROW)
    for name, url in (
        ("Staff training", reverse("staff-list")),
        ("Import", reverse("staff-import")),
        ("Item 3.2.1", reverse("evidence-item", args=["2025-26", "3.2.1"])),
    ):
        page.goto(url)
        fits(page, name, problems)
    assert problems == []
    scanner.assert_clean()
