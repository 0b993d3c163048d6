"""Tables for the pure rules after submission: reminders due, the sending state machine's words
and decisions, the log's years, filters and durations."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.vocabulary import dspt_year_dates, dspt_year_for
from incidents import log_rules, notify_rules, reminder_rules
from incidents.reminder_rules import HOURS_48, HOURS_66

UTC = dt.UTC
DISCOVERED = dt.datetime(2026, 3, 27, 9, 0, tzinfo=UTC)  # the clocks go forward two days later


def at(hours: float, minutes: float = 0) -> dt.datetime:
    return DISCOVERED + dt.timedelta(hours=hours, minutes=minutes)


@pytest.mark.parametrize(
    ("now", "submitted", "sent", "due"),
    [
        (at(47, 59), False, set(), None),
        (at(48), False, set(), HOURS_48),
        (at(48, 1), False, set(), HOURS_48),
        (at(50), False, {HOURS_48}, None),
        (at(65, 59), False, {HOURS_48}, None),
        (at(66), False, {HOURS_48}, HOURS_66),
        (at(66), False, {HOURS_48, HOURS_66}, None),  # the second reminder goes once
        (at(70), False, {HOURS_66}, None),
        (at(67), False, set(), HOURS_66),  # a missed 48-hour reminder is not sent late
        (at(80), False, {HOURS_48}, HOURS_66),  # overdue, still within a day of the deadline
        (at(96), False, set(), HOURS_66),
        (at(96, 1), False, set(), None),  # long abandoned: no "hurry" email
        (at(48), True, set(), None),  # submitted: never
        (at(66), True, {HOURS_48}, None),
        (at(10), False, set(), None),
    ],
)
def test_reminder_due(now, submitted, sent, due):
    got = reminder_rules.reminder_due(
        discovered_at=DISCOVERED, now=now, submitted=submitted, already_sent=sent
    )
    assert got == due


def test_no_reminder_without_a_discovery_time():
    assert (
        reminder_rules.reminder_due(
            discovered_at=None, now=at(100), submitted=False, already_sent=()
        )
        is None
    )


def test_reminder_times_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        reminder_rules.reminder_due(
            discovered_at=DISCOVERED.replace(tzinfo=None),
            now=at(50),
            submitted=False,
            already_sent=(),
        )


MIN = dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("state", "age", "expected"),
    [
        ("pending", dt.timedelta(minutes=20), notify_rules.Staleness.FRESH),
        ("pending", dt.timedelta(minutes=20) + MIN, notify_rules.Staleness.STALE),
        ("pending", dt.timedelta(minutes=60) + MIN, notify_rules.Staleness.ABANDONED),
        ("sending", dt.timedelta(minutes=5), notify_rules.Staleness.FRESH),
        ("sending", dt.timedelta(minutes=6), notify_rules.Staleness.STALE),
        ("sending", dt.timedelta(minutes=16), notify_rules.Staleness.ABANDONED),
        ("sent", dt.timedelta(days=9), notify_rules.Staleness.FRESH),
        ("failed", dt.timedelta(days=9), notify_rules.Staleness.FRESH),
        ("unconfigured", dt.timedelta(days=9), notify_rules.Staleness.FRESH),
    ],
)
def test_staleness(state, age, expected):
    assert notify_rules.staleness(state=state, age=age) is expected


@pytest.mark.parametrize(
    ("state", "age", "configured", "text", "again", "button"),
    [
        ("sent", MIN, True, "Sent on 3 June 2026 at 10:05", False, ""),
        ("pending", MIN, True, "Sending", False, ""),
        ("sending", MIN, True, "Sending", False, ""),
        (
            "sending",
            dt.timedelta(minutes=6),
            True,
            "Taking too long – try again",
            True,
            "Try again",
        ),
        ("pending", dt.timedelta(hours=2), True, "Taking too long – try again", True, "Try again"),
        ("failed", MIN, True, "Failed – try again", True, "Try again"),
        ("failed", MIN, False, "Failed – try again", True, "Try again"),
        ("unconfigured", MIN, False, "Not sent: no destination configured", False, ""),
        ("unconfigured", MIN, True, "Not sent: no destination was configured", True, "Send now"),
    ],
)
def test_what_a_notification_shows(state, age, configured, text, again, button):
    shown = notify_rules.shown(
        state=state, age=age, configured=configured, sent_on="3 June 2026 at 10:05"
    )
    assert (shown.text, shown.can_send_again, shown.button) == (text, again, button)


@pytest.mark.parametrize(
    ("reportable_now", "earlier", "update_sent", "withdrawal_sent"),
    [
        (False, [], False, False),  # a near miss that stays one: nothing to tell
        (True, [], True, False),  # became reportable through a revision
        (True, ["sent"], True, True),
        (False, ["sent"], True, True),  # no longer reportable: news to the regulator too
        (False, ["failed"], True, True),
        (False, ["pending"], True, True),
        (False, ["unconfigured"], False, False),  # nothing ever went
    ],
)
def test_what_is_sent_on(reportable_now, earlier, update_sent, withdrawal_sent):
    assert (
        notify_rules.update_needs_sending(reportable_now=reportable_now, earlier_states=earlier)
        is update_sent
    )
    assert notify_rules.withdrawal_needs_sending(earlier_states=earlier) is withdrawal_sent


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2025, 4, 1), "2025-26"),
        (dt.date(2025, 3, 31), "2024-25"),
        (dt.date(2026, 3, 31), "2025-26"),
        (dt.date(2026, 1, 15), "2025-26"),
        (dt.date(1999, 12, 31), "1999-00"),
    ],
)
def test_dspt_year_for(day, year):
    assert dspt_year_for(day) == year


def test_dspt_year_dates_and_refusals():
    assert dspt_year_dates("2025-26") == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    for bad in ("2025-27", "2025", "next year", "2025-2027"):
        with pytest.raises(ValueError, match="Not a DSPT year"):
            dspt_year_dates(bad)


def test_a_year_runs_from_midnight_in_england():
    start, end = log_rules.year_bounds("2025-26")
    assert start == dt.datetime(2025, 3, 31, 23, 0, tzinfo=UTC)  # 1 April 00:00 summer time
    assert end == dt.datetime(2026, 3, 31, 23, 0, tzinfo=UTC)
    late_night = dt.datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 April in England
    assert log_rules.year_of(discovered_at=late_night, created_at=late_night) == "2026-27"
    assert log_rules.year_of(discovered_at=None, created_at=start) == "2025-26"


@pytest.mark.parametrize(
    ("query", "filters", "error_fields"),
    [
        ({}, log_rules.LogFilters(), []),
        (
            {"status": "closed", "year": "2025-26", "category": "lost-stolen-hardware"},
            log_rules.LogFilters("closed", "2025-26", "lost-stolen-hardware"),
            [],
        ),
        ({"status": "deleted"}, log_rules.LogFilters(), ["status"]),
        ({"year": "2025-27"}, log_rules.LogFilters(), ["year"]),
        ({"category": "<script>"}, log_rules.LogFilters(), ["category"]),
        ({"status": "draft", "year": "x"}, log_rules.LogFilters(status="draft"), ["year"]),
    ],
)
def test_parse_filters(query, filters, error_fields):
    got, errors = log_rules.parse_filters(query, categories=["lost-stolen-hardware"])
    assert got == filters
    assert [field for field, _ in errors] == error_fields


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (dt.timedelta(0), "0 minutes"),
        (dt.timedelta(minutes=1), "1 minute"),
        (dt.timedelta(minutes=45), "45 minutes"),
        (dt.timedelta(hours=3, minutes=20), "3 hours 20 minutes"),
        (dt.timedelta(hours=1), "1 hour"),
        (dt.timedelta(days=1, hours=1), "1 day 1 hour"),
        (dt.timedelta(days=3, minutes=5), "3 days"),
    ],
)
def test_describe_duration(value, words):
    assert log_rules.describe_duration(value) == words


def test_time_to_report():
    assert log_rules.time_to_report(at(0), at(5)) == dt.timedelta(hours=5)
    assert log_rules.time_to_report(at(0), None) is None
    assert log_rules.time_to_report(None, at(5)) is None
    # Discovery typed after the submission time can never make a negative time.
    assert log_rules.time_to_report(at(5), at(0)) == dt.timedelta(0)


@pytest.mark.parametrize(
    ("submitted", "revisions", "now"),
    [
        ("none", [], "none"),
        ("none", ["", "ico"], "ico"),
        ("ico", ["none", ""], "none"),
        ("ico", ["ico_dhsc", "ico"], "ico"),
    ],
)
def test_current_verdict(submitted, revisions, now):
    assert log_rules.current_verdict(submitted, revisions) == now


def test_years_offered():
    assert log_rules.years_offered(today=dt.date(2026, 5, 1), earliest=None) == ["2026-27"]
    assert log_rules.years_offered(today=dt.date(2026, 5, 1), earliest=dt.date(2025, 2, 1)) == [
        "2026-27",
        "2025-26",
        "2024-25",
    ]
