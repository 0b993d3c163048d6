"""Hostile input: every page as every person never answers 5xx, and fuzzed forms never half-save."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Answer
from organisations.models import Invitation, Membership, OrganisationProfile
from publishing.models import ActionPlanEntry, Publication

from .test_permissions import MATRIX, PEOPLE, as_person, world  # noqa: F401  (fixture)

HOSTILE_SEGMENTS = [
    "0",
    "99999999999999999999",
    "-1",
    "%00",
    "..%2F..%2Fetc%2Fpasswd",
    "%3Cscript%3E",
    "%E2%80%AE",
    "x" * 300,
    "%F0%9F%98%80",
]


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_crawl_every_page_as_every_person(client, world, person):  # noqa: F811
    as_person(client, world["people"][person])
    failures = {}
    for name, url in world["ours"].items():
        for method in ("get", "post", "head"):
            status = getattr(client, method)(url).status_code
            if status >= 500:
                failures[f"{method.upper()} {name}"] = status
        # The same URL with each path segment replaced by something hostile.
        parts = url.strip("/").split("/")
        for index in range(len(parts)):
            for segment in HOSTILE_SEGMENTS:
                mangled = "/" + "/".join(parts[:index] + [segment] + parts[index + 1 :]) + "/"
                status = client.get(mangled).status_code
                if status >= 500:
                    failures[f"GET {mangled[:80]}"] = status
    assert failures == {}


def test_every_url_is_crawled():
    assert "admin:index" in MATRIX and len(MATRIX) > 40


# --- Fuzzing the forms -------------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
HUGE = st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=5_000, max_size=25_000)
VALUE = st.one_of(TEXT, HUGE, st.sampled_from(["", " ", "\x00", "-1", "0", "1e309", "yes", "no"]))

# Derandomised so CI runs the same examples every time (bounded time, no flaky runs).
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def fields(*names):
    return st.dictionaries(st.sampled_from([*names, "unexpected"]), VALUE, max_size=len(names) + 1)


def counts():
    return (
        Answer.objects.count(),
        Invitation.objects.count(),
        Membership.objects.count(),
        Publication.objects.count(),
        ActionPlanEntry.objects.count(),
        OrganisationProfile.objects.filter(version__gt=0).count(),
    )


def post_and_check(client, url, data):
    before = counts()
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if response.status_code >= 400:
        assert counts() == before, "a refused form changed something"
    return response


@pytest.fixture
def bank(db):
    from .factories import bank_build

    return bank_build(items_per_section=6)


@pytest.mark.django_db
@FUZZ
@given(data=fields("ods_code"))
def test_fuzz_register(client, data):
    post_and_check(client, reverse("register"), data)


@pytest.mark.django_db
@FUZZ
@given(data=fields("username", "password"))
def test_fuzz_sign_in(client, member, data):
    response = client.post(reverse("sign-in"), data)
    assert response.status_code < 500


@pytest.mark.django_db
@FUZZ
@given(data=fields("email", "role"))
def test_fuzz_invite(client, administrator, data):
    client.force_login(administrator)
    post_and_check(client, reverse("people-invite"), data)


@pytest.mark.django_db
@FUZZ
@given(
    data=fields(
        "version",
        "caldicott_guardian",
        "nhsmail_only",
        "cyber_essentials_plus",
        "cyber_essentials_plus_certificate_number",
        "cyber_essentials_plus_expires_on_0",
        "cyber_essentials_plus_expires_on_1",
        "cyber_essentials_plus_expires_on_2",
    )
)
def test_fuzz_profile(client, administrator, data):
    client.force_login(administrator)
    post_and_check(client, reverse("profile-edit"), data)


@pytest.mark.django_db
@FUZZ
@given(
    ref=st.sampled_from(["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "4.9.8"]),
    data=fields("version", "text", "choice", "date_0", "date_1", "date_2", "number", "comments"),
)
def test_fuzz_evidence_items(client, member, bank, ref, data):
    client.force_login(member)
    post_and_check(client, reverse("evidence-item", args=[bank.year, ref]), data)


@pytest.mark.django_db
@FUZZ
@given(data=fields("level", "sequence"))
def test_fuzz_publish_summary(client, administrator, bank, data):
    client.force_login(administrator)
    client.post(reverse("publish-profile"), {"confirm": "on"})
    post_and_check(client, reverse("publish-summary"), data)


@pytest.mark.django_db
@FUZZ
@given(q=VALUE, page=VALUE)
def test_fuzz_search(client, q, page):
    response = client.get(reverse("organisation-search"), {"q": q, "page": page})
    assert response.status_code in (200, 400)


@pytest.mark.django_db
@FUZZ
@given(data=fields("code"))
def test_fuzz_two_factor_code(client, member, data):
    client.force_login(member)
    assert client.post(reverse("mfa-verify"), data).status_code < 500
    assert client.post(reverse("mfa-setup"), data).status_code < 500
