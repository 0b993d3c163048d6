"""The register's rules as tables: plain dates in, answers out, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from training import rules
from training.rules import Headline, Person, Status

D = dt.date
AS_AT = D(2026, 3, 31)


@pytest.mark.parametrize(
    ("start", "leaving", "day", "counts"),
    [
        (None, None, AS_AT, True),  # no start date: counts
        (D(2020, 1, 1), None, AS_AT, True),
        (AS_AT, None, AS_AT, True),  # started that day
        (D(2026, 4, 1), None, AS_AT, False),  # starts the day after: refused
        (D(2020, 1, 1), AS_AT, AS_AT, True),  # leaves that day: still there
        (D(2020, 1, 1), D(2026, 3, 30), AS_AT, False),  # left the day before: refused
        (None, D(2026, 3, 30), AS_AT, False),
    ],
)
def test_who_counts_on_a_day(start, leaving, day, counts):
    assert rules.counts_on(Person(start, leaving), day) is counts


@pytest.mark.parametrize(
    ("completions", "day", "trained"),
    [
        ((D(2025, 3, 31),), AS_AT, True),  # exactly 12 months back: counts (inclusive)
        ((D(2025, 3, 30),), AS_AT, False),  # a day more: refused
        ((AS_AT,), AS_AT, True),  # on the day itself
        ((D(2026, 4, 1),), AS_AT, False),  # after the day: does not count
        ((), AS_AT, False),  # never trained
        ((D(2024, 1, 1), D(2025, 6, 1)), AS_AT, True),  # the latest decides
        ((D(2024, 2, 29),), D(2025, 2, 28), True),  # 12 months back from 28 Feb is 28 Feb
        ((D(2024, 2, 28),), D(2025, 2, 28), True),
        ((D(2024, 2, 27),), D(2025, 2, 28), False),
        ((D(1999, 1, 1),), AS_AT, False),
    ],
)
def test_trained_in_the_last_12_months(completions, day, trained):
    assert rules.trained_on(completions, day) is trained


def test_counts_until_agrees_with_trained_on_every_day_of_two_years():
    """The last day a course counts is the last day trained_on says it counts."""
    completed = D(2024, 2, 29)
    for offset in range(0, 800):
        day = completed + dt.timedelta(days=offset)
        assert rules.trained_on([completed], day) is (day <= rules.counts_until(completed)), day


@pytest.mark.parametrize(
    ("completed", "day", "soon"),
    [
        (D(2025, 6, 30), D(2026, 6, 1), True),  # counts until 30 June: lapses within 30 days
        (D(2025, 7, 1), D(2026, 6, 1), False),  # counts until 1 July: the 31st day, not yet
        (D(2025, 6, 1), D(2026, 6, 1), True),  # its last day is today
        (D(2025, 5, 31), D(2026, 6, 1), False),  # already lapsed: overdue, not due soon
        (D(2026, 5, 1), D(2026, 6, 1), False),
    ],
)
def test_lapses_within_30_days(completed, day, soon):
    assert rules.lapses_soon(completed, day) is soon


@pytest.mark.parametrize(
    ("person", "day", "status"),
    [
        (Person(None, None, (D(2026, 1, 1),)), AS_AT, Status.TRAINED),
        (Person(None, None, (D(2025, 4, 15),)), AS_AT, Status.DUE_SOON),
        (Person(None, None, (D(2025, 3, 1),)), AS_AT, Status.OVERDUE),
        (Person(None, None, ()), AS_AT, Status.NEVER_TRAINED),
        (Person(None, None, (D(2026, 4, 2),)), AS_AT, Status.NEVER_TRAINED),  # later training
        (Person(None, D(2026, 1, 1), (D(2026, 1, 1),)), AS_AT, Status.LEFT),
        (Person(D(2026, 5, 1), None, ()), AS_AT, Status.NOT_STARTED),
        (Person(None, AS_AT, (D(2026, 1, 1),)), AS_AT, Status.TRAINED),  # leaving today
    ],
)
def test_status_on_a_day(person, day, status):
    assert rules.status_on(person, day) is status


@pytest.mark.parametrize(
    ("trained", "counted", "percent", "meets"),
    [
        (19, 20, 95, True),  # exactly 95 %
        (18, 19, 94, False),  # 94.7 %: never shown as 95, not met
        (1892, 2000, 94, False),  # 94.6 %
        (189, 199, 94, False),  # 94.97 %
        (20, 20, 100, True),
        (0, 20, 0, False),
        (0, 0, None, False),  # nobody counted: no percentage, not met
    ],
)
def test_percentage_is_rounded_down_and_the_threshold_uses_exact_numbers(
    trained, counted, percent, meets
):
    figures = Headline(day=AS_AT, trained=trained, counted=counted)
    assert figures.percent == percent
    assert figures.meets_threshold is meets


@pytest.mark.parametrize(
    ("trained", "counted", "meets"),
    [(5, 4, False), (-1, 4, False), (1, 0, False), (95, 100, True), (94, 100, False)],
)
def test_meets_threshold_refuses_impossible_numbers(trained, counted, meets):
    assert rules.meets_threshold(trained, counted) is meets


def test_headline_counts_only_people_there_that_day():
    people = [
        Person(None, None, (D(2026, 1, 1),)),  # trained
        Person(None, None, ()),  # never trained
        Person(None, D(2025, 1, 1), (D(2024, 6, 1),)),  # left: not counted
        Person(D(2026, 6, 1), None, ()),  # not started: not counted
        Person(None, None, (D(2026, 5, 1),)),  # trained after the day: counted, not trained
    ]
    assert rules.headline(people, AS_AT) == Headline(day=AS_AT, trained=1, counted=3)


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (D(2026, 3, 31), None),  # today
        (D(2026, 4, 1), "The training date must be today or in the past"),
        (D(2000, 1, 1), None),
        (D(1999, 12, 31), "The training date must be in the year 2000 or later"),
    ],
)
def test_training_date_problem(day, problem):
    assert rules.training_date_problem(day, today=AS_AT) == problem


@pytest.mark.parametrize(
    ("start", "leaving", "refused"),
    [
        (D(2025, 1, 1), D(2024, 12, 31), True),
        (D(2025, 1, 1), D(2025, 1, 1), False),
        (None, D(2020, 1, 1), False),
        (D(2025, 1, 1), None, False),
    ],
)
def test_leaving_date_problem(start, leaving, refused):
    assert (rules.leaving_date_problem(start, leaving) is not None) is refused


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (("Ann  Smith", D(2024, 1, 1)), ("ann smith", D(2024, 1, 1)), True),
        (("Ann Smith", D(2024, 1, 1)), ("Ann Smith", D(2024, 1, 2)), False),
        (("Ann Smith", None), ("Ann Smith", None), True),
        (("Ann Smith", None), ("Ann Smyth", None), False),
    ],
)
def test_same_person(a, b, same):
    assert (rules.same_person_key(*a) == rules.same_person_key(*b)) is same


def test_the_reminder_lists_due_soon_overdue_and_never_trained_only():
    assert rules.reminder_statuses() == {Status.DUE_SOON, Status.OVERDUE, Status.NEVER_TRAINED}
    assert Status.LEFT not in rules.reminder_statuses()
