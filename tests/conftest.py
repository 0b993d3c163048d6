import pytest

from organisations.roles import Role

from .factories import MembershipFactory, RegisteredOrganisationFactory, bank_build

# Under `make test` a skip is a failure (tests/no_skips.py).
from .no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401

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


# --- Helpdesk staff -------------------------------------------------------------------------------


def _helpdesk_staff(email: str, full_name: str, role: str):
    from helpdesk.models import Operator

    from .factories import UserFactory

    user = UserFactory(email=email, full_name=full_name)
    Operator.objects.create(user=user, role=role)
    return user


@pytest.fixture
def helpdesk_operator(db):
    """Helpdesk staff who act on cases (sign in with tests/people.py `as_person` and a
    `verified_device`)."""
    return _helpdesk_staff("jo.bloggs@helpdesk.example", "Jo Bloggs", "operator")


@pytest.fixture
def helpdesk_auditor(db):
    """Helpdesk staff who only read."""
    return _helpdesk_staff("al.auditor@helpdesk.example", "Al Auditor", "auditor")
