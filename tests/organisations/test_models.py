import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organisations.models import Membership, Organisation
from organisations.roles import Role

from ..factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_codes_are_stored_upper_case_and_unique():
    OrganisationFactory(ods_code=" vm8l1 ")
    assert Organisation.objects.get().ods_code == "VM8L1"
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(ods_code="VM8L1")


def test_an_organisation_cannot_be_its_own_parent():
    hq = OrganisationFactory(kind=Organisation.Kind.SITE)
    hq.parent = hq
    with pytest.raises(ValidationError):
        hq.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=hq.pk).update(parent=hq)


def test_an_hq_cannot_have_a_parent():
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    other = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=hq.pk).update(parent=other)


def test_a_branch_cannot_hang_under_another_branch():
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    branch = OrganisationFactory(parent=hq)
    grandchild = OrganisationFactory()
    grandchild.parent = branch
    with pytest.raises(ValidationError, match="headquarters"):
        grandchild.full_clean()


def test_registered_needs_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(registration_state=Organisation.RegistrationState.REGISTERED)


def test_one_membership_per_person_and_organisation():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=membership.user, organisation=membership.organisation, role=Role.VIEWER
        )


def test_unknown_roles_are_refused_by_the_database():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(role="owner")
