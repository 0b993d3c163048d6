"""Query budgets for the helpdesk pages: a fixed number of queries however much an organisation
has (the same count for a small and a large one, under the same bound), as
tests/test_query_budgets.py does for the provider pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from audit.models import Event
from audit.services import audit_record
from documents.models import DocumentJob
from helpdesk.models import Notice, Operator
from helpdesk.roles import HelpdeskRole
from organisations.models import Invitation, Organisation, PendingRegistration
from organisations.roles import Role

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
    answer_items,
    bank_build,
    publication_build,
)
from ..people import as_person, verified_device

pytestmark = pytest.mark.django_db

SIZES = {
    "small": {"people": 2, "branches": 2, "publications": 1, "years": 1, "rows": 1},
    "large": {"people": 30, "branches": 60, "publications": 12, "years": 3, "rows": 40},
}

# Page → the most queries it may make, session, operator and two-factor checks included.
BUDGETS = {"case": 26, "case-activity": 12, "find": 14, "news": 11}


def build(size: str) -> Organisation:
    n = SIZES[size]
    hq = RegisteredOrganisationFactory(
        ods_code="VQB1", name="Quarry Bank Group", kind=Organisation.Kind.HEADQUARTERS
    )
    administrator = MembershipFactory(
        organisation=hq, role=Role.ADMINISTRATOR, user__email="admin@quarry.example"
    ).user
    for number in range(n["people"] - 1):
        person = MembershipFactory(organisation=hq, role=Role.MEMBER).user
        if number % 2:
            verified_device(person)
    branches = [
        (RegisteredOrganisationFactory if number % 3 == 0 else OrganisationFactory)(
            ods_code=f"VQB{number:03d}", name=f"Quarry Bank Branch {number}", parent=hq
        )
        for number in range(n["branches"])
    ]
    banks = [bank_build(items_per_section=2)]
    for number in range(1, n["years"]):
        start = 2025 - number
        banks.append(
            QuestionBank.objects.create(
                year=f"{start}-{(start + 1) % 100:02d}",
                publication_deadline=datetime.date(start + 1, 6, 30),
            )
        )
    for bank in banks:
        assessment = bank.assessments.create(organisation=hq)
        answer_items(assessment, administrator, levels=("approaching",))
    for number in range(n["publications"]):
        publication = publication_build(
            hq,
            banks[0],
            sites=branches,
            published_at=timezone.now() - datetime.timedelta(days=30 - number),
        )
        DocumentJob.objects.create(
            organisation=hq,
            kind=DocumentJob.Kind.CERTIFICATE,
            publication=publication,
            subject=f"publication:{publication.pk}",
            fingerprint="published",
            requested_by=administrator,
        )
    for number in range(n["rows"]):
        Invitation.objects.create(
            organisation=hq,
            email=f"invited{number}@quarry.example",
            role=Role.MEMBER,
            token_hash=f"{number:064d}",
            invited_by=administrator,
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        PendingRegistration.objects.create(
            organisation=hq,
            email=f"try{number}@quarry.example",
            token_hash=f"{number:063d}x",
            expires_at=timezone.now(),
        )
        Notice.objects.create(
            title=f"Notice {number}",
            body="Body",
            expires_on=timezone.localdate() - datetime.timedelta(days=number % 2),
            created_by_name="Sam Agent",
        )
    for _ in range(n["rows"] * 2):
        audit_record(event=Event.PROFILE_CHANGED, organisation=hq, user=administrator)
    return hq


@pytest.mark.parametrize("page", BUDGETS)
def test_helpdesk_pages_stay_within_their_budget_however_large(
    client, django_assert_max_num_queries, page
):
    counts = {}
    for size in SIZES:
        savepoint = connection.savepoint()
        try:
            hq = build(size)
            operator = UserFactory(email="agent@helpdesk.example")
            Operator.objects.create(user=operator, role=HelpdeskRole.OPERATOR)
            as_person(client, (operator, verified_device(operator)))
            url = {
                "case": reverse("helpdesk:case", args=[hq.ods_code]),
                "case-activity": reverse("helpdesk:case-activity", args=[hq.ods_code]),
                "find": reverse("helpdesk:find") + "?q=quarry",
                "news": reverse("helpdesk:news"),
            }[page]
            with django_assert_max_num_queries(BUDGETS[page]) as captured:
                response = client.get(url)
            assert response.status_code == 200, (page, size)
            counts[size] = len(captured)
        finally:
            connection.savepoint_rollback(savepoint)
    assert counts["small"] == counts["large"], (page, counts)
