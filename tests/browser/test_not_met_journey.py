"""An honest "No" in Chromium: it is recorded, shown as not met, keeps Standards Met out of reach,
and can still be published as Approaching Standards with an action plan."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .conftest import (
    click_through,
    directory_organisation,
    expect_success,
    load_bank,
    open_assessment,
    publish,
    register,
)

pytestmark = pytest.mark.browser


HONEST_NO = {
    "text": {"text": "The registered manager"},
    "document": {"document_location": "Policies folder in the office"},
    "yes_no": {"choice": "no"},
    "yes_no_text": {"choice": "no", "text": "Not yet"},
    "number": {"number": Decimal(80)},
}


def answer_no_with_services(*, ods_code: str, email: str, skip: tuple[str, ...] = ()) -> list[str]:
    """Answers every item Standards Met needs the honest way for a home that has done nothing
    yet: "No" to every question, 80 % trained; statements and documents given. Returns the refs
    left unmet, in bank order."""
    from assessments import rules, selectors, services
    from assessments.models import Answer
    from organisations.models import Organisation, User

    organisation = Organisation.objects.get(ods_code=ods_code)
    user = User.objects.get(email=email)
    bank = selectors.bank_latest()
    assessment = services.assessment_get_or_create(organisation=organisation, bank=bank)
    unmet = []
    for item in selectors.bank_items(bank=bank):
        if item.level == "optional" or item.depends_on_id:
            continue
        if item.answer_type == "choice":
            values = {"choice": item.options[0]["value"]}
        else:
            values = HONEST_NO[item.answer_type]
        if not rules.is_met(
            selectors.rule_item(item), rules.AnswerValues(**values), on=timezone.localdate()
        ):
            unmet.append(item.ref)
        if item.ref in skip:
            continue
        existing = Answer.objects.filter(assessment=assessment, item=item).first()
        services.answer_save(
            assessment=assessment,
            item=item,
            values={**values, "comments": ""},
            expected_version=existing.version if existing else 0,
            user=user,
        )
    return unmet


def overview_row(page: Page, ref: str):
    return page.locator(f'li[id="item-{ref}"]')


def test_all_no_is_refused_standards_met_then_publishes_approaching_standards_with_a_plan(
    page, scanner
):
    # scanner: axe-core on each new page state this journey shows
    load_bank()
    directory_organisation("VN201", "Nightingale Court")
    register(page, ods_code="VN201", full_name="Nia Admin", email="nia@nightingale.example")
    unmet = answer_no_with_services(
        ods_code="VN201", email="nia@nightingale.example", skip=("6.2.1",)
    )
    assert "6.2.1" in unmet
    assert "3.2.1" in unmet

    # The last one is answered on its page, honestly: "No".
    open_assessment(page)
    click_through(overview_row(page, "6.2.1").get_by_role("link"))
    page.locator("main form").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect_success(page, "Your answer to 6.2.1 has been saved.")
    expect(overview_row(page, "6.2.1")).to_contain_text("Answered – not met")
    scanner.scan(page, "Assessment overview with items not met")
    expect(
        page.get_by_text(
            re.compile(
                r"Standards Met: \d+ of \d+ evidence items provided; "
                rf"{len(unmet)} answered – not met"
            )
        )
    ).to_be_visible()

    # Publishing: Standards Met is not offered, and each unmet requirement is listed with a link.
    page.goto("/")
    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name="Publish your assessment")).to_be_visible()
    unmet_list = page.get_by_text(f"{len(unmet)} requirements answered but not met").first
    expect(unmet_list).to_be_visible()
    scanner.scan(page, "Publish: start, requirements not met")
    needs_95 = page.get_by_role(
        "link",
        name="Requirement 3.2.1 in the Staffing and roles section is not met: "
        "Standards Met needs a figure of at least 95",
    )
    expect(needs_95).to_be_visible()
    click_through(needs_95)
    expect(page.get_by_role("heading", level=1)).to_contain_text("What percentage of your staff")
    expect(page.locator("#not-met")).to_contain_text("Standards Met needs a figure of at least 95")
    scanner.scan(page, "Evidence item, answered but not met")
    page.go_back()
    expect(page.get_by_role("heading", name="Publish your assessment")).to_be_visible()

    # The action plan covers every unmet requirement, filled in on the page.
    page.get_by_role("link", name="Complete the action plan").click()
    expect(page.get_by_role("heading", name="Action plan", level=1)).to_be_visible()
    target = timezone.localdate() + datetime.timedelta(days=120)
    rows = page.locator("main form fieldset.nhsuk-fieldset").filter(
        has=page.get_by_label("Action to be taken")
    )
    expect(rows).to_have_count(len(unmet))
    for index in range(len(unmet)):
        row = rows.nth(index)
        row.get_by_label("Action to be taken").fill("Put it in place with our IT supplier")
        row.get_by_label("Responsible person").fill("Nia Admin")
        row.get_by_label("Day").fill(str(target.day))
        row.get_by_label("Month").fill(str(target.month))
        row.get_by_label("Year").fill(str(target.year))
    page.get_by_role("button", name="Save action plan").click()
    expect(page.get_by_role("heading", name="Publish your assessment")).to_be_visible()
    standards_met = page.get_by_role("heading", name="Standards Met", exact=True)
    expect(standards_met).to_be_visible()

    publish(page, level="Approaching Standards")
    expect(page.locator("main")).to_contain_text("25/26 Approaching Standards")
    scanner.assert_clean()
