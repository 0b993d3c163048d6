"""The publish page's groups, from a Decision: problems sorted by what fixes them. No database."""

from types import MappingProxyType

import pytest

from publishing.presenters import publish_levels
from publishing.rules import PROBLEM_KINDS, Decision, Problem, ProblemKind


def problem(code: str, ref: str | None = None) -> Problem:
    return Problem(ref, "Section" if ref else None, f"message for {code}", code)


def decision(allowed: tuple[str, ...], **problems: tuple[Problem, ...]) -> Decision:
    return Decision(allowed=allowed, problems=MappingProxyType(problems))


def test_every_code_has_a_kind_and_unknown_codes_are_refused():
    assert set(PROBLEM_KINDS.values()) == set(ProblemKind)
    with pytest.raises(ValueError, match="cyber_ess"):
        Problem(None, None, "A typo in a code", "cyber_ess")


@pytest.mark.parametrize(
    ("code", "kind", "about_an_item"),
    [
        ("missing_mandatory", ProblemKind.ITEM_MISSING, True),
        ("missing", ProblemKind.ITEM_MISSING, True),
        ("needs_review", ProblemKind.ITEM_NEEDS_REVIEW, True),
        ("not_met", ProblemKind.ITEM_NOT_MET, False),
        ("action_plan_target_past", ProblemKind.ACTION_PLAN, False),
        ("cyber_essentials_plus_expired", ProblemKind.PROFILE, False),
        ("approaching_already_published", ProblemKind.LEVEL_RULE, False),
    ],
)
def test_kinds(code, kind, about_an_item):
    assert problem(code, "1.1.1").kind is kind
    assert problem(code, "1.1.1").is_about_an_item is about_an_item


def test_everything_open():
    levels = publish_levels(decision(("approaching", "met", "exceeded")))
    assert [(level.value, level.label, level.allowed) for level in levels] == [
        ("approaching", "Approaching Standards", True),
        ("met", "Standards Met", True),
        ("exceeded", "Standards Exceeded", True),
    ]
    assert all(not level.item_problems and not level.needs_met_first for level in levels)


def test_problems_are_grouped_by_what_fixes_them():
    missing, review, unmet = (
        problem("missing", "1.1.2"),
        problem("needs_review", "2.1.1"),
        problem("not_met", "3.2.1"),
    )
    plan = problem("action_plan_person", "3.2.1")
    once = problem("approaching_met_achievable")
    expired = problem("cyber_essentials_plus_expired")
    approaching, met, exceeded = publish_levels(
        decision(
            (),
            approaching=(once,),
            met=(missing, unmet, review),
            exceeded=(missing, unmet, review, expired),
        )
    )
    assert approaching.rule_problems == (once,)
    assert approaching.item_problems == approaching.plan_problems == ()
    assert met.item_problems == (missing, review)
    assert met.not_met_problems == (unmet,)
    assert met.profile_problems == met.rule_problems == ()
    # Standards Exceeded repeats Standards Met's lists: it says "complete Standards Met first"
    # and lists only what is its own.
    assert exceeded.needs_met_first
    assert exceeded.item_problems == exceeded.not_met_problems == ()
    assert exceeded.profile_problems == (expired,)
    plan_level = publish_levels(decision(("met",), approaching=(plan,)))[0]
    assert plan_level.plan_problems == (plan,)
    assert not plan_level.allowed


def test_only_the_first_item_list_is_unfolded():
    missing = problem("missing_mandatory", "1.1.1")
    approaching, met, _ = publish_levels(decision((), approaching=(missing,), met=(missing,)))
    assert approaching.item_problems_open
    assert not met.item_problems_open
    # With nothing to complete for Approaching Standards, Standards Met's list opens.
    _, met, _ = publish_levels(decision(("approaching",), met=(missing,)))
    assert met.item_problems_open


def test_exceeded_with_met_open_lists_its_own_problems():
    expired = problem("cyber_essentials_plus_missing")
    *_, exceeded = publish_levels(decision(("met",), exceeded=(expired,)))
    assert not exceeded.needs_met_first
    assert exceeded.profile_problems == (expired,)
