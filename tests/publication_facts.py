"""Publication facts and deadlines for the coverage and public-status tables (plain values)."""

from __future__ import annotations

import dataclasses
import datetime

from publishing.coverage import PublicationFact

D = datetime.date
UTC = datetime.UTC


def at(year: int, month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


def own(year: str, level: str, published: datetime.datetime) -> PublicationFact:
    return PublicationFact(
        year=year, level=level, published_at=published, published_on=published.date()
    )


def hq(year: str, level: str, published: datetime.datetime) -> PublicationFact:
    return PublicationFact(
        year=year,
        level=level,
        published_at=published,
        published_on=published.date(),
        via_hq_name="Example Care Group",
        via_hq_code="AB12",
    )


# Deadlines as the question banks hold them. 2026-27's bank is not loaded in BANKS_2025.
BANKS_2025 = {"2024-25": D(2025, 6, 30), "2025-26": D(2026, 6, 30)}
# 2026-27's deadline moved (as 2019-20's once did): the loaded bank wins over "a year later".
BANKS_MOVED = {**BANKS_2025, "2026-27": D(2027, 9, 30)}

MET_2025 = own("2025-26", "met", at(2026, 5, 10, 15))
MET_2024 = own("2024-25", "met", at(2025, 5, 10))


WITHDRAWN_ON = D(2026, 6, 2)


def withdrawn(fact: PublicationFact, on: datetime.date = WITHDRAWN_ON) -> PublicationFact:
    """The same publication, withdrawn by the helpdesk on `on`."""
    return dataclasses.replace(fact, withdrawn_on=on)
