import os
import time

import pytest
from django.core.cache import caches

from organisations.roles import Role

from .factories import MembershipFactory, RegisteredOrganisationFactory, bank_build

# Under `make test` a skip is a failure (tests/no_skips.py).
from .no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _fresh_register_answers():
    """Each test's database starts anew, so no register answer kept by an earlier test may be
    read (register/status_cache.py): a new generation before each test."""
    from assessments.selectors import bank_items_forget
    from register.status_cache import _new_generation

    _new_generation()
    # Nor any bank's items kept by this process (ids of rolled-back banks come round again).
    bank_items_forget()


@pytest.fixture
def live_cache(settings):
    """The served cache on the suite's Redis, under a key prefix of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dspt_portal.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"live-{time.monotonic_ns()}",
        }
    }
    served = caches["default"]
    yield served
    served.clear()


# A Redis address nothing answers.
NOWHERE = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache(settings):
    """The served cache pointed at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dspt_portal.cache.ResilientRedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
    return caches["default"]


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


# --- S3-compatible object storage, served by moto on loopback ------------------------------------

S3_REGION = "eu-west-2"
S3_KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3-compatible server (moto's standalone server) on a free loopback port, for the
    whole run: the portal and boto3 speak HTTP to it exactly as to Amazon S3."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """A new private bucket, and the portal's default storage pointed at it (as
    DSPT_S3_BUCKET does in production); the boto3 client to look inside."""
    import uuid

    import boto3

    bucket = f"dspt-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    settings.DSPT_S3_BUCKET = bucket
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": s3_endpoint,
                "region_name": S3_REGION,
                **S3_KEYS,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": settings.DSPT_S3_URL_SECONDS,
                "file_overwrite": False,
            },
        },
    }
    return {"name": bucket, "client": client, "endpoint": s3_endpoint}
