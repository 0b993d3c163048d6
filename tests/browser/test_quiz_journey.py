"""The frontline quiz in the browser: a manager makes a personal link for a care worker, who
opens it on a phone (375 px), leaves a question out once, answers everything, passes and sees the
result; the pass is in their training record and on the manager's page. Every quiz page is scanned
with axe and must not scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import PHONE, click_through, directory_organisation, register

pytestmark = pytest.mark.browser


def fits_the_phone(page: Page, name: str, problems: list[str]) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{name} scrolls sideways: {width} px wide")


def choose(page: Page, number: int, total: int, option_text: str) -> None:
    group = page.get_by_role("group", name=re.compile(rf"^Question {number} of {total}:"))
    group.get_by_label(option_text, exact=True).check()


def test_a_care_worker_passes_the_quiz_on_a_phone(new_page, scanner):
    from training.models import StaffMember, TrainingRecord, TrainingSource
    from training.quiz_file import quiz_current

    quiz = quiz_current()
    total = quiz.question_count
    directory_organisation("VQ301", "Birchwood Care Home")
    manager = new_page()
    register(manager, ods_code="VQ301", full_name="Mary Manager", email="mary@birch.example")
    # The staff list is another page's work: the person is already on it.
    from organisations.models import Organisation

    staff_member = StaffMember.objects.create(
        organisation=Organisation.objects.get(ods_code="VQ301"),
        name="Tom Okafor",
        job_title="Care assistant",
    )

    manager.goto("/")
    click_through(manager.get_by_role("link", name="Data security quiz"))
    click_through(manager.get_by_role("link", name="Tom Okafor"))
    expect(manager.get_by_role("heading", name="Data security quiz for Tom Okafor")).to_be_visible()
    click_through(manager.get_by_role("button", name="Create a quiz link"))
    expect(manager.get_by_role("heading", name="Quiz link for Tom Okafor")).to_be_visible()
    expect(manager.get_by_role("button", name="Copy link")).to_be_visible()  # script shows it
    scanner.scan(manager, "The new link")
    link = manager.get_by_label("Their personal link", exact=True).input_value()
    assert "/training/quiz/" in link

    page = new_page(PHONE)
    problems: list[str] = []
    page.goto(link)
    expect(page.get_by_role("heading", name="Data security quiz", level=1)).to_be_visible()
    expect(page.get_by_text("Hello Tom.")).to_be_visible()
    scanner.scan(page, "Quiz start")
    fits_the_phone(page, "Quiz start", problems)
    click_through(page.get_by_role("button", name="Start the quiz"))

    number = 1
    for index, outcome in enumerate(quiz.outcomes):
        expect(page.get_by_role("heading", name=outcome.title, level=1)).to_be_visible()
        scanner.scan(page, outcome.title)
        fits_the_phone(page, outcome.title, problems)
        last = index == len(quiz.outcomes) - 1
        button = page.get_by_role(
            "button", name="Submit your answers" if last else "Save and continue"
        )
        for offset, question in enumerate(outcome.questions):
            if index == 0 and offset == 1:
                continue  # left out on the first try
            choose(page, number + offset, total, question.right_text)
        if index == 0:
            click_through(button)
            scanner.scan_error(page, "A question left out")
            summary = page.locator(".nhsuk-error-summary")
            expect(summary).to_contain_text(f"Select an answer to question {number + 1}:")
            # What was chosen is still chosen: only the missing answer is needed.
            choose(page, number + 1, total, outcome.questions[1].right_text)
        click_through(button)
        number += len(outcome.questions)

    expect(page.get_by_role("heading", name="You passed, Tom", level=1)).to_be_visible()
    expect(page.get_by_text(f"You got {total} out of {total} (100%).")).to_be_visible()
    scanner.scan(page, "Quiz result")
    fits_the_phone(page, "Quiz result", problems)

    record = TrainingRecord.objects.get(staff_member=staff_member)
    assert record.source == TrainingSource.QUIZ
    assert (record.score, record.out_of) == (total, total)

    page.goto(link)
    expect(
        page.get_by_role("heading", name="This link has already been used", level=1)
    ).to_be_visible()

    manager.goto(manager.url.replace("/links/", "/"))
    expect(manager.get_by_role("cell", name=re.compile("Passed"))).to_be_visible()
    assert problems == []
    scanner.assert_clean()
