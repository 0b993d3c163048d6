"""Filling evidence item 3.2.1 (the share of people trained in the last 12 months) from the
register, with the training report spreadsheet as its evidence.

Only the current year's assessment is filled: the one for the latest question bank, once it has
been started. The portal has no other lock on an assessment (answers stay editable after
publishing, which keeps its own copy of them), so an earlier year's assessment is refused: its
answers are what was true then. The answer keeps its version check: a save by someone else since
the page was read is a conflict, never overwritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from assessments import selectors as assessment_selectors
from assessments.models import Answer, Assessment, EvidenceItem
from assessments.vocabulary import format_date
from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Organisation, User

from . import presenters, rules, selectors, workbooks
from .evidence_fill import answer_save_with_register_file

ITEM_REF = "3.2.1"
FILLABLE_TYPES = ("number", "yes_no", "yes_no_text")


class FillRefused(Exception):
    """The answer cannot be filled from the register now; the message is for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FillPlan:
    assessment: Assessment
    item: EvidenceItem
    answer: Answer | None  # what is saved now
    headline: rules.Headline
    values: dict

    @property
    def version(self) -> int:
        return self.answer.version if self.answer is not None else 0

    @property
    def replaces_different_answer(self) -> bool:
        """An answer is saved that says something else (another figure, or other comments)."""
        if self.answer is None:
            return False
        return any(getattr(self.answer, name) != value for name, value in self.values.items())

    @property
    def answer_text(self) -> str:
        if "number" in self.values:
            return f"{self.values['number']}"
        return "Yes" if self.values.get("choice") == "yes" else "No"

    @property
    def file_name(self) -> str:
        return f"staff-training-register-{self.headline.day.isoformat()}.xlsx"


def fill_values(item_type: str, headline: rules.Headline) -> dict:
    """What 3.2.1's answer says: the percentage (rounded down) for a number item, Yes when at
    least 95 % were trained and No otherwise for a yes/no item."""
    if headline.percent is None:
        raise FillRefused(
            "Nobody in your staff training register was working here today. Add the people who "
            "work for you first"
        )
    comments = presenters.fill_comments(headline)
    if item_type == "number":
        return {"number": Decimal(headline.percent), "comments": comments}
    return {"choice": "yes" if headline.meets_threshold else "no", "comments": comments}


def fill_plan(*, organisation: Organisation, year: str, today: dt.date) -> FillPlan:
    """What filling 3.2.1 for `year` would save, or FillRefused with why not. Reads only."""
    latest = assessment_selectors.bank_latest()
    bank = assessment_selectors.bank_get(year=year)
    if bank is None or latest is None:
        raise FillRefused("There is no assessment for that year")
    if bank.pk != latest.pk:
        raise FillRefused(
            f"The {bank.year} assessment is closed. Only the current assessment ({latest.year}) "
            "can be filled from the register"
        )
    assessment = assessment_selectors.assessment_find(organisation=organisation, bank=bank)
    if assessment is None:
        raise FillRefused(
            f"Start the {bank.year} assessment first, then fill {ITEM_REF} from the register"
        )
    item = EvidenceItem.objects.filter(bank=bank, ref=ITEM_REF).first()
    if item is None or item.answer_type not in FILLABLE_TYPES:
        raise FillRefused(
            f"The {bank.year} assessment has no item {ITEM_REF} asking for the share of staff "
            "trained"
        )
    answer = (
        Answer.objects.select_related("updated_by", "library_document__current_version")
        .filter(assessment=assessment, item=item)
        .first()
    )
    figures = selectors.register_headline(
        rows=selectors.register_rows(organisation=organisation, day=today), day=today
    )
    return FillPlan(
        assessment=assessment,
        item=item,
        answer=answer,
        headline=figures,
        values=fill_values(item.answer_type, figures),
    )


def answer_fill_from_register(
    *, organisation: Organisation, plan: FillPlan, expected_version: int, user: User, actor: Actor
) -> Answer:
    """Saves 3.2.1's answer with the training report attached, audited in the same transaction.
    Raises AnswerConflict when someone saved 3.2.1 after `expected_version` was read."""
    report = workbooks.build_training_report(
        selectors.training_report_data(organisation=organisation, day=plan.headline.day)
    )
    with transaction.atomic():
        answer = answer_save_with_register_file(
            assessment=plan.assessment,
            item=plan.item,
            values=plan.values,
            expected_version=expected_version,
            user=user,
            file_name=plan.file_name,
            content=report,
        )
        audit_record(
            event=Event.TRAINING_ANSWER_FILLED,
            organisation=organisation,
            actor=actor,
            detail=f"{plan.item.ref} ({plan.assessment.bank.year}): {plan.answer_text}, "
            f"{presenters.headline_text(plan.headline)} as at {format_date(plan.headline.day)}",
        )
    return answer
