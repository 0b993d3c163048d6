"""Query budgets: every page reads the database a fixed number of times, however much it shows.

Each page is requested in a small and a large organisation (5 vs 60 people, 3 vs 200 branches,
1 vs 30 publications, 12 vs 48 evidence items, 1 vs 30 saved versions, 3 vs 60 search results …)
under the same `django_assert_max_num_queries` bound, and the two counts must be equal: a count
that grows with the data is an N+1 query, whatever the bound says.

A budget counts everything the request does, sign-in session and all. Raise one only with a
reason; lower it when a page gets cheaper.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Answer, QuestionBank
from documents.models import DocumentJob
from organisations.models import Invitation, Membership, Organisation
from organisations.roles import Role
from publishing.models import Publication, PublicationSite, ReminderSent

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
    bank_build,
)

pytestmark = pytest.mark.django_db

SIZES = {
    "small": {
        "people": 5,
        "invitations": 1,
        "branches": 3,
        "publications": 1,
        "items_per_section": 3,
        "revisions": 1,
        "older_banks": 0,
        "jobs": 1,
        "search_matches": 3,
    },
    "large": {
        "people": 60,
        "invitations": 10,
        "branches": 200,
        "publications": 30,
        "items_per_section": 12,
        "revisions": 30,
        "older_banks": 3,
        "jobs": 30,
        "search_matches": 60,
    },
}

# Page → the most queries it may make. The same for the small and the large organisation.
BUDGETS = {
    # +1: the helpdesk's current notices. +3 on the home, overview and publish pages: the
    # deadline notice reads the organisation's latest publications (own and via an HQ) and the
    # loaded deadlines.
    "home": 15,
    # +4 more: the Publish entry point's decision (previous publications, profile, action plan)
    # and whether this is the year that can be published. +1: the evidence library's count of
    # documents past their review date.
    "assessment-overview": 15,
    "evidence-item": 7,
    "evidence-history": 8,
    "publish-start": 14,
    "publish-profile": 6,
    "publish-sites": 7,
    "publish-summary": 14,
    "publication-list": 4,
    "publication-detail": 5,
    "profile": 5,
    "people-list": 5,
    "reminder-list": 4,
    "document-job": 4,
    "organisation-search": 5,
    "organisation-public": 6,
    # +1: the sites the certificate lists that registered on their own (it no longer covers them).
    "certificate-verify": 4,
}

# Signed out: the budget has no session, person or membership to read.
PUBLIC_PAGES = ("organisation-search", "organisation-public", "certificate-verify")

VALUES = {
    "text": {"text": "We do this"},
    "yes_no": {"choice": "yes"},
    "yes_no_text": {"choice": "yes", "text": "Details"},
    "date": {"date": datetime.date(2025, 5, 1)},
    "number": {"number": 3},
    "document": {"document_location": "Office"},
    "choice": {"choice": "supported"},
}


@dataclass
class World:
    organisation: Organisation
    administrator: object
    bank: QuestionBank
    publication: Publication
    job: DocumentJob
    search_query: str


def build_world(size: str) -> World:
    """An HQ with its branches, people, an answered assessment, publications, reminders and
    document jobs, all scaled by `size`."""
    n = SIZES[size]
    organisation = RegisteredOrganisationFactory(
        ods_code="AQB1", name="Quarry Bank Care Group", kind=Organisation.Kind.HEADQUARTERS
    )
    administrator = MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email="admin@quarry.example"
    ).user
    for number in range(n["people"] - 1):
        MembershipFactory(
            organisation=organisation,
            role=(Role.MEMBER, Role.VIEWER, Role.ADMINISTRATOR)[number % 3],
        )
    for number in range(n["invitations"]):
        Invitation.objects.create(
            organisation=organisation,
            email=f"invited{number}@quarry.example",
            role=Role.MEMBER,
            token_hash=f"{number:064d}",
            invited_by=administrator,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
    branches = Organisation.objects.bulk_create(
        Organisation(
            ods_code=f"VQB{number:03d}",
            name=f"Quarry Bank Branch {number}",
            parent=organisation,
            postcode="SK9 4LA",
        )
        for number in range(n["branches"])
    )
    # Organisations the public search finds (some of them branches), some published.
    for number in range(n["search_matches"]):
        OrganisationFactory(ods_code=f"VRS{number:03d}", name=f"Riverside Court {number}")

    for year_start in range(2025 - n["older_banks"], 2025):
        QuestionBank.objects.create(
            year=f"{year_start}-{(year_start + 1) % 100:02d}",
            publication_deadline=datetime.date(year_start + 1, 6, 30),
        )
    bank = bank_build(items_per_section=n["items_per_section"])
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    for item in bank.items.order_by("position"):
        if item.depends_on_id:
            continue
        assessment_services.answer_save(
            assessment=assessment,
            item=item,
            values={**VALUES[item.answer_type], "comments": ""},
            expected_version=0,
            user=administrator,
        )
    first = bank.items.get(ref="1.1.1")
    for version in range(1, n["revisions"]):
        assessment_services.answer_save(
            assessment=assessment,
            item=first,
            values={"text": f"Version {version + 1}", "comments": ""},
            expected_version=version,
            user=administrator,
        )

    published_at = timezone.now() - datetime.timedelta(days=n["publications"] + 1)
    publications = []
    for sequence in range(1, n["publications"] + 1):
        publications.append(
            Publication.objects.create(
                organisation=organisation,
                bank=bank,
                assessment=assessment,
                sequence=sequence,
                level="met",
                published_at=published_at + datetime.timedelta(days=sequence),
                published_by=administrator,
                published_by_name=administrator.full_name,
                published_as_name=organisation.name,
                published_as_ods_code=organisation.ods_code,
                answers_snapshot=[
                    {
                        "ref": item.ref,
                        "section": item.section.title,
                        "text": item.text,
                        "level": item.level,
                        "answer_type": item.answer_type,
                        "applies": True,
                        "answered": True,
                        "answer": "Yes",
                        "comments": "",
                        "document": "",
                        "document_location": "",
                        "saved_by": administrator.full_name,
                        "saved_at": published_at.isoformat(),
                    }
                    for item in bank.items.select_related("section").order_by("position")
                ],
            )
        )
    PublicationSite.objects.bulk_create(
        PublicationSite(publication=publication, organisation=branch)
        for publication in publications
        for branch in branches
    )
    # Every other search result has published on its own.
    for number, found in enumerate(Organisation.objects.filter(ods_code__startswith="VRS")):
        if number % 2:
            continue
        found_assessment = assessment_services.assessment_get_or_create(
            organisation=found, bank=bank
        )
        Publication.objects.create(
            organisation=found,
            bank=bank,
            assessment=found_assessment,
            sequence=1,
            level="approaching",
            published_at=published_at,
            published_by_name="Someone",
            published_as_name=found.name,
            published_as_ods_code=found.ods_code,
        )

    for other_bank in QuestionBank.objects.all():
        for kind in ReminderSent.Kind.values:
            ReminderSent.objects.create(
                organisation=organisation,
                bank=other_bank,
                kind=kind,
                recipients=administrator.email,
                sent_at=timezone.now(),
            )
    jobs = [
        DocumentJob.objects.create(
            organisation=organisation,
            kind=DocumentJob.Kind.CERTIFICATE,
            publication=publication,
            subject=f"publication:{publication.pk}",
            fingerprint="published",
            state=DocumentJob.State.QUEUED,
            requested_by=administrator,
        )
        for publication in publications[: n["jobs"]]
    ]
    return World(
        organisation=organisation,
        administrator=administrator,
        bank=bank,
        publication=publications[0],
        job=jobs[0],
        search_query="riverside",
    )


def prepare(client, world: World, page: str) -> str:
    """Signs in, walks the publish flow as far as the page needs, and returns its address."""
    year = world.bank.year
    if page in PUBLIC_PAGES:
        return {
            "organisation-search": reverse("organisation-search") + f"?q={world.search_query}",
            "organisation-public": reverse(
                "organisation-public", args=[world.organisation.ods_code]
            ),
            "certificate-verify": reverse(
                "certificate-verify", args=[world.publication.verification_code]
            ),
        }[page]
    client.force_login(world.administrator)
    if page in ("publish-sites", "publish-summary"):
        assert client.post(reverse("publish-profile"), {"confirm": "on"}).status_code == 302
    if page == "publish-summary":
        branch_ids = world.organisation.branches.values_list("pk", flat=True)
        response = client.post(reverse("publish-sites"), {"sites": [str(pk) for pk in branch_ids]})
        assert response.status_code == 302, response.content.decode()[:2000]
    return {
        "home": reverse("home"),
        "assessment-overview": reverse("assessment-overview", args=[year]),
        "evidence-item": reverse("evidence-item", args=[year, "1.1.1"]),
        "evidence-history": reverse("evidence-history", args=[year, "1.1.1"]),
        "publish-start": reverse("publish-start"),
        "publish-profile": reverse("publish-profile"),
        "publish-sites": reverse("publish-sites"),
        "publish-summary": reverse("publish-summary"),
        "publication-list": reverse("publication-list"),
        "publication-detail": reverse("publication-detail", args=[world.publication.pk]),
        "profile": reverse("profile"),
        "people-list": reverse("people-list"),
        "reminder-list": reverse("reminder-list"),
        "document-job": reverse("document-job", args=[world.job.pk]),
    }[page]


@pytest.mark.parametrize("page", BUDGETS)
def test_page_stays_within_its_query_budget_however_large(
    client, django_assert_max_num_queries, page
):
    counts, statements = {}, {}
    for size in SIZES:
        # Each size in a savepoint of its own, rolled back, so the two never mix.
        savepoint = connection.savepoint()
        try:
            world = build_world(size)
            client.logout()
            url = prepare(client, world, page)
            client.get(url)  # a first visit may create things (the assessment, a profile)
            with django_assert_max_num_queries(BUDGETS[page]) as captured:
                response = client.get(url)
            assert response.status_code == 200, (page, size, response.status_code)
            counts[size] = len(captured)
            statements[size] = [query["sql"] for query in captured.captured_queries]
        finally:
            connection.savepoint_rollback(savepoint)
    assert counts["small"] == counts["large"], (
        f"{page}: {counts['small']} queries for the small organisation, {counts['large']} for "
        "the large one (an N+1 query). Extra statements:\n"
        + "\n".join(statements["large"][len(statements["small"]) :][:5])
    )


def test_generated_scale_data_pages_stay_within_budget(client, django_assert_max_num_queries):
    """The pages of the benchmark HQ in `generate_scale_data --small` (also a check that the
    generator writes data the pages can read)."""
    from django.core.management import call_command

    from devdata import scale_data

    call_command("generate_scale_data", "--small", stdout=io.StringIO())
    hq = Organisation.objects.get(ods_code=scale_data.BIG_HQ_CODE)
    assert hq.branches.count() == scale_data.SMALL.big_hq_branches
    publication = hq.publications.order_by("-sequence").first()
    client.force_login(Membership.objects.get(user__email=scale_data.BENCH_ADMIN_EMAIL).user)
    pages = {
        "home": reverse("home"),
        "assessment-overview": reverse("assessment-overview", args=[scale_data.YEAR]),
        "publish-start": reverse("publish-start"),
        "publication-list": reverse("publication-list"),
        "publication-detail": reverse("publication-detail", args=[publication.pk]),
        "profile": reverse("profile"),
        "people-list": reverse("people-list"),
        "organisation-search": reverse("organisation-search") + "?q=house",
        "organisation-public": reverse("organisation-public", args=[hq.ods_code]),
        "certificate-verify": reverse("certificate-verify", args=[publication.verification_code]),
    }
    anonymous = Client()  # the public pages' budgets are for people who are not signed in
    for page, url in pages.items():
        browser = anonymous if page in PUBLIC_PAGES else client
        browser.get(url)
        with django_assert_max_num_queries(BUDGETS[page]):
            response = browser.get(url)
        assert response.status_code == 200, (page, response.status_code)


def test_every_budgeted_page_is_a_real_url_name():
    for page in BUDGETS:
        assert reverse(page, args=_dummy_args(page))


def _dummy_args(page: str) -> list:
    return {
        "evidence-item": ["2025-26", "1.1.1"],
        "evidence-history": ["2025-26", "1.1.1"],
        "assessment-overview": ["2025-26"],
        "publication-detail": [1],
        "organisation-public": ["AB12"],
        "certificate-verify": ["X"],
        "document-job": [1],
    }.get(page, [])


def test_the_large_world_is_large():
    world = build_world("large")
    organisation = world.organisation
    assert organisation.branches.count() == 200
    assert Membership.objects.filter(organisation=organisation).count() == 60
    assert organisation.publications.count() == 30
    # Every item answered but the one that depends on another's answer.
    assert Answer.objects.filter(assessment__organisation=organisation).count() == 49
    assert world.bank.items.count() == 50
    assert UserFactory._meta.model.objects.count() == 60
