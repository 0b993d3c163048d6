import pytest

from organisations.roles import Role

from .factories import MembershipFactory, RegisteredOrganisationFactory

PASSWORD = "correct-horse-battery-9"


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
