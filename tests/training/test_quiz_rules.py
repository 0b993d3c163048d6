"""The frontline quiz's rules as tables: what passes, marking, unanswered questions, link states."""

import datetime as dt

import pytest

from training import quiz_rules
from training.quiz_rules import AnswerKey, LinkState


@pytest.mark.parametrize(
    ("score", "out_of", "passed"),
    [
        (8, 10, True),  # 80 % exactly passes
        (4, 5, True),
        (16, 20, True),
        (13, 16, True),  # 81.25 %
        (12, 16, False),  # 75 %
        (79, 100, False),  # 79 %
        (31, 39, False),  # 79.49 %: never rounded up to 80
        (159, 200, False),  # 79.5 %
        (0, 16, False),  # 0 of N
        (16, 16, True),  # N of N
        (1, 1, True),
        (0, 1, False),
    ],
)
def test_what_passes(score, out_of, passed):
    assert quiz_rules.has_passed(score, out_of) is passed


@pytest.mark.parametrize(("score", "out_of"), [(0, 0), (-1, 10), (11, 10), (1, 0)])
def test_impossible_scores_are_refused(score, out_of):
    with pytest.raises(ValueError, match=r"a quiz asks at least one question|is impossible"):
        quiz_rules.has_passed(score, out_of)


@pytest.mark.parametrize(
    ("out_of", "mark"), [(16, 13), (10, 8), (5, 4), (15, 12), (14, 12), (1, 1)]
)
def test_the_pass_mark_is_the_fewest_right_answers_that_pass(out_of, mark):
    assert quiz_rules.pass_mark(out_of) == mark
    assert quiz_rules.has_passed(mark, out_of)
    assert not quiz_rules.has_passed(mark - 1, out_of)


def test_a_different_threshold():
    assert quiz_rules.has_passed(7, 10, pass_percent=70)
    assert not quiz_rules.has_passed(7, 10)


@pytest.mark.parametrize(("score", "out_of", "shown"), [(13, 16, 81), (31, 39, 79), (0, 5, 0)])
def test_percentages_are_rounded_down(score, out_of, shown):
    assert quiz_rules.percent(score, out_of) == shown


KEY = (
    AnswerKey("q1", "one", "a"),
    AnswerKey("q2", "one", "b"),
    AnswerKey("q3", "two", "c"),
    AnswerKey("q4", "two", "a"),
    AnswerKey("q5", "three", "b"),
)


@pytest.mark.parametrize(
    ("answers", "score", "passed", "wrong", "revisit"),
    [
        ({"q1": "a", "q2": "b", "q3": "c", "q4": "a", "q5": "b"}, 5, True, (), ()),
        ({"q1": "a", "q2": "b", "q3": "c", "q4": "a", "q5": "a"}, 4, True, ("q5",), ("three",)),
        (
            {"q1": "b", "q2": "b", "q3": "a", "q4": "a", "q5": "b"},
            3,
            False,
            ("q1", "q3"),
            ("one", "two"),
        ),
        # Unanswered counts as wrong; answers to questions not asked are ignored.
        ({"q1": "a", "q2": "b", "q3": "c", "q9": "a"}, 3, False, ("q4", "q5"), ("two", "three")),
        ({}, 0, False, ("q1", "q2", "q3", "q4", "q5"), ("one", "two", "three")),
    ],
)
def test_marking(answers, score, passed, wrong, revisit):
    marked = quiz_rules.mark(KEY, answers)
    assert (marked.score, marked.out_of, marked.passed) == (score, 5, passed)
    assert marked.wrong == wrong
    assert marked.revisit == revisit


PAGES = [{"q1": ("a", "b", "c"), "q2": ("a", "b", "c")}, {"q3": ("a", "b", "c", "d")}]


@pytest.mark.parametrize(
    ("answers", "missing", "first_incomplete"),
    [
        ({}, ["q1", "q2"], 1),
        ({"q1": "a"}, ["q2"], 1),
        ({"q1": "a", "q2": "z"}, ["q2"], 1),  # not one of its options
        ({"q1": "a", "q2": "c"}, [], 2),
        ({"q1": "a", "q2": "c", "q3": "d"}, [], None),
    ],
)
def test_unanswered_questions(answers, missing, first_incomplete):
    assert quiz_rules.unanswered(PAGES[0], answers) == missing
    assert quiz_rules.first_incomplete_page(PAGES, answers) == first_incomplete


NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
BEFORE = NOW - dt.timedelta(minutes=1)
AFTER = NOW + dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("expires_at", "used_at", "revoked_at", "state"),
    [
        (AFTER, None, None, LinkState.OPEN),
        (NOW, None, None, LinkState.EXPIRED),  # it expires at its time exactly
        (BEFORE, None, None, LinkState.EXPIRED),
        (AFTER, None, BEFORE, LinkState.REVOKED),
        (BEFORE, None, BEFORE, LinkState.REVOKED),
        (AFTER, BEFORE, None, LinkState.USED),
        (BEFORE, BEFORE, BEFORE, LinkState.USED),  # a finished quiz stays finished
    ],
)
def test_link_states(expires_at, used_at, revoked_at, state):
    assert (
        quiz_rules.link_state(
            expires_at=expires_at, used_at=used_at, revoked_at=revoked_at, now=NOW
        )
        is state
    )


def test_links_last_whole_days():
    assert quiz_rules.link_expires_at(NOW, days=14) == NOW + dt.timedelta(days=14)
    with pytest.raises(ValueError, match="at least a day"):
        quiz_rules.link_expires_at(NOW, days=0)


@pytest.mark.parametrize(
    ("name", "first"), [("Priya Carer", "Priya"), ("  Sam ", "Sam"), ("", ""), ("Jo Ann Lee", "Jo")]
)
def test_only_the_first_name_is_shown(name, first):
    assert quiz_rules.first_name(name) == first
