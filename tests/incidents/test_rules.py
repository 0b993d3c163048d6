"""The verdict, the 72-hour clock and completeness, as tables. No database."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from incidents.rules import (
    ICO,
    ICO_DHSC,
    NOT_REPORTABLE,
    STEPS,
    Grid,
    OutcomeText,
    ReportAnswers,
    deadline,
    describe_time_left,
    discovery_problem,
    from_local,
    involves_vulnerable_groups,
    is_cyber_incident,
    is_late,
    local_time,
    missing_answers,
    must_tell_people,
    needs_late_reason,
    time_left,
    verdict,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
N, R, D = NOT_REPORTABLE, ICO, ICO_DHSC

# The grid as INCIDENTS.md §2 prints it: rows severity 5..1, columns likelihood 1..5.
PRINTED_GRID = {
    5: (N, N, D, D, D),
    4: (N, N, D, D, D),
    3: (N, N, R, R, R),
    2: (N, N, R, R, R),
    1: (N, N, N, N, N),
}
GRID = Grid(
    cells={
        (likelihood, severity): row[likelihood - 1]
        for severity, row in PRINTED_GRID.items()
        for likelihood in range(1, 6)
    },
    outcomes={
        N: OutcomeText("Not reportable", "Record it."),
        R: OutcomeText("Reportable to the ICO", "Tell the ICO."),
        D: OutcomeText("Reportable to the ICO and DHSC", "Tell both."),
    },
    not_reportable_reasons={
        "near_miss": "A near miss.",
        "not_likely": "Not likely.",
        "no_adverse_effect": "No harm.",
    },
    vulnerable_minimum=2,
)

# What the grid says with vulnerable groups involved: both scales count as at least 2, so
# likelihood 1 reads as 2 (not reportable) and severity 1 as 2 (minor: reportable when likely).
VULNERABLE_GRID = {
    5: (N, N, D, D, D),
    4: (N, N, D, D, D),
    3: (N, N, R, R, R),
    2: (N, N, R, R, R),
    1: (N, N, R, R, R),
}

EVERY_CELL = [(likelihood, severity) for severity in range(1, 6) for likelihood in range(1, 6)]


@pytest.mark.parametrize(("likelihood", "severity"), EVERY_CELL)
def test_every_cell_without_vulnerable_groups(likelihood, severity):
    result = verdict(likelihood, severity, vulnerable_groups=False, grid=GRID)
    assert result.outcome == PRINTED_GRID[severity][likelihood - 1]
    assert result.reportable == (result.outcome != N)
    assert result.near_miss == (likelihood == 1)
    assert (result.likelihood, result.severity) == (likelihood, severity)
    expected_reason = {
        R: "Tell the ICO.",
        D: "Tell both.",
    }.get(result.outcome) or (
        "A near miss." if likelihood == 1 else "No harm." if severity == 1 else "Not likely."
    )
    assert result.reason == expected_reason


@pytest.mark.parametrize(("likelihood", "severity"), EVERY_CELL)
def test_every_cell_with_vulnerable_groups(likelihood, severity):
    result = verdict(likelihood, severity, vulnerable_groups=True, grid=GRID)
    assert result.outcome == VULNERABLE_GRID[severity][likelihood - 1]
    assert (result.likelihood, result.severity) == (max(likelihood, 2), max(severity, 2))
    # Raised to "not likely", so never a near miss.
    assert result.near_miss is False


@pytest.mark.parametrize(
    ("likelihood", "severity", "vulnerable", "outcome", "reason"),
    [
        (1, 5, False, N, "A near miss."),  # catastrophic, but nothing was seen
        (2, 5, False, N, "Not likely."),
        (3, 1, False, N, "No harm."),
        (1, 1, False, N, "A near miss."),  # a near miss before "no harm"
        (3, 2, False, R, "Tell the ICO."),  # the smallest reportable cell
        (3, 3, False, R, "Tell the ICO."),
        (3, 4, False, D, "Tell both."),  # the smallest DHSC cell
        (5, 5, False, D, "Tell both."),
        (3, 1, True, R, "Tell the ICO."),  # vulnerable: no adverse effect counts as minor
        (1, 5, True, N, "Not likely."),  # vulnerable: not occurred counts as not likely
        (2, 2, True, N, "Not likely."),
    ],
)
def test_the_edges_and_their_reasons(likelihood, severity, vulnerable, outcome, reason):
    result = verdict(likelihood, severity, vulnerable_groups=vulnerable, grid=GRID)
    assert (result.outcome, result.reason) == (outcome, reason)
    assert result.also_dhsc == (outcome == D)


def test_a_corrected_none_cell_with_no_special_reason_gives_the_outcomes_own_reason():
    cells = dict(GRID.cells)
    cells[(3, 2)] = N
    result = verdict(3, 2, vulnerable_groups=False, grid=dataclasses.replace(GRID, cells=cells))
    assert (result.outcome, result.reason) == (N, "Record it.")


def test_the_minimum_for_vulnerable_groups_is_data():
    grid = dataclasses.replace(GRID, vulnerable_minimum=3)
    assert verdict(1, 1, vulnerable_groups=True, grid=grid).outcome == R


@pytest.mark.parametrize(
    ("likelihood", "severity"), [(0, 3), (6, 3), (3, 0), (3, 6), (-1, 2), (None, 2)]
)
def test_levels_outside_the_scale_are_refused(likelihood, severity):
    with pytest.raises(ValueError, match="must be 1 to 5"):
        verdict(likelihood, severity, vulnerable_groups=False, grid=GRID)


@pytest.mark.parametrize(
    ("severity", "tell"), [(None, False), (1, False), (3, False), (4, True), (5, True)]
)
def test_people_are_told_when_the_risk_to_them_is_high(severity, tell):
    assert must_tell_people(severity, from_severity=4) is tell


@pytest.mark.parametrize(
    ("categories", "vulnerable"),
    [
        ((), False),
        (("staff",), False),
        (("staff", "children"), True),
        (("vulnerable-adults",), True),
    ],
)
def test_vulnerable_groups_come_from_the_people_affected(categories, vulnerable):
    assert (
        involves_vulnerable_groups(categories, vulnerable={"children", "vulnerable-adults"})
        is vulnerable
    )


@pytest.mark.parametrize(
    ("category", "caused", "cyber"),
    [
        ("cyber-ransomware", "no", True),
        ("lost-stolen-hardware", "yes", True),
        ("lost-stolen-hardware", "dont_know", False),
        ("lost-stolen-hardware", "no", False),
        ("", "", False),
    ],
)
def test_a_cyber_incident(category, caused, cyber):
    assert (
        is_cyber_incident(
            breach_category=category, cyber_caused=caused, cyber_categories={"cyber-ransomware"}
        )
        is cyber
    )


# --- The clock -----------------------------------------------------------------------------

DISCOVERED = dt.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "late"),
    [
        (dt.timedelta(0), False),
        (dt.timedelta(hours=71, minutes=59, seconds=59), False),
        (dt.timedelta(hours=72), False),  # exactly 72 hours is in time
        (dt.timedelta(hours=72, seconds=1), True),
        (dt.timedelta(days=30), True),
    ],
)
def test_late_is_more_than_72_hours_after_discovery(after, late):
    assert is_late(DISCOVERED, DISCOVERED + after) is late
    assert needs_late_reason(DISCOVERED, DISCOVERED + after, "") is late
    assert needs_late_reason(DISCOVERED, DISCOVERED + after, "   ") is late
    assert needs_late_reason(DISCOVERED, DISCOVERED + after, "The manager was away") is False


def test_the_deadline_and_time_left():
    assert deadline(DISCOVERED) == dt.datetime(2026, 6, 4, 9, 0, tzinfo=UTC)
    assert time_left(DISCOVERED, DISCOVERED) == dt.timedelta(hours=72)
    assert time_left(DISCOVERED, DISCOVERED + dt.timedelta(hours=73)) == dt.timedelta(hours=-1)
    # The same moment written in another zone is the same moment.
    in_london = DISCOVERED.astimezone(LONDON)
    assert deadline(in_london) == deadline(DISCOVERED)


@pytest.mark.parametrize(
    ("discovered_local", "deadline_local"),
    [
        # Clocks go forward at 01:00 GMT on 29 March 2026: 72 real hours later the wall clock
        # reads one hour more.
        ((2026, 3, 28, 12, 0), (2026, 3, 31, 13, 0)),
        ((2026, 3, 29, 0, 30), (2026, 4, 1, 1, 30)),
        # Clocks go back at 02:00 BST on 25 October 2026: the wall clock reads one hour less.
        ((2026, 10, 24, 12, 0), (2026, 10, 27, 11, 0)),
        ((2026, 10, 25, 0, 30), (2026, 10, 27, 23, 30)),
        # No change in between.
        ((2026, 6, 1, 10, 0), (2026, 6, 4, 10, 0)),
    ],
)
def test_the_deadline_is_72_real_hours_across_clock_changes(discovered_local, deadline_local):
    discovered = dt.datetime(*discovered_local, tzinfo=LONDON)
    due = deadline(discovered)
    assert due.utcoffset() == dt.timedelta(0)  # kept in UTC
    assert due - discovered.astimezone(UTC) == dt.timedelta(hours=72)
    shown = local_time(due)
    assert (shown.year, shown.month, shown.day, shown.hour, shown.minute) == deadline_local


def test_naive_datetimes_are_refused():
    naive = dt.datetime(2026, 6, 1, 9, 0)  # noqa: DTZ001 - the refusal is the point
    with pytest.raises(ValueError, match="aware"):
        deadline(naive)
    with pytest.raises(ValueError, match="aware"):
        is_late(DISCOVERED, naive)
    with pytest.raises(ValueError, match="aware"):
        time_left(DISCOVERED, naive)


@pytest.mark.parametrize(
    ("date", "time", "utc"),
    [
        (dt.date(2026, 1, 15), dt.time(14, 30), dt.datetime(2026, 1, 15, 14, 30, tzinfo=UTC)),
        (dt.date(2026, 7, 15), dt.time(14, 30), dt.datetime(2026, 7, 15, 13, 30, tzinfo=UTC)),
        # The hour that happens twice in October: the first (summer time) one.
        (dt.date(2026, 10, 25), dt.time(1, 30), dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_times_typed_in_england_are_stored_in_utc(date, time, utc):
    stored = from_local(date, time)
    assert stored == utc
    assert stored.utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (dt.timedelta(hours=72), "3 days left"),
        (dt.timedelta(hours=53, minutes=20), "2 days 5 hours left"),
        (dt.timedelta(hours=1, minutes=5), "1 hour 5 minutes left"),
        (dt.timedelta(minutes=45), "45 minutes left"),
        (dt.timedelta(seconds=30), "0 minutes left"),
        (dt.timedelta(hours=-3), "Overdue by 3 hours"),
        (dt.timedelta(days=-2, hours=-1), "Overdue by 2 days 1 hour"),
    ],
)
def test_time_left_in_words(left, words):
    assert describe_time_left(left) == words


# --- Completeness ----------------------------------------------------------------------------

COMPLETE = ReportAnswers(
    happened_at=None,
    happened_at_unknown=True,
    discovered_at=DISCOVERED,
    how_discovered="The manager noticed",
    description="A laptop was left on a train",
    breach_category="lost-stolen-hardware",
    cyber_caused="no",
    information_affected=("confidentiality",),
    personal_data=("health",),
    people_categories=("service-users",),
    records_count=40,
    people_count=None,
    people_not_known=True,
    consequences="Distress",
    containment="Remote wipe requested",
    people_told="not_yet",
    others_told=("police",),
    likelihood=4,
    severity=3,
)


def test_a_complete_report_misses_nothing():
    assert missing_answers(COMPLETE) == []


def test_an_empty_report_misses_every_step_in_order():
    assert [missing.step for missing in missing_answers(ReportAnswers())] == list(STEPS)


@pytest.mark.parametrize(
    ("change", "step"),
    [
        ({"happened_at_unknown": False}, "when-happened"),
        ({"discovered_at": None}, "when-discovered"),
        ({"how_discovered": "  "}, "how-discovered"),
        ({"description": "\n"}, "what-happened"),
        ({"breach_category": ""}, "category"),
        ({"cyber_caused": ""}, "cyber"),
        ({"information_affected": ()}, "information-affected"),
        ({"personal_data": ()}, "personal-data"),
        ({"people_categories": ()}, "people"),
        ({"records_count": None}, "numbers"),
        ({"people_not_known": False}, "numbers"),
        ({"consequences": ""}, "consequences"),
        ({"containment": ""}, "containment"),
        ({"people_told": ""}, "people-told"),
        ({"others_told": ()}, "others-told"),
        ({"likelihood": None}, "likelihood"),
        ({"severity": None}, "severity"),
    ],
)
def test_each_missing_answer_names_its_step(change, step):
    missing = missing_answers(dataclasses.replace(COMPLETE, **change))
    assert [item.step for item in missing] == [step]
    assert missing[0].message


@pytest.mark.parametrize(
    ("happened", "discovered", "problem"),
    [
        (None, DISCOVERED, None),
        (DISCOVERED, DISCOVERED, None),
        (DISCOVERED + dt.timedelta(minutes=1), DISCOVERED, "after when it happened"),
        (None, DISCOVERED + dt.timedelta(days=2), "in the past"),
    ],
)
def test_a_discovery_time_that_cannot_be_right(happened, discovered, problem):
    now = DISCOVERED + dt.timedelta(hours=1)
    found = discovery_problem(happened_at=happened, discovered_at=discovered, now=now)
    assert (found is None) if problem is None else (problem in found)
