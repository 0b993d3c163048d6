import os

import pytest

from organisations.roles import Role

from .factories import MembershipFactory, RegisteredOrganisationFactory, bank_build

PASSWORD = "correct-horse-battery-9"

# `make test` sets DSPT_REQUIRE_SERVICES=1 (and CI runs `make test`, with CI=true): there, a test
# that would be skipped because something it needs is missing (Redis, Pillow, PostgreSQL, ...)
# fails instead, so a missing service can never pass as a green run.
REQUIRE_EVERYTHING = os.environ.get("DSPT_REQUIRE_SERVICES") == "1" or (
    os.environ.get("CI", "").lower() == "true"
)


def _refuse_skip(report, where: str) -> None:
    if REQUIRE_EVERYTHING and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = (
            f"{where} would be skipped, and under `make test` (DSPT_REQUIRE_SERVICES=1 or "
            f"CI=true) nothing may be: {reason}"
        )


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _refuse_skip(outcome.get_result(), collector.nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _refuse_skip(outcome.get_result(), item.nodeid)


@pytest.fixture
def organisation(db):
    return RegisteredOrganisationFactory(ods_code="VAB12", name="Langdale House")


@pytest.fixture
def other_organisation(db):
    return RegisteredOrganisationFactory(ods_code="VZZ99", name="Elsewhere Lodge")


@pytest.fixture
def administrator(organisation):
    return MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email="admin@care.example"
    ).user


@pytest.fixture
def member(organisation):
    return MembershipFactory(
        organisation=organisation, role=Role.MEMBER, user__email="member@care.example"
    ).user


@pytest.fixture
def viewer(organisation):
    return MembershipFactory(
        organisation=organisation, role=Role.VIEWER, user__email="viewer@care.example"
    ).user


@pytest.fixture
def outsider(other_organisation):
    """An administrator of another organisation."""
    return MembershipFactory(
        organisation=other_organisation,
        role=Role.ADMINISTRATOR,
        user__email="outsider@elsewhere.example",
    ).user


@pytest.fixture
def bank(db):
    """A small question bank (four items a section); test modules with other needs define their
    own `bank`."""
    return bank_build(items_per_section=4)


@pytest.fixture
def assessment(organisation, bank):
    """The organisation's assessment of `bank`, with nothing answered."""
    from assessments import services as assessment_services

    return assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)


@pytest.fixture
def world(
    organisation, other_organisation, administrator, member, viewer, outsider, settings, tmp_path
):
    """tests/people.py's world: every kind of person, every named URL with either organisation's
    objects, and forged form bodies."""
    from .people import world_build

    settings.MEDIA_ROOT = tmp_path
    return world_build(
        organisation=organisation,
        other_organisation=other_organisation,
        administrator=administrator,
        member=member,
        viewer=viewer,
        outsider=outsider,
    )
