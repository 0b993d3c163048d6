"""Phone-sized screens (375 × 812): no sideways scrolling, and tap targets people can hit.

Every page of the assessment and publish flow is checked as it is reached: the page must fit the
screen's width, and every button, input, select, text area and radio or checkbox (its label box,
which is what a finger hits) must be at least 44 px high. All offenders are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from .conftest import (
    PHONE,
    answer_with_services,
    click_through,
    directory_organisation,
    expect_success,
    register,
    sign_out,
)

pytestmark = pytest.mark.browser

TAP_TARGET = 44
CONTROLS = "button, input:not([type=hidden]), select, textarea, a.nhsuk-button"

# What a control is, for people reading the report: tag and type, and its words.
_DESCRIBE = """e => {
  const what = e.tagName.toLowerCase() + (e.type && e.tagName !== 'BUTTON' ? `[${e.type}]` : '');
  const label = e.id && document.querySelector(`label[for="${CSS.escape(e.id)}"]`);
  const words = (label ? label.innerText
    : (e.getAttribute('aria-label') || e.innerText || e.value || e.name || '')).trim();
  return `${what} "${words.replace(/\\s+/g, ' ').slice(0, 50)}"`;
}"""
# The innermost elements reaching past the right edge (their box, or content overflowing it), to
# say what makes a page scroll sideways.
_TOO_WIDE = """width => {
  const right = e => {
    const box = e.getBoundingClientRect();
    return Math.max(box.right, e.clientWidth ? box.left + e.scrollWidth : 0);
  };
  const over = e => right(e) > width + 0.5;
  return [...document.querySelectorAll('body *')]
    .filter(e => over(e) && ![...e.children].some(over))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}${[...e.classList].map(c => '.' + c).join('')} ` +
              `"${(e.innerText || '').trim().slice(0, 30)}" reaches ${Math.round(right(e))} px`);
}"""


@dataclass
class PhoneCheck:
    problems: list[str] = field(default_factory=list)
    small: dict[str, list[str]] = field(default_factory=dict)  # control -> a page per instance
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        self.checked.append(name)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            culprits = page.evaluate(_TOO_WIDE, PHONE["width"])
            self.problems.append(
                f"{name} ({page.url}): scrolls sideways, {width} px wide; "
                + ("; ".join(culprits) or "no single element found")
            )
        for control in page.locator(CONTROLS).all():
            box = control.bounding_box()
            if box is None or box["width"] <= 1 or box["height"] <= 1:
                continue  # not shown, or visually hidden (a component shows it another way)
            height = box["height"]
            kind = control.get_attribute("type") or ""
            if kind in ("radio", "checkbox"):
                label = page.locator(f'label[for="{control.get_attribute("id")}"]')
                if label.count():
                    height = max(height, (label.bounding_box() or {"height": 0})["height"])
            if height < TAP_TARGET:
                what = f"{control.evaluate(_DESCRIBE)} is {height:.0f} px high"
                self.small.setdefault(what, []).append(name)

    def assert_fine(self) -> None:
        problems = list(self.problems)
        for what, pages in self.small.items():
            count = f"{len(pages)} × " if len(pages) > 1 else ""
            pages = list(dict.fromkeys(pages))
            where = ", ".join(pages[:4]) + (f" and {len(pages) - 4} more" if len(pages) > 4 else "")
            problems.append(f"{count}{what}, under {TAP_TARGET} px: on {where}")
        if problems:
            pytest.fail(
                f"{len(problems)} problem(s) on {len(self.checked)} phone-sized pages:\n  "
                + "\n  ".join(problems),
                pytrace=False,
            )


ITEMS = {
    "1.1.1": "text",
    "1.1.2": "yes/no",
    "1.1.3": "date",
    "2.1.1": "number",
    "2.1.2": "document",
    "2.1.3": "yes/no with details",
    "4.9.8": "choice",
}


def test_the_assessment_publish_flow_and_search_fit_a_phone(new_page):
    from tests.factories import bank_build

    bank_build(year="2025-26", items_per_section=3)
    hq = directory_organisation("AM01", "Oak Tree Care Group", kind="headquarters")
    directory_organisation("VM101", "Oak Tree Lodge", parent=hq)
    directory_organisation("VM102", "Oak Tree Court", parent=hq)
    page = new_page(PHONE)
    phone = PhoneCheck()
    register(page, ods_code="AM01", full_name="Ann Admin", email="ann@oak.example")

    page.goto("/assessment/2025-26/")
    phone.check(page, "Assessment not started")
    click_through(page.get_by_role("button", name="Start the 2025-26 assessment"))
    phone.check(page, "Assessment overview")
    for ref, kind in ITEMS.items():
        page.goto(f"/assessment/2025-26/items/{ref}/")
        phone.check(page, f"Evidence item ({kind})")
    page.goto("/assessment/2025-26/items/1.1.3/")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    phone.check(page, "Evidence item (date), with an error")

    answer_with_services(ods_code="AM01", email="ann@oak.example", levels=("approaching",))
    page.goto("/publish/")
    phone.check(page, "Publish: start, not ready")
    click_through(page.get_by_role("link", name="Complete the action plan"))
    phone.check(page, "Action plan")

    answer_with_services(ods_code="AM01", email="ann@oak.example", levels=("met",))
    page.goto("/publish/")
    phone.check(page, "Publish: start, ready")
    click_through(page.get_by_role("button", name="Continue"))
    phone.check(page, "Publish: confirm the profile")
    page.get_by_label("I confirm the organisation profile is correct").check()
    click_through(page.get_by_role("button", name="Continue"))
    phone.check(page, "Publish: who to publish for")
    click_through(page.get_by_role("button", name="Continue"))
    phone.check(page, "Publish: check and publish")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect_success(page, "You have published")
    phone.check(page, "Publication")

    sign_out(page)
    page.goto("/search/")
    page.get_by_label("Search for an organisation's DSPT status").fill("Oak Tree")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("main table")).to_contain_text("Oak Tree Court")
    phone.check(page, "Search results")

    phone.assert_fine()
