"""Which publication speaks for an organisation and until when (publishing/coverage.py), as
tables of plain values: no database."""

from __future__ import annotations

import pytest

from publishing.coverage import (
    current_until,
    deciding_publication,
    deciding_publications,
    history_publications,
    in_force,
    is_current,
    latest_publication,
    next_year,
)

from ..publication_facts import (
    BANKS_2025,
    BANKS_MOVED,
    MET_2024,
    MET_2025,
    D,
    at,
    hq,
    own,
    withdrawn,
)

# Years and deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [("2025-26", "2026-27"), ("2099-00", "2100-01"), ("1999-00", "2000-01")],
)
def test_next_year(year, expected):
    assert next_year(year) == expected


@pytest.mark.parametrize("year", ["", "2025", "abcd-ef", "-26"])
def test_next_year_refuses_what_is_not_a_year(year):
    with pytest.raises(ValueError, match="Not a DSPT year"):
        next_year(year)


@pytest.mark.parametrize(
    ("year", "deadlines", "expected"),
    [
        # The next year's bank is not loaded: a year after this year's deadline.
        ("2025-26", BANKS_2025, D(2027, 6, 30)),
        # The next year's bank is loaded: its deadline, even when it moved.
        ("2025-26", BANKS_MOVED, D(2027, 9, 30)),
        ("2024-25", BANKS_2025, D(2026, 6, 30)),
        # A deadline on 29 February becomes 28 February a year later.
        ("2023-24", {"2023-24": D(2024, 2, 29)}, D(2025, 2, 28)),
        # Nothing known about the year.
        ("2030-31", BANKS_2025, None),
        # Only the next year's bank is loaded.
        ("2030-31", {"2031-32": D(2032, 3, 31)}, D(2032, 3, 31)),
    ],
)
def test_current_until(year, deadlines, expected):
    assert current_until(year=year, deadlines=deadlines) == expected


def test_an_unknown_deadline_counts_as_current():
    assert is_current(year="2030-31", deadlines={}, today=D(2099, 1, 1))


# Which publication speaks for the organisation -------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ([], None),
        ([MET_2024, MET_2025], MET_2025),
        ([MET_2025, MET_2024], MET_2025),
        # Latest by publication time, not by DSPT year: a late republish for an old year counts.
        (
            [MET_2025, own("2024-25", "exceeded", at(2026, 5, 11))],
            own("2024-25", "exceeded", at(2026, 5, 11)),
        ),
        # An exact tie: the organisation's own publication wins.
        (
            [hq("2025-26", "exceeded", at(2026, 5, 10, 15)), MET_2025],
            MET_2025,
        ),
        (
            [MET_2025, hq("2025-26", "exceeded", at(2026, 5, 10, 15))],
            MET_2025,
        ),
    ],
)
def test_latest_publication(facts, expected):
    assert latest_publication(facts) == expected


# A site that speaks for itself ----------------------------------------------------------------

HQ_OLD = hq("2024-25", "exceeded", at(2025, 4, 1))
HQ_NEW = hq("2025-26", "exceeded", at(2026, 5, 20))
OWN_APPROACHING = own("2025-26", "approaching", at(2026, 3, 1))


@pytest.mark.parametrize(
    ("publications", "registered", "expected"),
    [
        ([], False, []),
        ([], True, []),
        # Not registered: HQ publications decide.
        ([HQ_OLD, HQ_NEW], False, [HQ_OLD, HQ_NEW]),
        # Registered on its own and not yet published: no HQ publication counts, old or new.
        ([HQ_OLD, HQ_NEW], True, []),
        # Its own publications decide, older or newer than the HQ's.
        ([HQ_OLD, MET_2025, HQ_NEW], True, [MET_2025]),
        ([OWN_APPROACHING, HQ_NEW, MET_2024], True, [OWN_APPROACHING, MET_2024]),
        # Even in data where it is not registered (an import), its own publication wins.
        ([HQ_NEW, MET_2025], False, [MET_2025]),
    ],
)
def test_deciding_publications(publications, registered, expected):
    assert deciding_publications(publications, registered=registered) == expected


@pytest.mark.parametrize(
    ("publications", "registered", "expected"),
    [
        ([], False, None),
        # Registered on its own: no HQ publication speaks for it, however recent.
        ([HQ_OLD, HQ_NEW], True, None),
        ([HQ_OLD, HQ_NEW], False, HQ_NEW),
        ([HQ_NEW, MET_2024], True, MET_2024),
        ([MET_2024, OWN_APPROACHING], False, OWN_APPROACHING),
    ],
)
def test_deciding_publication(publications, registered, expected):
    assert deciding_publication(publications, registered=registered) == expected


@pytest.mark.parametrize(
    ("registered_at", "expected"),
    [
        (None, [MET_2025, HQ_NEW, HQ_OLD]),
        # Registered between the two HQ publications: the later one never covered it.
        (at(2025, 6, 1), [MET_2025, HQ_OLD]),
        # Registered exactly when the HQ published: that publication did not cover it.
        (HQ_OLD.published_at, [MET_2025]),
        (at(2020, 1, 1), [MET_2025]),
    ],
)
def test_history_publications(registered_at, expected):
    facts = [MET_2025, HQ_NEW, HQ_OLD]
    assert history_publications(facts, registered_at=registered_at) == expected


# Withdrawn publications (ADR 10) -----------------------------------------------------------------

MET_2025_WITHDRAWN = withdrawn(MET_2025)
HQ_NEW_WITHDRAWN = withdrawn(HQ_NEW)
REPUBLISHED = own("2025-26", "met", at(2026, 6, 3))


@pytest.mark.parametrize(
    ("case", "publications", "registered", "expected"),
    [
        ("its own withdrawn: the previous own one", [MET_2025_WITHDRAWN, MET_2024], True, MET_2024),
        ("its only publication withdrawn: none", [MET_2025_WITHDRAWN], True, None),
        ("withdrawn, whatever the order", [MET_2024, MET_2025_WITHDRAWN], True, MET_2024),
        ("an HQ's withdrawn: the branch's own", [HQ_NEW_WITHDRAWN, MET_2024], True, MET_2024),
        ("an HQ's withdrawn, nothing else: none", [HQ_NEW_WITHDRAWN], False, None),
        ("an HQ's withdrawn: its earlier one", [HQ_NEW_WITHDRAWN, HQ_OLD], False, HQ_OLD),
        (
            "withdrawn, then published again",
            [REPUBLISHED, MET_2025_WITHDRAWN, MET_2024],
            True,
            REPUBLISHED,
        ),
        (
            "a withdrawn own one does not hide an HQ's (unregistered data)",
            [MET_2025_WITHDRAWN, HQ_OLD],
            False,
            HQ_OLD,
        ),
        ("everything withdrawn", [MET_2025_WITHDRAWN, HQ_NEW_WITHDRAWN], False, None),
    ],
)
def test_a_withdrawn_publication_decides_nothing(case, publications, registered, expected):
    assert deciding_publication(publications, registered=registered) == expected, case


def test_the_latest_publication_skips_withdrawn_ones():
    assert latest_publication([MET_2025_WITHDRAWN, MET_2024]) == MET_2024
    assert latest_publication([MET_2025_WITHDRAWN]) is None
    assert in_force([MET_2025_WITHDRAWN, MET_2024, HQ_NEW_WITHDRAWN]) == [MET_2024]


def test_the_history_keeps_withdrawn_publications():
    facts = [MET_2025_WITHDRAWN, HQ_NEW_WITHDRAWN, MET_2024]
    assert history_publications(facts, registered_at=None) == facts
    assert [fact.is_withdrawn for fact in facts] == [True, True, False]
