"""Hostile input: every page as every person never answers 5xx, and fuzzed forms never half-save."""

from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.urls import resolve, reverse
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from assessments import services as assessment_services
from assessments.models import Answer
from organisations.models import Invitation, Membership, OrganisationProfile
from publishing.models import ActionPlanEntry, Publication

from .factories import answer_items, bank_build
from .pages import walk_to_summary
from .people import PEOPLE, as_person, project_urls

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
def test_crawl_every_page_as_every_person(client, world, person):
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
                mangled = "/" + "/".join([*parts[:index], segment, *parts[index + 1 :]]) + "/"
                status = client.get(mangled).status_code
                if status >= 500:
                    failures[f"GET {mangled[:80]}"] = status
    assert failures == {}


@pytest.mark.django_db
def test_the_crawl_reaches_every_named_url(world):
    """The crawl's URLs are every named URL of the project, each one leading to its own page."""
    names, unnamed = project_urls()
    assert unnamed == []
    reached = {name: resolve(urlsplit(url).path).view_name for name, url in world["ours"].items()}
    assert reached == {name: name for name in names}
    assert "admin:index" in reached
    assert "publish-summary" in reached


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


@pytest.fixture
def publishable(organisation, administrator, bank):
    """The organisation's assessment with every Approaching Standards and Standards Met item
    answered so that it meets them: Standards Met can be published; Standards Exceeded cannot
    (no Cyber Essentials Plus), nor Approaching Standards (nothing is left for an action plan)."""
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return assessment


# What the publish summary offers for `publishable`.
OFFERED_LEVELS = ["met"]
LEVEL = st.one_of(
    st.just("met"), st.sampled_from(["approaching", "exceeded", "MET", " met"]), VALUE
)
SEQUENCE = st.one_of(st.integers(min_value=0, max_value=3).map(str), VALUE)


def form_integer(value) -> int | None:
    """What a form's integer field makes of `value` (None: not a whole number)."""
    try:
        return forms.IntegerField(required=False).clean(value)
    except forms.ValidationError:
        return None


def offered_levels(page: str) -> list[str]:
    soup = BeautifulSoup(page, "html.parser")
    return [radio["value"] for radio in soup.select('main input[type="radio"][name="level"]')]


@pytest.mark.django_db
def test_the_publish_summary_of_the_fuzzed_assessment_offers_standards_met(
    client, administrator, publishable
):
    client.force_login(administrator)
    summary = walk_to_summary(client)
    assert summary.status_code == 200
    assert offered_levels(summary.content.decode()) == OFFERED_LEVELS
    response = client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})
    publication = Publication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == publication.get_absolute_url()


@pytest.mark.django_db
@FUZZ
@given(
    data=st.fixed_dictionaries(
        {}, optional={"level": LEVEL, "sequence": SEQUENCE, "unexpected": VALUE}
    )
)
# The examples run first, in this order, on one database: the first publishes, the second is the
# same press again; then a number that skips one and a level that is not offered.
@example(data={"level": "met", "sequence": "1"})
@example(data={"level": "met", "sequence": "1"})
@example(data={"level": "met", "sequence": "3"})
@example(data={"level": "exceeded", "sequence": "2"})
def test_fuzz_publish_summary(client, administrator, organisation, publishable, data):
    """Whatever the Publish button sends for an assessment that can be published: a publication
    when the level is one offered and the number the next one, the publication already made when
    the number is taken (the same person pressing twice), otherwise the form again (400) with its
    error summary and nothing written. Never a 500."""
    client.force_login(administrator)
    summary = walk_to_summary(client)  # confirming the profile is needed for every attempt
    assert offered_levels(summary.content.decode()) == OFFERED_LEVELS
    earlier = list(Publication.objects.filter(organisation=organisation).order_by("sequence"))
    next_sequence = len(earlier) + 1
    before = counts()

    response = client.post(reverse("publish-summary"), data)

    level, sequence = data.get("level"), form_integer(data.get("sequence"))
    if level in OFFERED_LEVELS and sequence == next_sequence:
        event("published")
        made = Publication.objects.get(organisation=organisation, sequence=next_sequence)
        assert (response.status_code, response["Location"]) == (302, made.get_absolute_url())
        assert made.level == level
        assert made.published_by == administrator
        assert Publication.objects.count() == before[3] + 1
    elif level in OFFERED_LEVELS and sequence is not None and 1 <= sequence < next_sequence:
        event("already published")
        taken = {p.get_absolute_url() for p in earlier if p.sequence >= sequence}
        assert response.status_code == 302
        assert response["Location"] in taken
        assert counts() == before
    else:
        event("refused")
        assert response.status_code == 400, (data, response.status_code)
        assert "There is a problem" in response.content.decode()
        assert counts() == before


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
