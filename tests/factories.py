import factory
from django.utils import timezone

from organisations.models import Membership, Organisation, OrganisationProfile, User
from organisations.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@care.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct-horse-battery-9")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"VT{n:03d}")
    name = factory.Sequence(lambda n: f"Test Care Home {n}")
    primary_sector = "Social Care"
    kind = Organisation.Kind.SITE
    postcode = "LS1 4AP"
    source = Organisation.Source.TOOLKIT_EXPORT


class RegisteredOrganisationFactory(OrganisationFactory):
    class Meta:
        skip_postgeneration_save = True

    registration_state = Organisation.RegistrationState.REGISTERED
    registered_at = factory.LazyFunction(timezone.now)
    profile = factory.RelatedFactory(
        "tests.factories.OrganisationProfileFactory", factory_related_name="organisation"
    )


class OrganisationProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationProfile


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(RegisteredOrganisationFactory)
    role = Role.MEMBER
