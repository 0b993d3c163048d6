"""What the public is told about an organisation's DSPT status, from plain facts (no Django, no
database).

The public search and the public organisation page both show the status the toolkit shows: the
publication that speaks for the organisation (publishing/coverage.py decides which: its own, or an
HQ's that lists it as a site) unless it has run out, then what the old toolkit's 2019 export said,
then whether the organisation has registered at all. Its history still lists the HQ publications
from before it registered, and an HQ's certificate check names the sites it no longer speaks for.

`search.py` gathers the facts from the database in bulk; everything that decides what the public
is told lives here so it can be tested with tables of plain values.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.vocabulary import (
    FIRST_DSPT_YEAR,
    NOT_PUBLISHED,
    NOT_REGISTERED,
    REGISTERED_NOT_PUBLISHED,
    dspt_year_for,
    format_date,
    level_label,
    out_of_date_text,
    short_year,
    status_text,
)
from publishing.coverage import PublicationFact, current_until, deciding_publication, is_current

PUBLISHED_BY_ITSELF = "Published by the organisation itself"
FROM_PREVIOUS_TOOLKIT = "Published in the previous toolkit"


class StatusKind(enum.Enum):
    CURRENT = "current"
    OUT_OF_DATE = "out_of_date"
    REGISTERED_NOT_PUBLISHED = "registered_not_published"
    NOT_REGISTERED = "not_registered"


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
    # The status in the toolkit's export words, lapsed or not: "25/26 Standards Met",
    # "18/19 Standards Met" (a directory record), or "Not Published". Exports carry this, with
    # `out_of_date` in a column of its own (ADR 8).
    toolkit_text: str = NOT_PUBLISHED

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


# Texts -------------------------------------------------------------------------------------------


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


# The toolkit's words for a directory record ---------------------------------------------------

# "22/23 Standards Met": the later exports' (and this portal's) form.
_YEAR_PREFIX = re.compile(r"^(\d{2})/(\d{2})\s+(\S.*)$")
# "Standards Met (19-20)": the 2019 export's form for the then-new year.
_YEAR_SUFFIX = re.compile(r"^(\S.*?)\s*\((\d{2})-(\d{2})\)$")


def _year_from_short(start: str, end: str) -> str:
    """ "19", "20" → "2019-20"; "" when the two are not consecutive years."""
    if (int(start) + 1) % 100 != int(end):
        return ""
    return f"20{start}-{end}"


def directory_status_year(status: str, published_on: datetime.date | None) -> tuple[str, str]:
    """(status in the toolkit's export words, DSPT year) for a status the toolkit's export gave.

    - "22/23 Standards Met" is kept, for 2022-23 (a later export, or this portal's own).
    - "Standards Met (19-20)" becomes "19/20 Standards Met".
    - An untagged status ("Standards Met", the 2019 export's form for its first year) is for the
      DSPT year its date falls in, except that a date from April to June counts for the year just
      ended: those months lead up to the usual 30 June deadline, and the 2019 export tagged the
      new year's publications "(19-20)". Never before the toolkit's first year, 2018-19.
    - Without a date an untagged status has no year and is kept as it is; "Not Published" and
      blank give ("", "").
    """
    text = " ".join((status or "").split())
    if not text or text.casefold() == NOT_PUBLISHED.casefold():
        return "", ""
    prefixed = _YEAR_PREFIX.match(text)
    if prefixed:
        # A year that is not one ("19/21") leaves the text as it is, with no year to lapse by.
        return text, _year_from_short(prefixed.group(1), prefixed.group(2))
    suffixed = _YEAR_SUFFIX.match(text)
    if suffixed:
        year = _year_from_short(suffixed.group(2), suffixed.group(3))
        if year:
            return f"{short_year(year)} {suffixed.group(1)}", year
    if published_on is None:
        return text, ""
    month_shifted = published_on.replace(day=1)
    if 4 <= month_shifted.month <= 6:
        month_shifted = month_shifted.replace(year=month_shifted.year - 1)
    year = max(dspt_year_for(month_shifted), FIRST_DSPT_YEAR)
    return f"{short_year(year)} {text}", year


# The rule ----------------------------------------------------------------------------------------


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
    (any number; `coverage.deciding_publication` picks the one that speaks for it). `deadlines`:
    DSPT year → publication deadline, from the loaded question banks. `today` is passed in so the
    rule can be tested at its boundaries.
    """
    latest = deciding_publication(publications, registered=registered)
    if latest is not None:
        text = status_text(latest.year, latest.level)
        current = is_current(year=latest.year, deadlines=deadlines, today=today)
        return PublicStatus(
            kind=StatusKind.CURRENT if current else StatusKind.OUT_OF_DATE,
            text=text if current else out_of_date_text(text, latest.published_on),
            published_on=latest.published_on,
            level=level_label(latest.level),
            year=latest.year,
            via_hq_name=latest.via_hq_name,
            via_hq_code=latest.via_hq_code,
            out_of_date=not current,
            toolkit_text=text,
        )
    directory_status = (directory_status or "").strip()
    toolkit_text, year = directory_status_year(directory_status, directory_published_on)
    if toolkit_text and directory_published_on is not None:
        # The old toolkit's results (the 2019 export) have long since lapsed. A status imported
        # with its year (another portal's export of this register) is current only while a known
        # deadline says so: unknown deadlines never make an imported status current.
        until = current_until(year=year, deadlines=deadlines) if year else None
        current = until is not None and today <= until
        return PublicStatus(
            kind=StatusKind.CURRENT if current else StatusKind.OUT_OF_DATE,
            text=(
                toolkit_text
                if current
                else out_of_date_text(directory_status, directory_published_on)
            ),
            published_on=directory_published_on,
            level=directory_status,
            out_of_date=not current,
            from_directory=True,
            toolkit_text=toolkit_text,
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

    The same rule as the public status (`coverage.deciding_publications`): from the moment a site
    is registered on its own, no HQ publication covers it, whenever it was published. The
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
