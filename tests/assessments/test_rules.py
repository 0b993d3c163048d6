"""Applicability, answered-ness and progress, as tables. No database."""

import dataclasses
import datetime
from decimal import Decimal

import pytest

from assessments.rules import (
    AnswerValues,
    Item,
    MeetsWhen,
    add_months,
    is_answered,
    is_met,
    item_applies,
    item_statuses,
    progress,
    what_meets,
)

A = AnswerValues
TODAY = datetime.date(2026, 5, 10)


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
    with pytest.raises(ValueError, match="Unknown answer type 'essay'"):
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
    Item("1.1.3", "met", "date", meets_when=MeetsWhen(within_months=12)),
    Item("1.1.4", "optional", "text"),
    *ITEMS.values(),
]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, (0, 2, 0, 5, 0, 0, 0)),
        ({"1.1.1": A(text="x")}, (1, 2, 1, 5, 0, 0, 0)),
        # "No" is provided, and counted apart as not met.
        ({"1.1.1": A(text="x"), "1.1.2": A(choice="no")}, (2, 2, 2, 5, 0, 1, 1)),
        ({"1.1.1": A(text="x"), "1.1.2": A(choice="yes")}, (2, 2, 2, 5, 0, 0, 0)),
        # A date too old to meet 1.1.3 (Standards Met only).
        ({"1.1.3": A(date=datetime.date(2020, 1, 1))}, (0, 2, 1, 5, 0, 0, 1)),
        # A carried-forward answer not yet reviewed does not count, and is flagged.
        ({"1.1.1": A(text="x", needs_review=True)}, (0, 2, 0, 5, 1, 0, 0)),
        ({"1.1.2": A(choice="no", needs_review=True)}, (0, 2, 0, 5, 1, 0, 0)),
        # Optional items never count; the conditional item counts once it applies.
        ({"1.1.4": A(text="x")}, (0, 2, 0, 5, 0, 0, 0)),
        ({"8.1.4": A(choice="managed")}, (0, 2, 1, 6, 0, 0, 0)),
        ({"8.1.4": A(choice="managed"), "8.2.1": A(has_document=True)}, (0, 2, 2, 6, 0, 0, 0)),
    ],
)
def test_progress(answers, expected):
    result = progress(BANK, answers, on=TODAY)
    assert (
        result.mandatory_done,
        result.mandatory_total,
        result.met_done,
        result.met_total,
        result.to_review,
        result.mandatory_not_met,
        result.met_not_met,
    ) == expected


def test_progress_lists_every_item_standards_met_still_needs():
    answers = {"1.1.1": A(text="x"), "1.1.2": A(choice="no"), "1.1.3": A(date=TODAY)}
    result = progress(BANK, answers, on=TODAY)
    assert result.outstanding_refs == ("1.1.2", "8.1.4", "7.1.1")
    assert not result.met_complete
    assert not result.mandatory_complete
    met = answers | {"1.1.2": A(choice="yes")}
    assert progress(BANK, met, on=TODAY).mandatory_complete


# --- What counts as met: every answer type × met / not met / not answered / not applicable /
# carried forward. Each item depends on a switch (9.9.9) so "not applicable" can be tested too.

SWITCH = Item("9.9.9", "met", "choice", meets_when=MeetsWhen(answers=("on", "off")))
ON = A(choice="on")
OFF = A(choice="off")
MEETS = {
    "yes_no": MeetsWhen(answers=("yes",)),
    "yes_no_text": MeetsWhen(answers=("yes",)),
    "choice": MeetsWhen(answers=("supported", "managed")),
    "number": MeetsWhen(at_least=Decimal(95)),
    "date": MeetsWhen(within_months=12),
    "text": MeetsWhen(),
    "document": MeetsWhen(),
}
MET_ANSWER = {
    "yes_no": A(choice="yes"),
    "yes_no_text": A(choice="yes", text="Every laptop, checked monthly"),
    "choice": A(choice="managed"),
    "number": A(number=Decimal(95)),
    "date": A(date=add_months(TODAY, -12)),
    "text": A(text="Our registered manager"),
    "document": A(has_document=True),
}
NOT_MET_ANSWER = {
    "yes_no": A(choice="no"),
    "yes_no_text": A(choice="no", text="We are buying antivirus next month"),
    "choice": A(choice="unsupported-unmanaged"),
    "number": A(number=Decimal("94.99")),
    "date": A(date=add_months(TODAY, -12) - datetime.timedelta(days=1)),
    # Text and documents are met by being given: they have no "not met" answer.
    "text": None,
    "document": None,
}
# (applies, answered, met, done, not_met, satisfied)
SATISFIED = (True, True, True, True, False, True)
NOT_MET = (True, True, False, True, True, False)
NOT_ANSWERED = (True, False, False, False, False, False)
NOT_APPLICABLE_MET = (False, True, True, True, False, True)
CARRIED_FORWARD = (True, True, True, False, False, False)
CARRIED_FORWARD_NOT_MET = (True, True, False, False, False, False)


def _cases():
    for answer_type in MEETS:
        met, not_met = MET_ANSWER[answer_type], NOT_MET_ANSWER[answer_type]
        yield answer_type, "met", ON, met, SATISFIED
        if not_met is not None:
            yield answer_type, "not met", ON, not_met, NOT_MET
            yield (
                answer_type,
                "carried forward, not met",
                ON,
                _carried(not_met),
                (CARRIED_FORWARD_NOT_MET),
            )
        yield answer_type, "not answered", ON, None, NOT_ANSWERED
        yield answer_type, "not applicable", OFF, met, NOT_APPLICABLE_MET
        yield answer_type, "carried forward", ON, _carried(met), CARRIED_FORWARD


def _carried(values: AnswerValues) -> AnswerValues:
    return dataclasses.replace(values, needs_review=True)


@pytest.mark.parametrize(
    ("answer_type", "case", "switch", "values", "expected"),
    list(_cases()),
    ids=[f"{t}-{c}" for t, c, *_ in _cases()],
)
def test_what_counts_as_met(answer_type, case, switch, values, expected):
    item = Item(
        "1.2.3",
        "approaching",
        answer_type,
        depends_on="9.9.9",
        depends_on_answers=("on",),
        meets_when=MEETS[answer_type],
    )
    answers = {"9.9.9": switch} | ({"1.2.3": values} if values is not None else {})
    status = item_statuses([SWITCH, item], answers, on=TODAY)["1.2.3"]
    assert (
        status.applies,
        status.answered,
        status.met,
        status.done,
        status.not_met,
        status.satisfied,
    ) == expected


@pytest.mark.parametrize(
    ("answer", "met"),
    [
        (A(date=TODAY), True),
        (A(date=add_months(TODAY, -12)), True),  # exactly twelve months before: still in time
        (A(date=add_months(TODAY, -12) - datetime.timedelta(days=1)), False),
        (A(date=TODAY + datetime.timedelta(days=1)), False),  # a review in the future is not one
        (A(number=Decimal(100)), True),
        (A(number=Decimal(0)), False),
    ],
)
def test_dates_and_numbers_at_their_limits(answer, met):
    answer_type = "date" if answer.date else "number"
    item = Item("1.1.1", "met", answer_type, meets_when=MEETS[answer_type])
    assert is_met(item, answer, on=TODAY) is met


def test_the_date_limit_moves_with_the_day_it_is_judged_on():
    item = Item("1.1.1", "met", "date", meets_when=MeetsWhen(within_months=12))
    reviewed = A(date=datetime.date(2025, 6, 1))
    assert is_met(item, reviewed, on=datetime.date(2026, 6, 1))
    assert not is_met(item, reviewed, on=datetime.date(2026, 6, 2))


def test_items_built_without_meets_when_never_count_no_as_met():
    assert not is_met(Item("1.1.1", "met", "yes_no"), A(choice="no"), on=TODAY)
    assert is_met(Item("1.1.1", "met", "yes_no"), A(choice="yes"), on=TODAY)
    assert not is_met(Item("1.1.1", "met", "yes_no_text"), A(choice="no"), on=TODAY)


@pytest.mark.parametrize(
    ("item", "words"),
    [
        (Item("6.2.1", "met", "yes_no"), "the answer Yes"),
        (Item("6.2.1", "met", "yes_no_text", meets_when=MeetsWhen(("yes",))), "the answer Yes"),
        (
            Item("3.2.1", "met", "number", meets_when=MeetsWhen(at_least=Decimal("95"))),
            "a figure of at least 95",
        ),
        (
            Item("3.2.1", "met", "number", meets_when=MeetsWhen(at_least=Decimal("2.50"))),
            "a figure of at least 2.5",
        ),
        (
            Item("1.1.1", "met", "date", meets_when=MeetsWhen(within_months=12)),
            "a date in the 12 months before publishing",
        ),
        (
            Item("1.1.1", "met", "date", meets_when=MeetsWhen(within_months=1)),
            "a date in the 1 month before publishing",
        ),
        (
            Item(
                "8.1.4",
                "met",
                "choice",
                meets_when=MeetsWhen(answers=("a", "b")),
                option_labels=(("a", "All supported"), ("b", "Risks managed"), ("c", "Neither")),
            ),
            "the answer “All supported” or “Risks managed”",
        ),
        (Item("1.1.5", "met", "text"), "an answer"),
    ],
)
def test_what_meets_in_words(item, words):
    assert what_meets(item) == words


@pytest.mark.parametrize(
    "stored",
    [{"answers": ["yes"]}, {"at_least": "95"}, {"within_months": 12}, {"provided": True}],
)
def test_meets_when_round_trips_through_its_stored_form(stored):
    assert MeetsWhen.from_dict(stored).to_dict() == stored


@pytest.mark.parametrize(
    "stored",
    [
        {},
        {"provided": False},
        {"answers": []},
        {"at_least": "x"},
        {"within_months": 0},
        {"answers": ["yes"], "at_least": "1"},
        {"anything": 1},
        None,
    ],
)
def test_meets_when_refuses_to_guess(stored):
    with pytest.raises(ValueError, match="Not a meets_when value"):
        MeetsWhen.from_dict(stored)
