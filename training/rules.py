"""The staff training register's rules: plain dates and numbers in, plain answers out.

No Django and no database (training/selectors.py reads the register into `Person`). Evidence item
3.2.1 asks what share of the organisation's people (staff, directors, trustees, volunteers)
completed data security training in the last twelve months; at least 95 % meets it.

Decisions, each held by a table in tests/training/test_rules.py:

* **Who counts on a day.** Someone who started on or before the day (or whose start date is not
  known) and had not left before it. Someone whose leaving date is the day itself still counts:
  they were there that day.
* **Trained in the last 12 months, as at a day.** A completion on the day itself or in the twelve
  months counted back from it, both ends included: as at 31 March 2026 a course on 31 March 2025
  counts and one on 30 March 2025 does not. Training after the day does not count (a date in the
  past is judged as it stood then). Twelve months back from 29 February is 28 February
  (`assessments.rules.add_months`).
* **The last day a course counts** is twelve months after it (`counts_until`); the day after is
  the day it lapses. Training "lapses within 30 days" when its last counted day is before the day
  30 days from now: as at 1 June a course counting until 30 June is due soon, one counting until
  1 July is not yet.
* **The percentage is rounded down** to a whole number (94.6 % is 94 %): a figure that met the
  threshold only by rounding would tell the public something untrue. "Meets 95 %" is decided on
  the exact numbers (trained × 100 ≥ 95 × counted), which always agrees with the rounded-down
  figure. With nobody counted there is no percentage and the threshold is not met.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assessments.rules import add_months

THRESHOLD_PERCENT = 95
MONTHS_COUNTED = 12
DUE_SOON_DAYS = 30
# Training dates before this are typing mistakes (a year of 200 or 1925), not records.
EARLIEST_TRAINING = dt.date(2000, 1, 1)


class Status(enum.StrEnum):
    TRAINED = "trained"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NEVER_TRAINED = "never_trained"
    LEFT = "left"
    NOT_STARTED = "not_started"


@dataclass(frozen=True)
class Person:
    """One person in the register, with the dates of every training they completed."""

    start_date: dt.date | None
    leaving_date: dt.date | None
    completions: Sequence[dt.date] = ()


def counts_on(person: Person, day: dt.date) -> bool:
    """Whether the person is one of the organisation's people on `day`."""
    if person.start_date is not None and person.start_date > day:
        return False
    return person.leaving_date is None or person.leaving_date >= day


def last_training(completions: Iterable[dt.date], day: dt.date) -> dt.date | None:
    """The latest completion on or before `day` (later ones had not happened yet)."""
    done = [completed for completed in completions if completed <= day]
    return max(done) if done else None


def counts_until(completed: dt.date) -> dt.date:
    """The last day a course completed on `completed` counts as training in the last 12 months."""
    return add_months(completed, MONTHS_COUNTED)


def trained_on(completions: Iterable[dt.date], day: dt.date) -> bool:
    """Whether a completion falls in the 12 months counted back from `day`, both ends included."""
    earliest = add_months(day, -MONTHS_COUNTED)
    return any(earliest <= completed <= day for completed in completions)


def lapses_soon(completed: dt.date, day: dt.date, *, days: int = DUE_SOON_DAYS) -> bool:
    """Training that counts on `day` but stops counting within the next `days` days."""
    last_day = counts_until(completed)
    return day <= last_day < day + dt.timedelta(days=days)


def status_on(person: Person, day: dt.date) -> Status:
    """Where the person stands on `day`."""
    if person.leaving_date is not None and person.leaving_date < day:
        return Status.LEFT
    if person.start_date is not None and person.start_date > day:
        return Status.NOT_STARTED
    latest = last_training(person.completions, day)
    if latest is None:
        return Status.NEVER_TRAINED
    if not trained_on([latest], day):
        return Status.OVERDUE
    if lapses_soon(latest, day):
        return Status.DUE_SOON
    return Status.TRAINED


@dataclass(frozen=True)
class Headline:
    """N of M people (P %) trained in the last 12 months, as at `day`."""

    day: dt.date
    trained: int
    counted: int

    @property
    def percent(self) -> int | None:
        """Rounded down to a whole number; None when nobody is counted."""
        if self.counted == 0:
            return None
        return (self.trained * 100) // self.counted

    @property
    def meets_threshold(self) -> bool:
        return meets_threshold(self.trained, self.counted)


def meets_threshold(trained: int, counted: int, *, threshold: int = THRESHOLD_PERCENT) -> bool:
    """At least `threshold` per cent trained, on the exact numbers. Nobody counted is not met."""
    if counted <= 0 or trained < 0 or trained > counted:
        return False
    return trained * 100 >= threshold * counted


def headline(people: Iterable[Person], day: dt.date) -> Headline:
    counted = [person for person in people if counts_on(person, day)]
    trained = sum(1 for person in counted if trained_on(person.completions, day))
    return Headline(day=day, trained=trained, counted=len(counted))


def training_date_problem(day: dt.date, *, today: dt.date) -> str | None:
    """Why a training completion date cannot be right, or None."""
    if day > today:
        return "The training date must be today or in the past"
    if day < EARLIEST_TRAINING:
        return "The training date must be in the year 2000 or later"
    return None


def leaving_date_problem(start: dt.date | None, leaving: dt.date | None) -> str | None:
    if start is not None and leaving is not None and leaving < start:
        return "The leaving date must be the same as or after the start date"
    return None


def reminder_statuses() -> frozenset[Status]:
    """Who the monthly reminder lists: training lapsing soon, lapsed, or never done."""
    return frozenset({Status.DUE_SOON, Status.OVERDUE, Status.NEVER_TRAINED})


def same_person_key(name: str, start_date: dt.date | None) -> tuple[str, dt.date | None]:
    """Two rows are the same person when their names (ignoring case and spacing) and start dates
    are the same."""
    return (" ".join(name.split()).casefold(), start_date)
