"""An organisation's public DSPT status, worked out from plain facts (no Django, no database).

The public search and the public organisation page both show the status the toolkit shows: the
latest publication that covers the organisation — its own, or an HQ's that lists it as a site —
unless it has run out, then what the old toolkit's 2019 export said, then whether the organisation
has registered at all.

A site that speaks for itself is never overruled by its HQ: the organisation's own publications,
when it has any, decide its status whatever an HQ published before or after them, and once an
organisation is registered on the portal (a site registered on its own) no HQ publication counts
for it at all, old or new — "where processes & procedures differ, each site will need to register
individually". Its history still lists the HQ publications from before it registered, and an HQ's
certificate check names the sites it no longer speaks for.

`search.py` gathers the facts from the database in bulk; everything that decides what the public
is told lives here so it can be tested with tables of plain values.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.vocabulary import LEVEL_LABELS, format_date, short_year, status_text

from .rules import add_months

__all__ = ["LEVEL_LABELS", "format_date", "short_year"]

NOT_REGISTERED = "Not registered"
REGISTERED_NOT_PUBLISHED = "Registered, not published"
OUT_OF_DATE = "Out of date"
PUBLISHED_BY_ITSELF = "Published by the organisation itself"
FROM_PREVIOUS_TOOLKIT = "Published in the previous toolkit"


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
    def source_text(self) -> str:
        """Which publication the status comes from; "" when nothing has been published."""
        if self.from_directory:
            return FROM_PREVIOUS_TOOLKIT
        if self.published_on is None:
            return ""
        return publication_source_text(via_hq_name=self.via_hq_name, via_hq_code=self.via_hq_code)


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


def publication_source_text(*, via_hq_name: str = "", via_hq_code: str = "") -> str:
    """ "Published by the organisation itself", or "Covered by the publication of Example Care
    Group (AB12)" for an HQ's publication that lists the organisation."""
    if via_hq_name or via_hq_code:
        return f"Covered by the publication of {_name_and_code(via_hq_name, via_hq_code)}"
    return PUBLISHED_BY_ITSELF


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


def deciding_publications(
    publications: Iterable[PublicationFact], *, registered: bool
) -> list[PublicationFact]:
    """The publications that may decide an organisation's public status.

    - The organisation's own publications, whenever it has any: no HQ publication, older or
      newer, overrules them.
    - None at all when it has none of its own but is registered on the portal: a registered
      organisation speaks for itself (a site that registered on its own is "Registered, not
      published" until it publishes), so no HQ publication counts for it, old or new.
    - Otherwise the HQ publications that list it.
    """
    facts = list(publications)
    own = [fact for fact in facts if not fact.is_via_hq]
    if own:
        return own
    if registered:
        return []
    return facts


def history_publications(
    publications: Iterable[PublicationFact], *, registered_at: datetime.datetime | None
) -> list[PublicationFact]:
    """The publications an organisation's public history lists, in the order given: all its own,
    and the HQ publications that covered it — for an organisation registered at `registered_at`,
    only those published before then (a later one never spoke for it)."""
    return [
        fact
        for fact in publications
        if not fact.is_via_hq or registered_at is None or fact.published_at < registered_at
    ]


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
    (any number; of those `deciding_publications` keeps, the latest counts). `deadlines`: DSPT
    year → publication deadline, from the loaded question banks. `today` is passed in so the rule
    can be tested at its boundaries.
    """
    latest = latest_publication(deciding_publications(publications, registered=registered))
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


# An HQ's certificate and the sites that speak for themselves -------------------------------------


@dataclass(frozen=True)
class ListedSite:
    """A site an HQ publication lists; `registered_at` is set once it registered on its own."""

    name: str
    code: str
    registered_at: datetime.datetime | None = None
    registered_on: datetime.date | None = None  # registered_at as a UK date, for people


@dataclass(frozen=True)
class CoverEnded:
    """A site an HQ publication lists but does not speak for (any more)."""

    name: str
    code: str
    registered_on: datetime.date
    before_publication: bool  # registered on its own before the HQ published: never covered

    @property
    def text(self) -> str:
        site = _name_and_code(self.name, self.code)
        day = format_date(self.registered_on)
        if self.before_publication:
            return (
                f"{site} is not covered: it registered on its own on {day}, before this "
                "publication, and publishes for itself"
            )
        return (
            f"{site} is not covered since {day}: it registered on its own and publishes for itself"
        )


def cover_ended(
    *, published_at: datetime.datetime, sites: Iterable[ListedSite]
) -> list[CoverEnded]:
    """The listed sites an HQ publication does not speak for, in the order given.

    The same rule as the public status (`deciding_publications`): from the moment a site is
    registered on its own, no HQ publication covers it, whenever it was published. The
    certificate stays genuine for the HQ and the other sites it lists.
    """
    ended = []
    for site in sites:
        if site.registered_at is None:
            continue
        ended.append(
            CoverEnded(
                name=site.name,
                code=site.code,
                registered_on=site.registered_on or site.registered_at.date(),
                before_publication=site.registered_at <= published_at,
            )
        )
    return ended
