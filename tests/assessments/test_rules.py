"""Applicability, answered-ness and progress, as tables. No database."""

import datetime
from decimal import Decimal

import pytest

from assessments.rules import AnswerValues, Item, is_answered, item_applies, progress

A = AnswerValues


@pytest.mark.parametrize(
    ("answer_type", "values", "answered"),
    [
        ("text", None, False),
        ("text", A(text=""), False),
        ("text", A(text="   \n"), False),
        ("text", A(text="We have a policy"), True),
        ("yes_no", A(choice="no"), True),  # "No" is an answer
        ("yes_no", A(), False),
        ("yes_no_text", A(choice="yes"), True),
        ("yes_no_text", A(text="details only"), False),
        ("choice", A(choice="supported"), True),
        ("date", A(date=datetime.date(2025, 3, 1)), True),
        ("date", A(), False),
        ("number", A(number=Decimal(0)), True),  # zero is an answer
        ("number", A(), False),
        ("document", A(has_document=True), True),
        ("document", A(document_location="Manager's office"), True),
        ("document", A(document_location="  "), False),
        ("document", A(), False),
    ],
)
def test_is_answered(answer_type, values, answered):
    assert is_answered(answer_type, values) is answered


def test_unknown_answer_type_is_a_programming_error():
    with pytest.raises(ValueError):
        is_answered("essay", A(text="x"))


ITEMS = {
    "8.1.4": Item("8.1.4", "met", "choice"),
    "8.2.1": Item("8.2.1", "met", "document", depends_on="8.1.4", depends_on_answers=("managed",)),
    "7.1.1": Item("7.1.1", "met", "document"),
    "7.1.5": Item("7.1.5", "optional", "yes_no", depends_on="7.1.1"),
}


@pytest.mark.parametrize(
    ("ref", "answers", "applies"),
    [
        ("8.2.1", {}, False),
        ("8.2.1", {"8.1.4": A(choice="supported")}, False),
        ("8.2.1", {"8.1.4": A(choice="managed")}, True),
        ("7.1.5", {}, False),
        ("7.1.5", {"7.1.1": A(document_location="Office")}, True),  # any answer will do
        ("8.1.4", {}, True),
    ],
)
def test_conditional_items(ref, answers, applies):
    assert item_applies(ITEMS[ref], answers, ITEMS) is applies


BANK = [
    Item("1.1.1", "approaching", "text"),
    Item("1.1.2", "approaching", "yes_no"),
    Item("1.1.3", "met", "date"),
    Item("1.1.4", "optional", "text"),
    *ITEMS.values(),
]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, (0, 2, 0, 5, 0)),
        ({"1.1.1": A(text="x")}, (1, 2, 1, 5, 0)),
        ({"1.1.1": A(text="x"), "1.1.2": A(choice="no")}, (2, 2, 2, 5, 0)),
        # A carried-forward answer not yet reviewed does not count, and is flagged.
        ({"1.1.1": A(text="x", needs_review=True)}, (0, 2, 0, 5, 1)),
        # Optional items never count; the conditional item counts once it applies.
        ({"1.1.4": A(text="x")}, (0, 2, 0, 5, 0)),
        ({"8.1.4": A(choice="managed")}, (0, 2, 1, 6, 0)),
        ({"8.1.4": A(choice="managed"), "8.2.1": A(has_document=True)}, (0, 2, 2, 6, 0)),
    ],
)
def test_progress(answers, expected):
    result = progress(BANK, answers)
    assert (
        result.mandatory_done,
        result.mandatory_total,
        result.met_done,
        result.met_total,
        result.to_review,
    ) == expected
