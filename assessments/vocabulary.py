"""The toolkit's words, written down once: levels, their labels, status texts, years and dates.

Every page, spreadsheet, certificate and CSV says "Standards Met", "25/26 Standards Met" or
"1 March 2026" through this module; nothing else spells them. Plain Python, no Django, so the
rules modules and the document builders can use it without a database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

# --- publication levels (what an organisation publishes) -----------------------------------------

APPROACHING_STANDARDS = "approaching"
STANDARDS_MET = "met"
STANDARDS_EXCEEDED = "exceeded"
LEVELS: tuple[str, ...] = (APPROACHING_STANDARDS, STANDARDS_MET, STANDARDS_EXCEEDED)
LEVEL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        APPROACHING_STANDARDS: "Approaching Standards",
        STANDARDS_MET: "Standards Met",
        STANDARDS_EXCEEDED: "Standards Exceeded",
    }
)
# Approaching Standards is published with an action plan, not a certificate.
CERTIFICATE_LEVELS: frozenset[str] = frozenset({STANDARDS_MET, STANDARDS_EXCEEDED})

# --- item levels (which standard a bank item counts towards) -------------------------------------

ITEM_APPROACHING = "approaching"
ITEM_MET = "met"
ITEM_OPTIONAL = "optional"
ITEM_LEVEL_LABELS: Mapping[str, str] = MappingProxyType(
    {
        ITEM_APPROACHING: "Approaching Standards",
        ITEM_MET: "Standards Met",
        ITEM_OPTIONAL: "Non-mandatory",
    }
)

NOT_PUBLISHED = "Not Published"
# The toolkit replaced the Information Governance Toolkit in April 2018: no DSPT status is older.
FIRST_DSPT_YEAR = "2018-19"

# --- what the public register says when no current publication speaks for an organisation --------

NOT_REGISTERED = "Not registered"
REGISTERED_NOT_PUBLISHED = "Registered, not published"
OUT_OF_DATE = "Out of date"

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_YEAR_RE = re.compile(r"^(\d{4})-(\d{2}|\d{4})$")


def level_label(level: str) -> str:
    """ "met" → "Standards Met"; an unknown level is a programming error, never shown."""
    try:
        return LEVEL_LABELS[level]
    except KeyError:
        raise ValueError(f"Unknown publication level {level!r}") from None


def item_level_label(level: str) -> str:
    try:
        return ITEM_LEVEL_LABELS[level]
    except KeyError:
        raise ValueError(f"Unknown item level {level!r}") from None


def earns_certificate(level: str) -> bool:
    return level in CERTIFICATE_LEVELS


def short_year(year: str) -> str:
    """The short form of a DSPT year the toolkit's status texts use: 2024-25 (or 2024-2025)
    becomes 24/25."""
    match = _YEAR_RE.match(year.strip())
    if not match:
        raise ValueError(f"Not a DSPT year: {year!r}")
    return f"{match.group(1)[2:]}/{match.group(2)[-2:]}"


def status_text(year: str, level: str) -> str:
    """The public status as the toolkit writes it: ("2025-26", "met") → "25/26 Standards Met"."""
    return f"{short_year(year)} {level_label(level)}"


def format_date(day: date) -> str:
    """A date as people read it, e.g. 1 March 2026: no leading zero, English month names
    whatever the server's locale."""
    return f"{day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


def out_of_date_text(last_status: str, published_on: date) -> str:
    """A lapsed status as the register shows it and the reminders quote it:
    "Out of date (last published 24/25 Standards Met on 10 May 2025)"."""
    return f"{OUT_OF_DATE} (last published {last_status} on {format_date(published_on)})"


def dspt_year_for(day: date) -> str:
    """The DSPT year a date falls in: years run from 1 April to 31 March, so 15 May 2025 and
    31 March 2026 are both in "2025-26"."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def dspt_year_dates(year: str) -> tuple[date, date]:
    """The first and last days of a DSPT year: "2025-26" → (1 April 2025, 31 March 2026)."""
    match = _YEAR_RE.match(year.strip())
    if not match:
        raise ValueError(f"Not a DSPT year: {year!r}")
    start = int(match.group(1))
    if int(match.group(2)[-2:]) != (start + 1) % 100:
        raise ValueError(f"Not a DSPT year: {year!r}")
    return date(start, 4, 1), date(start + 1, 3, 31)
