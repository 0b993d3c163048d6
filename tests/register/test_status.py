"""What the public is told (register/status.py), as tables of plain values: no database."""

from __future__ import annotations

import datetime

import pytest

from register.status import (
    CoverEnded,
    ListedSite,
    StatusKind,
    cover_ended,
    public_status,
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

# The rule ----------------------------------------------------------------------------------------

# (case, publications, registered, directory status, directory date, deadlines, today,
#  expected kind, expected text)
CASES = [
    (
        "own publication, current",
        [MET_2025],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 6, 1),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "current on the day of the next deadline (no next bank: a year after)",
        [MET_2025],
        True,
        "",
        None,
        BANKS_2025,
        D(2027, 6, 30),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "out of date the day after",
        [MET_2025],
        True,
        "",
        None,
        BANKS_2025,
        D(2027, 7, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published 25/26 Standards Met on 10 May 2026)",
    ),
    (
        "the next year's moved deadline: still current after 30 June",
        [MET_2025],
        True,
        "",
        None,
        BANKS_MOVED,
        D(2027, 9, 30),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "the next year's moved deadline: out of date the day after it",
        [MET_2025],
        True,
        "",
        None,
        BANKS_MOVED,
        D(2027, 10, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published 25/26 Standards Met on 10 May 2026)",
    ),
    (
        "last year's publication is current until this year's deadline",
        [MET_2024],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 6, 30),
        StatusKind.CURRENT,
        "24/25 Standards Met",
    ),
    (
        "last year's publication, the day after this year's deadline",
        [MET_2024],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 7, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published 24/25 Standards Met on 10 May 2025)",
    ),
    (
        "approaching standards",
        [own("2025-26", "approaching", at(2026, 3, 2))],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 3, 2),
        StatusKind.CURRENT,
        "25/26 Approaching Standards",
    ),
    (
        "an HQ publication covering the site",
        [hq("2025-26", "exceeded", at(2026, 4, 1))],
        False,
        "",
        None,
        BANKS_2025,
        D(2026, 4, 1),
        StatusKind.CURRENT,
        "25/26 Standards Exceeded",
    ),
    (
        "the site's own publication beats a newer HQ one (today's HQ cannot overrule it)",
        [MET_2024, hq("2025-26", "exceeded", at(2026, 4, 1))],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 4, 2),
        StatusKind.CURRENT,
        "24/25 Standards Met",
    ),
    (
        "the site's own 2025-26 Met beats an HQ publication a day later naming it",
        [MET_2025, hq("2025-26", "exceeded", at(2026, 5, 11))],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 6, 1),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "the site's own out-of-date publication still beats a current HQ one",
        [MET_2024, hq("2025-26", "exceeded", at(2026, 4, 1))],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 7, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published 24/25 Standards Met on 10 May 2025)",
    ),
    (
        "the site's own Approaching beats an HQ Exceeded at the same moment",
        [
            own("2025-26", "approaching", at(2026, 4, 1)),
            hq("2025-26", "exceeded", at(2026, 4, 1)),
        ],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 4, 2),
        StatusKind.CURRENT,
        "25/26 Approaching Standards",
    ),
    (
        "registered on its own, not yet published: an old HQ publication no longer counts",
        [hq("2025-26", "met", at(2026, 4, 1))],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 4, 2),
        StatusKind.REGISTERED_NOT_PUBLISHED,
        "Registered, not published",
    ),
    (
        "registered on its own, not yet published: nor does an HQ one, with the directory's",
        [hq("2025-26", "met", at(2026, 4, 1))],
        True,
        "Standards Met",
        D(2019, 5, 14),
        BANKS_2025,
        D(2026, 4, 2),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published Standards Met on 14 May 2019)",
    ),
    (
        "not registered: the latest of several HQ publications",
        [hq("2024-25", "exceeded", at(2025, 4, 1)), hq("2025-26", "met", at(2026, 4, 1))],
        False,
        "",
        None,
        BANKS_2025,
        D(2026, 4, 2),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "the site's own publication beats an older HQ one",
        [hq("2024-25", "exceeded", at(2025, 4, 1)), MET_2025],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 6, 1),
        StatusKind.CURRENT,
        "25/26 Standards Met",
    ),
    (
        "a publication, even out of date, beats the directory's status",
        [MET_2024],
        True,
        "Standards Exceeded",
        D(2019, 3, 29),
        BANKS_2025,
        D(2027, 1, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published 24/25 Standards Met on 10 May 2025)",
    ),
    (
        "directory only: the old toolkit's result is out of date",
        [],
        False,
        "Standards Met",
        D(2019, 5, 14),
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published Standards Met on 14 May 2019)",
    ),
    (
        "directory only, with the toolkit's own year suffix",
        [],
        False,
        "Entry Level (19-20)",
        D(2019, 6, 1),
        {},
        D(2026, 1, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published Entry Level (19-20) on 1 June 2019)",
    ),
    (
        "directory status and registered: the old result still shows",
        [],
        True,
        "Standards Met",
        D(2019, 5, 14),
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.OUT_OF_DATE,
        "Out of date (last published Standards Met on 14 May 2019)",
    ),
    (
        "a directory status without a date is not a publication",
        [],
        True,
        "Standards Met",
        None,
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.REGISTERED_NOT_PUBLISHED,
        "Registered, not published",
    ),
    (
        "a directory date without a status is not a publication",
        [],
        False,
        "   ",
        D(2019, 5, 14),
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.NOT_REGISTERED,
        "Not registered",
    ),
    (
        "registered, nothing published",
        [],
        True,
        "",
        None,
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.REGISTERED_NOT_PUBLISHED,
        "Registered, not published",
    ),
    (
        "not registered",
        [],
        False,
        "",
        None,
        BANKS_2025,
        D(2026, 1, 1),
        StatusKind.NOT_REGISTERED,
        "Not registered",
    ),
]


@pytest.mark.parametrize(
    (
        "publications",
        "registered",
        "directory_status",
        "directory_published_on",
        "deadlines",
        "today",
        "kind",
        "text",
    ),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_public_status(
    publications, registered, directory_status, directory_published_on, deadlines, today, kind, text
):
    status = public_status(
        publications=publications,
        registered=registered,
        directory_status=directory_status,
        directory_published_on=directory_published_on,
        deadlines=deadlines,
        today=today,
    )
    assert status.kind is kind
    assert status.text == text
    assert status.out_of_date is (kind is StatusKind.OUT_OF_DATE)


def test_a_current_status_carries_year_level_and_date():
    status = public_status(
        publications=[MET_2025], registered=True, deadlines=BANKS_2025, today=D(2026, 6, 1)
    )
    assert (status.year, status.level, status.published_on) == (
        "2025-26",
        "Standards Met",
        D(2026, 5, 10),
    )
    assert not status.is_via_hq
    assert status.source_text == "Published by the organisation itself"


def test_an_hq_status_names_the_hq():
    status = public_status(
        publications=[
            hq("2024-25", "exceeded", at(2025, 4, 1)),
            hq("2025-26", "met", at(2026, 4, 1)),
        ],
        registered=False,
        deadlines=BANKS_2025,
        today=D(2026, 4, 1),
    )
    assert (status.via_hq_name, status.via_hq_code) == ("Example Care Group", "AB12")
    assert status.source_text == "Covered by the publication of Example Care Group (AB12)"
    assert status.published_on == D(2026, 4, 1)


def test_an_out_of_date_hq_status_still_names_the_hq():
    status = public_status(
        publications=[hq("2024-25", "met", at(2025, 4, 1))],
        registered=False,
        deadlines=BANKS_2025,
        today=D(2026, 7, 1),
    )
    assert status.out_of_date
    assert status.text == "Out of date (last published 24/25 Standards Met on 1 April 2025)"
    assert status.source_text == "Covered by the publication of Example Care Group (AB12)"


def test_a_directory_status_is_marked_as_such():
    status = public_status(
        publications=[],
        registered=False,
        directory_status=" Standards Met ",
        directory_published_on=D(2019, 5, 14),
        deadlines={},
        today=D(2026, 1, 1),
    )
    assert status.from_directory
    assert status.out_of_date
    assert status.source_text == "Published in the previous toolkit"
    assert (status.level, status.year, status.published_on) == ("Standards Met", "", D(2019, 5, 14))


# A site that speaks for itself ----------------------------------------------------------------

HQ_NEW = hq("2025-26", "exceeded", at(2026, 5, 20))


def test_no_hq_publication_however_late_overrules_the_sites_own():
    for days in (0, 1, 30, 400):
        later = hq("2026-27", "exceeded", MET_2025.published_at + datetime.timedelta(days=days))
        status = public_status(
            publications=[MET_2025, later],
            registered=True,
            deadlines=BANKS_2025,
            today=D(2026, 6, 1),
        )
        assert status.text == "25/26 Standards Met", days
        assert not status.is_via_hq, days


@pytest.mark.parametrize(
    ("via_hq", "expected"),
    [
        (False, "Published by the organisation itself"),
        (True, "Covered by the publication of Example Care Group (AB12)"),
    ],
)
def test_which_publication_a_status_comes_from(via_hq, expected):
    status = public_status(
        publications=[HQ_NEW if via_hq else MET_2025],
        registered=not via_hq,
        deadlines=BANKS_2025,
        today=D(2026, 6, 1),
    )
    assert status.source_text == expected


def test_nothing_published_says_nothing_about_a_publication():
    for registered in (True, False):
        status = public_status(
            publications=[], registered=registered, deadlines=BANKS_2025, today=D(2026, 6, 1)
        )
        assert status.source_text == ""


def test_cover_ended():
    published = at(2026, 5, 20)
    sites = [
        ListedSite(name="Still Covered", code="V1"),
        ListedSite(
            name="Left Later", code="V2", registered_at=at(2026, 6, 2), registered_on=D(2026, 6, 2)
        ),
        ListedSite(
            name="Was Already Own",
            code="V3",
            registered_at=at(2026, 1, 5),
            registered_on=D(2026, 1, 5),
        ),
        ListedSite(name="Same Moment", code="V4", registered_at=published),
    ]
    ended = cover_ended(published_at=published, sites=sites)
    assert ended == [
        CoverEnded(
            name="Left Later", code="V2", registered_on=D(2026, 6, 2), before_publication=False
        ),
        CoverEnded(
            name="Was Already Own", code="V3", registered_on=D(2026, 1, 5), before_publication=True
        ),
        CoverEnded(
            name="Same Moment", code="V4", registered_on=D(2026, 5, 20), before_publication=True
        ),
    ]
    assert ended[0].text == (
        "Left Later (V2) is not covered since 2 June 2026: it registered on its own and "
        "publishes for itself"
    )
    assert ended[1].text == (
        "Was Already Own (V3) is not covered: it registered on its own on 5 January 2026, before "
        "this publication, and publishes for itself"
    )
    assert cover_ended(published_at=published, sites=sites[:1]) == []


# Withdrawn publications (ADR 10): the public sees the status as if they had never been made ----

WITHDRAWN_CASES = [
    (
        "own withdrawn: the previous own",
        [withdrawn(MET_2025), MET_2024],
        True,
        "24/25 Standards Met",
    ),
    (
        "the only one withdrawn, registered",
        [withdrawn(MET_2025)],
        True,
        "Registered, not published",
    ),
    ("the only one withdrawn, not registered", [withdrawn(MET_2025)], False, "Not registered"),
    (
        "an HQ's withdrawn: the branch's own",
        [withdrawn(hq("2025-26", "exceeded", at(2026, 5, 20))), MET_2024],
        True,
        "24/25 Standards Met",
    ),
    (
        "an HQ's withdrawn, the branch has none: none",
        [withdrawn(hq("2025-26", "exceeded", at(2026, 5, 20)))],
        False,
        "Not registered",
    ),
    (
        "withdrawn, then published again",
        [own("2025-26", "exceeded", at(2026, 6, 3)), withdrawn(MET_2025)],
        True,
        "25/26 Standards Exceeded",
    ),
]


@pytest.mark.parametrize(("case", "publications", "registered", "text"), WITHDRAWN_CASES)
def test_a_withdrawn_publication_is_not_the_public_status(case, publications, registered, text):
    status = public_status(
        publications=publications,
        registered=registered,
        deadlines=BANKS_2025,
        today=D(2026, 6, 10),
    )
    assert status.text == text, case
