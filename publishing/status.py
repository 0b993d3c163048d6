"""An organisation's public DSPT status, worked out from plain facts (no Django, no database).

The public search and the public organisation page both show the status the toolkit shows: the
latest publication that covers the organisation — its own, or an HQ's that lists it as a site —
unless it has run out, then what the old toolkit's 2019 export said, then whether the organisation
has registered at all. `search.py` gathers the facts from the database in bulk; everything that
decides what the public is told lives here so it can be tested with tables of plain values.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .rules import LEVEL_LABELS, add_months, format_date, short_year, status_text

__all__ = ["LEVEL_LABELS", "format_date", "short_year"]

NOT_REGISTERED = "Not registered"
REGISTERED_NOT_PUBLISHED = "Registered, not published"
OUT_OF_DATE = "Out of date"


class StatusKind(enum.Enum):
    CURRENT = "current"
    OUT_OF_DATE = "out_of_date"
    REGISTERED_NOT_PUBLISHED = "registered_not_published"
    NOT_REGISTERED = "not_registered"


@dataclass(frozen=True)
class PublicationFact:
    """One publication that covers the organisation, reduced to what the public may see.

    `via_hq_name`/`via_hq_code` are set when the publication is an HQ's that lists the
    organisation among its sites; they are empty for the organisation's own publications.
    """

    year: str  # DSPT year, "2025-26"
    level: str  # a PublicationLevel value: "approaching", "met" or "exceeded"
    published_at: datetime.datetime  # orders publications: the latest one counts
    published_on: datetime.date  # the date shown (published_at in UK time)
    via_hq_name: str = ""
    via_hq_code: str = ""

    @property
    def is_via_hq(self) -> bool:
        return bool(self.via_hq_code or self.via_hq_name)


@dataclass(frozen=True)
class PublicStatus:
    """What the public is told about an organisation."""

    kind: StatusKind
    text: str  # the whole status line, e.g. "25/26 Standards Met" or "Out of date (…)"
    published_on: datetime.date | None = None
    level: str = ""  # label, "Standards Met"; for directory records the toolkit's own wording
    year: str = ""  # DSPT year, "2025-26"; empty for directory records
    via_hq_name: str = ""
    via_hq_code: str = ""
    out_of_date: bool = False
    from_directory: bool = False  # the last known status comes from the old toolkit's export

    @property
    def is_via_hq(self) -> bool:
        return bool(self.via_hq_code or self.via_hq_name)

    @property
    def published_by_text(self) -> str:
        """ "published by Example Care Group (AB12)", or "" for the organisation's own status."""
        if not self.is_via_hq:
            return ""
        return f"published by {_name_and_code(self.via_hq_name, self.via_hq_code)}"


# Years and deadlines ------------------------------------------------------------------------------


def next_year(year: str) -> str:
    """ "2026-27" for "2025-26". Raises ValueError for anything not shaped like a DSPT year."""
    start, sep, _ = year.partition("-")
    if not sep or not start.isdigit():
        raise ValueError(f"Not a DSPT year: {year!r}")
    following = int(start) + 1
    return f"{following}-{(following + 1) % 100:02d}"


def current_until(*, year: str, deadlines: Mapping[str, datetime.date]) -> datetime.date | None:
    """The last day a publication for `year` is current: the next year's publication deadline.

    The next year's deadline comes from its question bank when it is loaded; before then it is
    taken to be a year after this year's deadline (deadlines have moved, so they are never
    computed when the bank says otherwise). None when neither year's deadline is known.
    """
    try:
        following = next_year(year)
    except ValueError:
        following = ""
    if following and following in deadlines:
        return deadlines[following]
    if year in deadlines:
        return add_months(deadlines[year], 12)
    return None


def is_current(*, year: str, deadlines: Mapping[str, datetime.date], today: datetime.date) -> bool:
    """True up to and including the deadline day. Unknown deadlines count as current, because
    telling the public a status has lapsed needs a deadline to have passed."""
    until = current_until(year=year, deadlines=deadlines)
    return until is None or today <= until


# Texts -------------------------------------------------------------------------------------------


def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


def publication_status_text(*, year: str, level: str) -> str:
    """ "25/26 Standards Met": the status a publication gives, as the toolkit writes it."""
    return status_text(year, level)


def _name_and_code(name: str, code: str) -> str:
    if name and code:
        return f"{name} ({code})"
    return name or code


def _out_of_date_text(last: str, day: datetime.date) -> str:
    return f"{OUT_OF_DATE} (last published {last} on {format_date(day)})"


# The rule ----------------------------------------------------------------------------------------


def latest_publication(publications: Iterable[PublicationFact]) -> PublicationFact | None:
    """The publication published last. On an exact tie the organisation's own one wins."""
    latest: PublicationFact | None = None
    for fact in publications:
        if latest is None:
            latest = fact
            continue
        key = (fact.published_at, not fact.is_via_hq)
        if key > (latest.published_at, not latest.is_via_hq):
            latest = fact
    return latest


def public_status(
    *,
    publications: Iterable[PublicationFact],
    registered: bool,
    directory_status: str = "",
    directory_published_on: datetime.date | None = None,
    deadlines: Mapping[str, datetime.date],
    today: datetime.date,
) -> PublicStatus:
    """The organisation's public status.

    `publications`: the organisation's own publications and the HQ publications that list it
    (any number; only the latest counts). `deadlines`: DSPT year → publication deadline, from the
    loaded question banks. `today` is passed in so the rule can be tested at its boundaries.
    """
    latest = latest_publication(publications)
    if latest is not None:
        label = level_label(latest.level)
        status_text = publication_status_text(year=latest.year, level=latest.level)
        current = is_current(year=latest.year, deadlines=deadlines, today=today)
        return PublicStatus(
            kind=StatusKind.CURRENT if current else StatusKind.OUT_OF_DATE,
            text=status_text if current else _out_of_date_text(status_text, latest.published_on),
            published_on=latest.published_on,
            level=label,
            year=latest.year,
            via_hq_name=latest.via_hq_name,
            via_hq_code=latest.via_hq_code,
            out_of_date=not current,
        )
    directory_status = (directory_status or "").strip()
    if directory_status and directory_published_on is not None:
        # Results from the old toolkit (the 2019 export) have long since lapsed.
        return PublicStatus(
            kind=StatusKind.OUT_OF_DATE,
            text=_out_of_date_text(directory_status, directory_published_on),
            published_on=directory_published_on,
            level=directory_status,
            out_of_date=True,
            from_directory=True,
        )
    if registered:
        return PublicStatus(kind=StatusKind.REGISTERED_NOT_PUBLISHED, text=REGISTERED_NOT_PUBLISHED)
    return PublicStatus(kind=StatusKind.NOT_REGISTERED, text=NOT_REGISTERED)
