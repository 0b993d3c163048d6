"""Which publication speaks for an organisation, and until when it is current (no Django, no
database).

An organisation is spoken for by the latest publication that covers it — its own, or an HQ's that
lists it as a site. A site that speaks for itself is never overruled by its HQ: the
organisation's own publications, when it has any, decide whatever an HQ published before or after
them, and once an organisation is registered on the portal (a site registered on its own) no HQ
publication counts for it at all, old or new — "where processes & procedures differ, each site
will need to register individually".

A publication the helpdesk withdrew (made in error or by fraud) never speaks for anyone: every
rule here skips it, so the organisation falls back to the publication before it, its HQ's, or none
(ADR 10). The public history still lists it, marked as withdrawn.

A publication is current until the next year's publication deadline. The public register
(register/status.py) tells people what this means; the reminders (reminders.py) tell
administrators when it lapses. Both get each organisation's latest publications from
`selectors.latest_publications`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .rules import add_months


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
    withdrawn_on: datetime.date | None = None  # set when the helpdesk withdrew it (UK date)
    publication_id: int | None = None  # which publication, for its certificate
    verification_code: str = ""  # its certificate's code, where the reader needs it

    @property
    def is_via_hq(self) -> bool:
        return bool(self.via_hq_code or self.via_hq_name)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


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


# Which publication speaks for the organisation ---------------------------------------------------


def in_force(publications: Iterable[PublicationFact]) -> list[PublicationFact]:
    """The publications that were not withdrawn, in the order given."""
    return [fact for fact in publications if not fact.is_withdrawn]


def latest_publication(publications: Iterable[PublicationFact]) -> PublicationFact | None:
    """The publication published last, withdrawn ones left out. On an exact tie the
    organisation's own one wins."""
    latest: PublicationFact | None = None
    for fact in in_force(publications):
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
    """The publications that may decide an organisation's status.

    - Never a withdrawn one: it is left out before anything else is decided, so a withdrawn own
      publication does not keep an HQ's from counting, and a withdrawn HQ publication covers
      nobody.
    - The organisation's own publications, whenever it has any: no HQ publication, older or
      newer, overrules them.
    - None at all when it has none of its own but is registered on the portal: a registered
      organisation speaks for itself (a site that registered on its own is "Registered, not
      published" until it publishes), so no HQ publication counts for it, old or new.
    - Otherwise the HQ publications that list it.
    """
    facts = in_force(publications)
    own = [fact for fact in facts if not fact.is_via_hq]
    if own:
        return own
    if registered:
        return []
    return facts


def deciding_publication(
    publications: Iterable[PublicationFact], *, registered: bool
) -> PublicationFact | None:
    """The one publication that speaks for the organisation: the latest of those that may."""
    return latest_publication(deciding_publications(publications, registered=registered))


def history_publications(
    publications: Iterable[PublicationFact], *, registered_at: datetime.datetime | None
) -> list[PublicationFact]:
    """The publications an organisation's public history lists, in the order given: all its own,
    and the HQ publications that covered it — for an organisation registered at `registered_at`,
    only those published before then (a later one never spoke for it). Withdrawn publications
    stay in the history (the page marks them withdrawn); they decide nothing."""
    return [
        fact
        for fact in publications
        if not fact.is_via_hq or registered_at is None or fact.published_at < registered_at
    ]
