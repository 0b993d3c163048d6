"""The incident log's rules: its filters, the year an incident counts in, the time to report it,
and the verdict an incident stands at after its follow-ups.

Plain functions over plain values (no Django), tested by tables in tests/incidents/.

Years are DSPT years, 1 April to 31 March (assessments/vocabulary.dspt_year_for), the year the
annual assessment and its incident review cover. An incident counts in the year it was
discovered (in England's time); a draft with no discovery time yet, in the year it was started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assessments.vocabulary import dspt_year_dates, dspt_year_for

from .rules import DISPLAY_ZONE, from_local, local_time

# The statuses the log filters by: the incident's states.
STATUSES: tuple[str, ...] = ("draft", "submitted", "closed", "withdrawn")


@dataclass(frozen=True)
class LogFilters:
    status: str = ""  # "" is every status
    year: str = ""  # a DSPT year, "2025-26"; "" is every year
    category: str = ""  # a breach category value; "" is every category

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "year": self.year, "category": self.category}

    @property
    def any(self) -> bool:
        return bool(self.status or self.year or self.category)


def parse_filters(
    query: Mapping[str, str], *, categories: Iterable[str]
) -> tuple[LogFilters, list[tuple[str, str]]]:
    """The filters a query string asks for, and (field, message) for each value that is not one
    of the choices. A bad value is left out of the filters, never guessed at."""
    errors: list[tuple[str, str]] = []
    status = (query.get("status") or "").strip()
    if status and status not in STATUSES:
        errors.append(("status", "Select a status from the list"))
        status = ""
    year = (query.get("year") or "").strip()
    if year:
        try:
            dspt_year_dates(year)
        except ValueError:
            errors.append(("year", "Select a year from the list"))
            year = ""
    category = (query.get("category") or "").strip()
    if category and category not in set(categories):
        errors.append(("category", "Select a kind of incident from the list"))
        category = ""
    return LogFilters(status=status, year=year, category=category), errors


def year_of(*, discovered_at: dt.datetime | None, created_at: dt.datetime) -> str:
    """The DSPT year an incident counts in."""
    return dspt_year_for(local_time(discovered_at or created_at).date())


def year_bounds(year: str) -> tuple[dt.datetime, dt.datetime]:
    """The start (inclusive) and end (exclusive) of a DSPT year in England's time, in UTC."""
    first, last = dspt_year_dates(year)
    return (
        from_local(first, dt.time(0, 0)),
        from_local(last + dt.timedelta(days=1), dt.time(0, 0)),
    )


def years_offered(*, today: dt.date, earliest: dt.date | None) -> list[str]:
    """The years the filter offers, newest first: from the earliest incident's to this one."""
    current = dspt_year_for(today)
    start = dspt_year_for(earliest) if earliest and earliest < today else current
    years = []
    first_year = int(start[:4])
    for year in range(int(current[:4]), first_year - 1, -1):
        years.append(dspt_year_for(dt.date(year, 4, 1)))
    return years


def time_to_report(
    discovered_at: dt.datetime | None, submitted_at: dt.datetime | None
) -> dt.timedelta | None:
    """From discovery to submission; None for a draft or when either is missing."""
    if discovered_at is None or submitted_at is None:
        return None
    return max(submitted_at - discovered_at, dt.timedelta(0))


def describe_duration(value: dt.timedelta) -> str:
    """'2 days 5 hours', '3 hours 20 minutes', '45 minutes'."""
    seconds = max(int(value.total_seconds()), 0)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60

    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    if days:
        return plural(days, "day") + (f" {plural(hours, 'hour')}" if hours else "")
    if hours:
        return plural(hours, "hour") + (f" {plural(minutes, 'minute')}" if minutes else "")
    return plural(minutes, "minute")


def current_verdict(submitted: str, revisions: Sequence[str]) -> str:
    """The verdict an incident stands at: the latest revision's (in order), or the one it was
    submitted with. Blank revisions (updates that did not revise the levels) do not count."""
    for verdict in reversed(revisions):
        if verdict:
            return verdict
    return submitted


def local_date(value: dt.datetime) -> dt.date:
    return value.astimezone(DISPLAY_ZONE).date()
