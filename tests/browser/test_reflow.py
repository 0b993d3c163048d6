"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide the key pages fit the screen, with no sideways
scrolling, even with a very long email address among the people."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from .conftest import (
    answer_with_services,
    directory_organisation,
    helpdesk_staff,
    load_bank,
    register,
    sign_in,
    sign_in_with_code,
)

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
LONG_EMAIL = (
    "registered.manager.and.data.protection.lead@"
    "the-very-long-named-residential-care-home-group.example"
)
# The innermost elements reaching past the right edge, to say what makes a page too wide.
_TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const over = e => e.getBoundingClientRect().right > width + 0.5;
  return [...document.querySelectorAll('body *')]
    .filter(e => over(e) && ![...e.children].some(over))
    .slice(0, 3)
    .map(e => `${e.tagName.toLowerCase()}${[...e.classList].map(c => '.' + c).join('')} ` +
              `"${(e.innerText || '').trim().slice(0, 30)}"`);
}"""


def fits(page: Page, name: str, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    expect(page.locator("h1")).to_be_visible()
    scroll, client = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if scroll > client:
        problems.append(f"{name} ({page.url}) is {scroll} px wide: {page.evaluate(_TOO_WIDE)}")


def test_key_pages_fit_a_320_pixel_screen(new_page):
    from organisations.models import Membership, Organisation, User
    from organisations.roles import Role

    load_bank()
    directory_organisation("VR320", "Rowan Narrow House")
    setup = new_page()
    register(setup, ods_code="VR320", full_name="Rita Rowan", email="rita@rowan.example")
    answer_with_services(ods_code="VR320", email="rita@rowan.example")
    organisation = Organisation.objects.get(ods_code="VR320")
    someone = User.objects.create_user(LONG_EMAIL, "Long-address-2025", full_name="Lee Long")
    Membership.objects.create(user=someone, organisation=organisation, role=Role.MEMBER)

    problems: list[str] = []
    page = new_page(NARROW)
    sign_in(page, "rita@rowan.example")
    fits(page, "Dashboard", problems)
    page.goto(reverse("people-list"))
    expect(page.get_by_text(LONG_EMAIL)).to_be_visible()
    fits(page, "Manage users", problems)
    page.goto(reverse("assessment-overview", args=["2025-26"]))
    fits(page, "Assessment overview", problems)
    page.goto(reverse("evidence-item", args=["2025-26", "1.1.5"]))
    fits(page, "Evidence item 1.1.5", problems)
    page.goto(reverse("publish-start"))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I confirm the organisation profile is correct").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and publish")).to_be_visible()
    fits(page, "Publish summary", problems)
    page.goto(reverse("organisation-public", args=["VR320"]))
    fits(page, "Public organisation page", problems)

    device = helpdesk_staff("olu@helpdesk.example", "Olu Operator")
    helpdesk = new_page(NARROW)
    sign_in_with_code(
        helpdesk,
        device,
        then=reverse("helpdesk:case", args=["VR320"]),
        next_heading="Rowan Narrow House",
    )
    expect(helpdesk.get_by_text(LONG_EMAIL)).to_be_visible()
    fits(helpdesk, "Helpdesk case page", problems)

    assert problems == []
