"""An organisation's status year by year, from plain facts (no Django, no database).

The public organisation page lists each DSPT year's status, and the area pages count them. Both
ask `publication_by_year`, which applies the coverage rule (publishing/coverage.py) to one year at
a time: withdrawn publications decide nothing, the organisation's own publications win over an
HQ's, and a registered organisation is never spoken for by an HQ. So the latest year in the table
always agrees with the status the register shows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from assessments.vocabulary import CERTIFICATE_LEVELS, dspt_year_for, status_text
from publishing.coverage import PublicationFact, deciding_publication, in_force

from .status import publication_source_text


def last_years(today: datetime.date, count: int = 5) -> list[str]:
    """The `count` DSPT years up to and including today's, oldest first."""
    start = int(dspt_year_for(today)[:4])
    return [f"{first}-{(first + 1) % 100:02d}" for first in range(start - count + 1, start + 1)]


def publication_by_year(
    publications: Iterable[PublicationFact], *, registered: bool
) -> dict[str, PublicationFact]:
    """DSPT year → the publication that speaks for the organisation for that year. Years with
    nothing in force are left out."""
    by_year: dict[str, list[PublicationFact]] = {}
    for fact in in_force(publications):
        by_year.setdefault(fact.year, []).append(fact)
    decided = {}
    for year, facts in by_year.items():
        fact = deciding_publication(facts, registered=registered)
        if fact is not None:
            decided[year] = fact
    return decided


@dataclass(frozen=True)
class YearStatus:
    """One row of an organisation's status by year."""

    year: str
    status_text: str  # "25/26 Standards Met"
    published_on: datetime.date
    source_text: str  # "Published by the organisation itself" / "Covered by the publication of …"


def status_by_year(
    publications: Iterable[PublicationFact], *, registered: bool
) -> list[YearStatus]:
    """Each DSPT year's status, latest year first, withdrawn publications left out."""
    decided = publication_by_year(publications, registered=registered)
    return [
        YearStatus(
            year=year,
            status_text=status_text(fact.year, fact.level),
            published_on=fact.published_on,
            source_text=publication_source_text(
                via_hq_name=fact.via_hq_name, via_hq_code=fact.via_hq_code
            ),
        )
        for year, fact in sorted(decided.items(), reverse=True)
    ]


def certificate_code(publications: Iterable[PublicationFact], *, registered: bool) -> str:
    """The verification code of the certificate behind the organisation's status: that of the
    publication speaking for it when its level earns a certificate, whether current or not (the
    certificate check says which); "" otherwise."""
    deciding = deciding_publication(publications, registered=registered)
    if deciding is None or deciding.level not in CERTIFICATE_LEVELS:
        return ""
    return deciding.verification_code
