"""The issue's whole journey on phones (375 px): nineteen of twenty people are trained bar one; a
care worker passes the frontline quiz from her personal link; the manager sees the register reach
95 % and fills 3.2.1 from it. Every page is scanned with axe."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import (
    PHONE,
    click_through,
    directory_organisation,
    expect_success,
    load_bank,
    register,
)

pytestmark = pytest.mark.browser


def test_a_quiz_pass_brings_the_register_to_95_percent_and_fills_3_2_1(new_page, scanner):
    from organisations.models import Organisation
    from training.models import StaffMember, TrainingRecord
    from training.quiz_file import quiz_current

    load_bank()
    directory_organisation("VQF01", "Hazel Bank Care Home")
    manager = new_page(PHONE)
    register(manager, ods_code="VQF01", full_name="Maya Manager", email="maya@hazel.example")
    organisation = Organisation.objects.get(ods_code="VQF01")
    # Eighteen trained a month ago, one trained two years ago, one never: 18 of 20 (90 %).
    month_ago = timezone.localdate() - datetime.timedelta(days=30)
    for number in range(18):
        member = StaffMember.objects.create(organisation=organisation, name=f"Carer {number:02d}")
        TrainingRecord.objects.create(
            staff_member=member, completed_on=month_ago, course="Data Security Awareness"
        )
    lapsed = StaffMember.objects.create(organisation=organisation, name="Lena Lapsed")
    TrainingRecord.objects.create(
        staff_member=lapsed,
        completed_on=month_ago - datetime.timedelta(days=700),
        course="Data Security Awareness",
    )
    StaffMember.objects.create(organisation=organisation, name="Zara Newstart")

    manager.goto(reverse("assessment-overview", args=["2025-26"]))
    click_through(manager.get_by_role("button", name="Start the 2025-26 assessment"))
    manager.goto(reverse("staff-list"))
    expect(manager.locator("#headline")).to_contain_text("18 of 20 people (90 %)")
    scanner.scan(manager, "Staff training at 90 %")

    # The manager makes Zara's personal link from her page.
    click_through(manager.get_by_role("link", name="Zara Newstart"))
    click_through(manager.get_by_role("link", name="Quiz links and results for Zara Newstart"))
    click_through(manager.get_by_role("button", name="Create a quiz link"))
    link = manager.get_by_label("Their personal link", exact=True).input_value()

    # Zara takes it on her phone, with no account.
    quiz = quiz_current()
    phone = new_page(PHONE)
    phone.goto(link)
    click_through(phone.get_by_role("button", name="Start the quiz"))
    number = 1
    for index, outcome in enumerate(quiz.outcomes):
        expect(phone.get_by_role("heading", name=outcome.title, level=1)).to_be_visible()
        for offset, question in enumerate(outcome.questions):
            group = phone.get_by_role(
                "group", name=f"Question {number + offset} of {quiz.question_count}:", exact=False
            )
            group.get_by_label(question.right_text, exact=True).check()
        last = index == len(quiz.outcomes) - 1
        click_through(
            phone.get_by_role("button", name="Submit your answers" if last else "Save and continue")
        )
        number += len(outcome.questions)
    expect(phone.get_by_role("heading", name="You passed, Zara", level=1)).to_be_visible()
    scanner.scan(phone, "Quiz passed")

    # Back on the manager's phone: 19 of 20 is 95 %, and 3.2.1 fills from it.
    manager.goto(reverse("staff-list"))
    expect(manager.locator("#headline")).to_contain_text("19 of 20 people (95 %)")
    scanner.scan(manager, "Staff training at 95 %")
    click_through(manager.get_by_role("button", name="Fill 3.2.1 from the register"))
    expect_success(manager, "Your answer to 3.2.1 has been filled from the register")
    manager.goto(reverse("evidence-item", args=["2025-26", "3.2.1"]))
    expect(manager.locator("#staff-training-register")).to_contain_text("19 of 20 people (95 %)")
    scanner.scan(manager, "Item 3.2.1")
    scanner.assert_clean()
