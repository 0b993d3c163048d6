"""The helpdesk's action rules, by table: who may be made an administrator, linking a site to an
HQ and unlinking it, lockout, and whom an operator may act on. Each rule has its refusal."""

from __future__ import annotations

import datetime

import pytest

from helpdesk.rules import (
    AdministratorCandidate,
    OrganisationPlace,
    hq_link_problem,
    hq_unlink_problem,
    is_locked_out,
    make_administrator_problem,
    person_action_problem,
)


@pytest.mark.parametrize(
    ("is_helpdesk_staff", "is_self", "problem"),
    [
        (False, False, None),
        (True, False, "This is a helpdesk account"),
        (True, True, "You cannot do this to your own account"),
        (False, True, "You cannot do this to your own account"),
    ],
)
def test_operators_act_on_providers_people_only(is_helpdesk_staff, is_self, problem):
    got = person_action_problem(is_helpdesk_staff=is_helpdesk_staff, is_self=is_self)
    assert (got is None) if problem is None else got.startswith(problem)


def candidate(**changes) -> AdministratorCandidate:
    facts = {
        "person": "Ana Smith",
        "organisation": "Langdale House",
        "organisation_registered": True,
        "organisation_suspended": False,
        "role": None,
        "membership_suspended": False,
        "invited_role": None,
    }
    return AdministratorCandidate(**{**facts, **changes})


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"role": "member"}, None),
        ({"role": "viewer"}, None),
        ({"invited_role": "member"}, None),
        ({"invited_role": "viewer"}, None),
        ({"role": "administrator"}, "Ana Smith is already an administrator of Langdale House"),
        ({"invited_role": "administrator"}, "Ana Smith is already invited to Langdale House"),
        ({}, "Ana Smith is not a member of Langdale House and has no invitation there"),
        ({"membership_suspended": True}, "Ana Smith belonged to an earlier registration"),
        (
            {"role": "member", "organisation_registered": False},
            "Langdale House is not registered",
        ),
        (
            {"role": "member", "organisation_suspended": True},
            "The registration of Langdale House is suspended",
        ),
    ],
)
def test_who_the_helpdesk_may_make_an_administrator(changes, problem):
    got = make_administrator_problem(candidate(**changes))
    assert (got is None) if problem is None else got.startswith(problem), got


SITE = OrganisationPlace(
    pk=1, label="Larch House (VJ101)", is_headquarters=False, parent_id=None, has_branches=False
)
HQ = OrganisationPlace(
    pk=2, label="Acorn Care (AB12)", is_headquarters=True, parent_id=None, has_branches=True
)
OTHER_SITE = OrganisationPlace(
    pk=3, label="Birch House (VJ102)", is_headquarters=False, parent_id=None, has_branches=False
)


def place(base: OrganisationPlace, **changes) -> OrganisationPlace:
    return OrganisationPlace(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("site", "hq", "registered", "asked", "problem"),
    [
        (SITE, HQ, False, False, None),
        (SITE, HQ, True, True, None),
        (
            SITE,
            HQ,
            True,
            False,
            "Larch House (VJ101) registered on its own, so it speaks for itself",
        ),
        (SITE, SITE, False, False, "Larch House (VJ101) cannot be its own HQ"),
        (HQ, place(HQ, pk=9), False, False, "Acorn Care (AB12) is a headquarters"),
        (place(SITE, has_branches=True), HQ, False, False, "Larch House (VJ101) is a headq"),
        (SITE, OTHER_SITE, False, False, "Birch House (VJ102) is not a headquarters"),
        (SITE, place(HQ, parent_id=7), False, False, "Acorn Care (AB12) belongs to another HQ"),
        (place(SITE, parent_id=2), HQ, False, False, "Larch House (VJ101) is already a branch"),
        (place(SITE, parent_id=8), HQ, False, False, "Larch House (VJ101) is a branch of anoth"),
    ],
)
def test_linking_a_site_to_an_hq(site, hq, registered, asked, problem):
    got = hq_link_problem(
        site=site, hq=hq, publishes_for_itself=registered, site_administrator_asked=asked
    )
    assert (got is None) if problem is None else got.startswith(problem), got


@pytest.mark.parametrize(
    ("site", "expected", "problem"),
    [
        (place(SITE, parent_id=2), 2, None),
        (SITE, None, "Larch House (VJ101) is not a branch of any HQ"),
        (place(SITE, parent_id=5), 2, "Larch House (VJ101) moved to another HQ"),
    ],
)
def test_unlinking_a_site_from_its_hq(site, expected, problem):
    got = hq_unlink_problem(site=site, expected_parent_id=expected)
    assert (got is None) if problem is None else got.startswith(problem), got


NOW = datetime.datetime(2026, 5, 1, 12, 0, tzinfo=datetime.UTC)
MINUTES = datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("failures", "last_failure", "locked"),
    [
        (5, NOW - 1 * MINUTES, True),
        (7, NOW - 14 * MINUTES, True),
        (5, NOW - 15 * MINUTES, False),  # the cool-off has ended
        (4, NOW - 1 * MINUTES, False),  # under the limit
        (0, NOW, False),
    ],
)
def test_locked_out(failures, last_failure, locked):
    assert (
        is_locked_out(
            failures=failures,
            limit=5,
            last_failure=last_failure,
            cool_off=15 * MINUTES,
            now=NOW,
        )
        is locked
    )
