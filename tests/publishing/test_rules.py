"""Publishing rules as tables. No database: plain data in, a Decision out."""

import datetime
from decimal import Decimal

import pytest

from assessments.rules import AnswerValues, Item, MeetsWhen
from publishing.rules import (
    ActionPlanLine,
    CyberEssentialsPlus,
    Decision,
    PreviousPublication,
    add_months,
    decide,
    outstanding_for_action_plan,
)

D = datetime.date
A = AnswerValues
TODAY = D(2026, 5, 10)
NEXT_WEEK = D(2026, 5, 17)

STAFF = "Staffing and roles"
POLICIES = "Policies and procedures"
DATA = "Data security"
IT = "IT systems and devices"

# A small bank in item order: two approaching items, four met items (one conditional on 8.1.4),
# one optional item.
BANK = (
    Item("1.1.5", "approaching", "text", section=STAFF),
    Item("3.2.1", "met", "yes_no", section=POLICIES),
    Item("6.2.1", "met", "document", section=DATA),
    Item("7.1.1", "met", "document", section=IT),
    Item("7.3.2", "approaching", "yes_no", section=IT),
    Item("8.1.4", "met", "choice", section=IT),
    Item(
        "8.2.1",
        "met",
        "document",
        section=IT,
        depends_on="8.1.4",
        depends_on_answers=("unsupported-managed",),
    ),
    Item("8.3.8", "optional", "yes_no", section=IT),
)

ANSWER_FOR_TYPE = {
    "text": A(text="We have a named lead"),
    "yes_no": A(choice="yes"),
    "document": A(document_location="Manager's office"),
    "choice": A(choice="all-supported"),
}


def answered(*refs: str, **overrides: AnswerValues) -> dict[str, AnswerValues]:
    by_ref = {item.ref: item for item in BANK}
    answers = {ref: ANSWER_FOR_TYPE[by_ref[ref].answer_type] for ref in refs}
    answers.update({ref.replace("_", "."): value for ref, value in overrides.items()})
    return answers


APPROACHING_ONLY = answered("1.1.5", "7.3.2")
ALL_MET = answered("1.1.5", "3.2.1", "6.2.1", "7.1.1", "7.3.2", "8.1.4")


def plan_line(ref: str, target: datetime.date | None = NEXT_WEEK, **kwargs) -> ActionPlanLine:
    values = {"action": "Write the policy", "responsible_person": "Sam Manager"} | kwargs
    return ActionPlanLine(ref=ref, target_date=target, **values)


FULL_PLAN = tuple(plan_line(ref) for ref in ("3.2.1", "6.2.1", "7.1.1", "8.1.4"))
CE_PLUS = CyberEssentialsPlus(has_certificate=True, expires_on=D(2027, 1, 31))
PUBLISHED_BEFORE = (PreviousPublication("2024-25", "met", D(2025, 5, 10)),)


def run(
    answers=None,
    *,
    previous=(),
    ce_plus=None,
    plan=(),
    on=TODAY,
    items=BANK,
) -> Decision:
    return decide(
        items=items,
        answers=answers if answers is not None else {},
        previous_publications=previous,
        cyber_essentials_plus=ce_plus,
        action_plan=plan,
        publication_date=on,
    )


def codes(decision: Decision) -> dict[str, list[str]]:
    return {level: [p.code for p in problems] for level, problems in decision.problems.items()}


# --- which levels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "kwargs", "allowed"),
    [
        pytest.param({}, {}, (), id="nothing-answered"),
        pytest.param(APPROACHING_ONLY, {}, (), id="approaching-items-but-no-plan"),
        pytest.param(
            APPROACHING_ONLY, {"plan": FULL_PLAN}, ("approaching",), id="approaching-with-plan"
        ),
        pytest.param(
            APPROACHING_ONLY,
            {"plan": FULL_PLAN, "ce_plus": CE_PLUS},
            ("approaching",),
            id="ce-plus-does-not-lift-approaching",
        ),
        pytest.param(ALL_MET, {}, ("met",), id="met"),
        pytest.param(ALL_MET, {"plan": FULL_PLAN}, ("met",), id="met-approaching-not-offered"),
        pytest.param(ALL_MET, {"ce_plus": CE_PLUS}, ("met", "exceeded"), id="exceeded"),
        pytest.param(
            ALL_MET,
            {"ce_plus": CE_PLUS, "previous": PUBLISHED_BEFORE},
            ("met", "exceeded"),
            id="republishing-met-and-exceeded",
        ),
        pytest.param(
            APPROACHING_ONLY,
            {"plan": FULL_PLAN, "previous": PUBLISHED_BEFORE},
            (),
            id="approaching-once-only",
        ),
        pytest.param(
            APPROACHING_ONLY,
            {
                "plan": FULL_PLAN,
                "previous": (PreviousPublication("2025-26", "approaching", D(2025, 9, 1)),),
            },
            (),
            id="approaching-once-only-same-year",
        ),
        pytest.param(answered("1.1.5"), {"plan": FULL_PLAN}, (), id="approaching-item-missing"),
        pytest.param(ALL_MET | {"8.3.8": A()}, {}, ("met",), id="optional-items-never-needed"),
    ],
)
def test_allowed_levels(answers, kwargs, allowed):
    decision = run(answers, **kwargs)
    assert decision.allowed == allowed
    assert set(decision.problems) == {"approaching", "met", "exceeded"} - set(allowed)
    assert all(decision.problems.values()), "a level not allowed always says why"


def test_decision_helpers():
    decision = run(ALL_MET, ce_plus=CE_PLUS)
    assert decision.best_level == "exceeded"
    assert decision.may_publish("met")
    assert not decision.may_publish("approaching")
    assert decision.problems_for("met") == ()
    assert run({}).best_level is None


# --- conditional items --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "allowed"),
    [
        pytest.param(ALL_MET, ("met",), id="8.2.1-not-needed-when-all-supported"),
        pytest.param(ALL_MET | {"8.1.4": A(choice="unsupported-managed")}, (), id="8.2.1-needed"),
        pytest.param(
            ALL_MET | {"8.1.4": A(choice="unsupported-managed"), "8.2.1": A(has_document=True)},
            ("met",),
            id="8.2.1-provided",
        ),
    ],
)
def test_conditional_items(answers, allowed):
    assert run(answers).allowed == allowed


def test_conditional_item_message():
    decision = run(ALL_MET | {"8.1.4": A(choice="unsupported-managed")})
    assert [p.message for p in decision.problems["met"]] == [
        "Please complete requirement 8.2.1 in the IT systems and devices section"
    ]


def test_conditional_item_needs_an_action_plan_only_when_it_applies():
    answers = APPROACHING_ONLY | {"8.1.4": A(choice="unsupported-managed")}
    assert [i.ref for i in outstanding_for_action_plan(BANK, answers, on=TODAY)] == [
        "3.2.1",
        "6.2.1",
        "7.1.1",
        "8.2.1",
    ]
    decision = run(answers, plan=FULL_PLAN)
    assert [p.message for p in decision.problems["approaching"]] == [
        "Add an action plan for requirement 8.2.1 in the IT systems and devices section"
    ]
    assert run(answers, plan=(*FULL_PLAN, plan_line("8.2.1"))).allowed == ("approaching",)


# --- carried-forward answers --------------------------------------------------------------------


def test_unreviewed_carried_forward_answer_is_not_done():
    carried = A(text="From last year", needs_review=True)
    decision = run(ALL_MET | {"1.1.5": carried}, ce_plus=CE_PLUS)
    assert decision.allowed == ()
    expected = (
        "Please review requirement 1.1.5 in the Staffing and roles section: "
        "it was carried forward from last year"
    )
    for level in ("approaching", "met", "exceeded"):
        assert decision.problems[level][0].message == expected
        assert decision.problems[level][0].code == "needs_review"
    assert decision.problems["met"][0].ref == "1.1.5"
    assert decision.problems["met"][0].section == STAFF


def test_reviewed_carried_forward_answer_counts():
    reviewed = A(text="From last year", needs_review=False)
    assert run(ALL_MET | {"1.1.5": reviewed}).allowed == ("met",)


def test_unreviewed_met_item_needs_an_action_plan_for_approaching():
    answers = APPROACHING_ONLY | {"6.2.1": A(has_document=True, needs_review=True)}
    assert "6.2.1" in [i.ref for i in outstanding_for_action_plan(BANK, answers, on=TODAY)]


def test_empty_carried_forward_answer_asks_to_complete_not_review():
    decision = run(ALL_MET | {"7.3.2": A(needs_review=True)})
    assert decision.problems["met"][0].message == (
        "Please complete mandatory requirement 7.3.2 in the IT systems and devices section"
    )


# --- action plan --------------------------------------------------------------------------------


def plan_with(line: ActionPlanLine) -> tuple[ActionPlanLine, ...]:
    return tuple(line if existing.ref == line.ref else existing for existing in FULL_PLAN)


@pytest.mark.parametrize(
    ("plan", "on", "messages"),
    [
        pytest.param(FULL_PLAN, TODAY, [], id="complete"),
        pytest.param(
            tuple(line for line in FULL_PLAN if line.ref != "6.2.1"),
            TODAY,
            ["Add an action plan for requirement 6.2.1 in the Data security section"],
            id="line-missing",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", action="  ")),
            TODAY,
            ["Enter the action to be taken for 6.2.1"],
            id="no-action",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", responsible_person="")),
            TODAY,
            ["Enter the person responsible for 6.2.1"],
            id="no-person",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", None)),
            TODAY,
            ["Enter a target date for 6.2.1"],
            id="no-target-date",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", None, action="", responsible_person="")),
            TODAY,
            [
                "Enter the action to be taken for 6.2.1",
                "Enter the person responsible for 6.2.1",
                "Enter a target date for 6.2.1",
            ],
            id="empty-line",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2026, 5, 9))),
            TODAY,
            ["The target date for 6.2.1 must be in the future"],
            id="target-in-the-past",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", TODAY)),
            TODAY,
            ["The target date for 6.2.1 must be in the future"],
            id="target-today",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2026, 5, 11))), TODAY, [], id="target-tomorrow"
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2027, 5, 10))),
            TODAY,
            [],
            id="target-exactly-12-months",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2027, 5, 11))),
            TODAY,
            ["The target date for 6.2.1 must be within the next 12 months"],
            id="target-12-months-and-a-day",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2029, 2, 28))),
            D(2028, 2, 29),
            [],
            id="29-feb-publication-28-feb-target",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2029, 3, 1))),
            D(2028, 2, 29),
            ["The target date for 6.2.1 must be within the next 12 months"],
            id="29-feb-publication-1-mar-target",
        ),
        pytest.param(
            plan_with(plan_line("6.2.1", D(2028, 2, 29))),
            D(2027, 2, 28),
            ["The target date for 6.2.1 must be within the next 12 months"],
            id="28-feb-publication-29-feb-target",
        ),
    ],
)
def test_action_plan(plan, on, messages):
    # Targets elsewhere in FULL_PLAN are a week after TODAY; move them with the publication date.
    if on != TODAY:
        plan = tuple(
            line if line.target_date != NEXT_WEEK else plan_line(line.ref, on + (NEXT_WEEK - TODAY))
            for line in plan
        )
    decision = run(APPROACHING_ONLY, plan=plan, on=on)
    assert [p.message for p in decision.problems_for("approaching")] == messages
    assert decision.may_publish("approaching") is (not messages)
    assert all(p.ref == "6.2.1" for p in decision.problems_for("approaching"))


def test_plan_lines_for_items_already_done_are_ignored():
    plan = (*FULL_PLAN, plan_line("1.1.5", None, action=""))
    assert run(APPROACHING_ONLY, plan=plan).allowed == ("approaching",)


def test_missing_approaching_item_asks_for_the_item_not_a_plan():
    decision = run(answered("1.1.5"), plan=FULL_PLAN)
    assert [p.message for p in decision.problems["approaching"]] == [
        "Please complete mandatory requirement 7.3.2 in the IT systems and devices section"
    ]


# --- once only, and not offered when Standards Met is possible --------------------------------


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        pytest.param(
            PUBLISHED_BEFORE,
            "Approaching Standards can only be published once, as a first publication. "
            "You last published 24/25 Standards Met on 10 May 2025",
            id="met-last-year",
        ),
        pytest.param(
            (
                PreviousPublication("2023-24", "approaching", D(2024, 6, 3)),
                PreviousPublication("2024-25", "exceeded", D(2025, 6, 1)),
                PreviousPublication("2022-23", "met", D(2023, 6, 30)),
            ),
            "Approaching Standards can only be published once, as a first publication. "
            "You last published 24/25 Standards Exceeded on 1 June 2025",
            id="most-recent-of-several",
        ),
        pytest.param(
            (PreviousPublication("2019-20", "approaching", D(2020, 9, 30)),),
            "Approaching Standards can only be published once, as a first publication. "
            "You last published 19/20 Approaching Standards on 30 September 2020",
            id="approaching-long-ago",
        ),
    ],
)
def test_approaching_once_only(previous, message):
    decision = run(APPROACHING_ONLY, plan=FULL_PLAN, previous=previous)
    assert [(p.message, p.code, p.ref) for p in decision.problems["approaching"]] == [
        (message, "approaching_already_published", None)
    ]


def test_approaching_not_offered_when_met_is_achievable():
    decision = run(ALL_MET)
    assert [(p.code, p.message) for p in decision.problems["approaching"]] == [
        (
            "approaching_met_achievable",
            "Your assessment is complete for Standards Met, so publish Standards Met "
            "instead of Approaching Standards",
        )
    ]


# --- Cyber Essentials Plus ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ce_plus", "message"),
    [
        pytest.param(
            None,
            "Record a current Cyber Essentials Plus certificate in your organisation profile",
            id="not-recorded",
        ),
        pytest.param(
            CyberEssentialsPlus(has_certificate=False, expires_on=D(2027, 1, 1)),
            "Record a current Cyber Essentials Plus certificate in your organisation profile",
            id="no-certificate",
        ),
        pytest.param(
            CyberEssentialsPlus(has_certificate=True, expires_on=None),
            "Record the expiry date of your Cyber Essentials Plus certificate "
            "in your organisation profile",
            id="no-expiry-date",
        ),
        pytest.param(
            CyberEssentialsPlus(has_certificate=True, expires_on=D(2026, 3, 1)),
            "Your Cyber Essentials Plus certificate expired on 1 March 2026",
            id="expired",
        ),
        pytest.param(
            CyberEssentialsPlus(has_certificate=True, expires_on=TODAY),
            "Your Cyber Essentials Plus certificate expires today (10 May 2026); "
            "record your renewed certificate in your organisation profile",
            id="expires-on-the-day",
        ),
        pytest.param(
            CyberEssentialsPlus(has_certificate=True, expires_on=D(2026, 5, 11)),
            None,
            id="expires-tomorrow",
        ),
    ],
)
def test_cyber_essentials_plus(ce_plus, message):
    decision = run(ALL_MET, ce_plus=ce_plus)
    if message is None:
        assert decision.may_publish("exceeded")
    else:
        assert not decision.may_publish("exceeded")
        assert [p.message for p in decision.problems["exceeded"]] == [message]
        assert decision.may_publish("met")


def test_exceeded_lists_met_problems_then_the_certificate():
    decision = run(answered("1.1.5", "3.2.1", "6.2.1", "7.3.2", "8.1.4"))
    assert [p.message for p in decision.problems["exceeded"]] == [
        "Please complete requirement 7.1.1 in the IT systems and devices section",
        "Record a current Cyber Essentials Plus certificate in your organisation profile",
    ]


# --- messages and order -------------------------------------------------------------------------


def test_messages_and_order_follow_the_bank():
    answers = {
        "8.1.4": A(choice="unsupported-managed"),
        "1.1.5": A(text="Last year's", needs_review=True),
        "3.2.1": A(choice="yes"),
    }
    decision = run(answers, plan=(plan_line("6.2.1", D(2030, 1, 1)),))
    assert [(p.ref, p.section, p.message, p.code) for p in decision.problems["met"]] == [
        (
            "1.1.5",
            STAFF,
            "Please review requirement 1.1.5 in the Staffing and roles section: "
            "it was carried forward from last year",
            "needs_review",
        ),
        (
            "6.2.1",
            DATA,
            "Please complete requirement 6.2.1 in the Data security section",
            "missing",
        ),
        (
            "7.1.1",
            IT,
            "Please complete requirement 7.1.1 in the IT systems and devices section",
            "missing",
        ),
        (
            "7.3.2",
            IT,
            "Please complete mandatory requirement 7.3.2 in the IT systems and devices section",
            "missing_mandatory",
        ),
        (
            "8.2.1",
            IT,
            "Please complete requirement 8.2.1 in the IT systems and devices section",
            "missing",
        ),
    ]
    assert [p.message for p in decision.problems["approaching"]] == [
        "Please review requirement 1.1.5 in the Staffing and roles section: "
        "it was carried forward from last year",
        "The target date for 6.2.1 must be within the next 12 months",
        "Add an action plan for requirement 7.1.1 in the IT systems and devices section",
        "Please complete mandatory requirement 7.3.2 in the IT systems and devices section",
        "Add an action plan for requirement 8.2.1 in the IT systems and devices section",
    ]


def test_item_without_a_section():
    items = (Item("1.1.1", "approaching", "text"),)
    decision = run({}, items=items)
    assert decision.problems["met"][0].message == "Please complete mandatory requirement 1.1.1"
    assert decision.problems["met"][0].section is None


def test_outstanding_for_action_plan_in_item_order():
    answers = {"1.1.5": A(text="x"), "7.1.1": A(has_document=True)}
    assert [i.ref for i in outstanding_for_action_plan(BANK, answers, on=TODAY)] == [
        "3.2.1",
        "6.2.1",
        "7.3.2",
        "8.1.4",
    ]
    assert outstanding_for_action_plan(BANK, ALL_MET, on=TODAY) == ()


# --- helpers and the public status --------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 5, 10), 12, D(2027, 5, 10)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2027, 2, 28), 12, D(2028, 2, 28)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


# --- answered but not met -----------------------------------------------------------------------

ALL_NO = ALL_MET | {"3.2.1": A(choice="no"), "7.3.2": A(choice="no")}
NOT_MET_MESSAGES = [
    "Requirement 3.2.1 in the Policies and procedures section is not met: "
    "Standards Met needs the answer Yes",
    "Requirement 7.3.2 in the IT systems and devices section is not met: "
    "Standards Met needs the answer Yes",
]


@pytest.mark.parametrize(
    ("answers", "kwargs", "allowed"),
    [
        pytest.param(ALL_NO, {}, (), id="no-answers-refuse-everything"),
        pytest.param(ALL_NO, {"ce_plus": CE_PLUS}, (), id="ce-plus-does-not-lift-no"),
        pytest.param(ALL_NO, {"plan": FULL_PLAN}, (), id="plan-must-cover-the-unmet-items"),
        pytest.param(
            ALL_NO,
            {"plan": (plan_line("3.2.1"), plan_line("7.3.2"))},
            ("approaching",),
            id="approaching-with-a-plan-for-each-unmet-item",
        ),
        pytest.param(
            ALL_NO,
            {"plan": (plan_line("3.2.1"), plan_line("7.3.2")), "previous": PUBLISHED_BEFORE},
            (),
            id="approaching-only-once",
        ),
        pytest.param(ALL_MET | {"3.2.1": A(choice="yes")}, {}, ("met",), id="yes-meets-it"),
        pytest.param(
            # The optional item answered "No" does not stand in the way.
            ALL_MET | {"8.3.8": A(choice="no")},
            {},
            ("met",),
            id="optional-no-is-fine",
        ),
    ],
)
def test_levels_when_answers_say_no(answers, kwargs, allowed):
    assert run(answers, **kwargs).allowed == allowed


def test_every_unmet_item_is_listed_with_what_standards_met_needs():
    decision = run(ALL_NO, ce_plus=CE_PLUS)
    assert [p.message for p in decision.problems["met"]] == NOT_MET_MESSAGES
    assert {p.code for p in decision.problems["met"]} == {"not_met"}
    assert [p.ref for p in decision.problems["met"]] == ["3.2.1", "7.3.2"]
    assert [p.message for p in decision.problems["exceeded"]] == NOT_MET_MESSAGES
    # For Approaching Standards the unmet items need a plan line each, the mandatory one too.
    assert [p.message for p in decision.problems["approaching"]] == [
        "Add an action plan for requirement 3.2.1 in the Policies and procedures section",
        "Add an action plan for requirement 7.3.2 in the IT systems and devices section",
    ]


def test_unmet_items_are_in_the_action_plan_mandatory_ones_included():
    refs = [i.ref for i in outstanding_for_action_plan(BANK, ALL_NO, on=TODAY)]
    assert refs == ["3.2.1", "7.3.2"]


def test_a_carried_forward_no_asks_for_review_before_anything_else():
    decision = run(ALL_MET | {"7.3.2": A(choice="no", needs_review=True)})
    assert [p.code for p in decision.problems["met"]] == ["needs_review"]
    assert [p.code for p in decision.problems["approaching"]] == ["needs_review"]


THRESHOLD_BANK = (
    Item("3.2.1", "met", "number", section=POLICIES, meets_when=MeetsWhen(at_least=Decimal(95))),
    Item("5.1.1", "met", "date", section=DATA, meets_when=MeetsWhen(within_months=12)),
    Item(
        "8.1.4",
        "met",
        "choice",
        section=IT,
        meets_when=MeetsWhen(answers=("supported",)),
        option_labels=(("supported", "All supported"), ("unsupported", "Some unsupported")),
    ),
)


@pytest.mark.parametrize(
    ("ref", "answer", "message"),
    [
        (
            "3.2.1",
            A(number=Decimal(94)),
            "Requirement 3.2.1 in the Policies and procedures section is not met: "
            "Standards Met needs a figure of at least 95",
        ),
        (
            "5.1.1",
            A(date=D(2025, 5, 9)),
            "Requirement 5.1.1 in the Data security section is not met: "
            "Standards Met needs a date in the 12 months before publishing",
        ),
        (
            "8.1.4",
            A(choice="unsupported"),
            "Requirement 8.1.4 in the IT systems and devices section is not met: "
            "Standards Met needs the answer “All supported”",
        ),
    ],
)
def test_thresholds_dates_and_choices(ref, answer, message):
    good = {
        "3.2.1": A(number=Decimal(95)),
        "5.1.1": A(date=D(2025, 5, 10)),  # exactly twelve months before TODAY
        "8.1.4": A(choice="supported"),
    }
    assert run(good, items=THRESHOLD_BANK).allowed == ("met",)
    decision = run(good | {ref: answer}, items=THRESHOLD_BANK)
    assert decision.allowed == ()
    assert [p.message for p in decision.problems["met"]] == [message]


def test_a_date_that_was_recent_enough_lapses_by_a_later_publication_day():
    answers = {
        "3.2.1": A(number=Decimal(100)),
        "5.1.1": A(date=D(2025, 6, 1)),
        "8.1.4": A(choice="supported"),
    }
    assert run(answers, items=THRESHOLD_BANK, on=D(2026, 6, 1)).allowed == ("met",)
    assert run(answers, items=THRESHOLD_BANK, on=D(2026, 6, 2)).allowed == ()
