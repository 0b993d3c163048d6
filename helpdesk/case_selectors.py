"""Reads for Find and the case page: everything about one organisation an agent needs, in a fixed
number of queries however many people, branches, publications or events it has.

Kept apart from selectors.py, which `organisations.access` imports on every request: this module
reads across the portal (the register's search and statuses, publications, documents, the audit
trail) and sits above all of them.

Nothing here decides anything itself: the search is the public register's, which publication
speaks for a site is `publishing.coverage`'s rule over `publishing.selectors`' latest
publications, progress is `assessments.rules.progress`, and a lock-out is the rule in rules.py
over django-axes's counts.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments import rules as assessment_rules
from assessments.models import Answer, Assessment, EvidenceItem
from assessments.selectors import rule_answer, rule_item
from assessments.vocabulary import format_date, status_text
from audit.models import AuditEvent, Event
from audit.selectors import activity_for
from documents.models import DocumentJob
from organisations.models import (
    Invitation,
    Membership,
    Organisation,
    PendingRegistration,
    RegistrationRequest,
)
from organisations.ods import normalise_ods_code
from publishing.coverage import PublicationFact, deciding_publication
from publishing.models import Publication
from publishing.selectors import LATEST_FIRST, latest_publications
from register.search import (
    SearchPage,
    normalise_query,
    organisation_search_page,
    publication_deadlines,
    status_from_facts,
)
from register.status import PublicStatus

from .rules import FailedSignIns, locked_out_until

# The case page shows the newest of these; the rest are a link (events) or a count away.
RECENT_EVENTS = 50
RECENT_ROWS = 25
ACTIVITY_PAGE_SIZE = 50


def organisation_find(*, query: str, page: object = 1) -> SearchPage:
    """The public register's search (name anywhere, or the exact ODS code in any case), one page
    with each organisation's status."""
    return organisation_search_page(query=query, page=page)


def case_organisation_get(*, ods_code: str) -> Organisation | None:
    """The organisation with this code (any case, surrounding spaces), with its HQ."""
    code = normalise_ods_code(normalise_query(ods_code))
    if not code:
        return None
    return Organisation.objects.select_related("parent").filter(ods_code=code).first()


@dataclass(frozen=True)
class Coverage:
    """An organisation's public status and the publication that decides it (None: nothing
    published speaks for it)."""

    status: PublicStatus
    deciding: PublicationFact | None
    # An HQ publication lists it, but it registered on its own: that publication does not count.
    hq_publication_set_aside: bool = False

    @property
    def decided_by(self) -> str:
        """ "Its own publication: 25/26 Standards Met, 3 May 2026", "The publication of its
        headquarters, …", or why nothing decides it."""
        fact = self.deciding
        if fact is None:
            if self.hq_publication_set_aside:
                return (
                    "No publication: it registered on its own, so its headquarters' "
                    "publications do not count for it"
                )
            if self.status.from_directory:
                return "No publication on this service: the previous toolkit's record"
            return "No publication"
        what = f"{status_text(fact.year, fact.level)}, {format_date(fact.published_on)}"
        if fact.is_via_hq:
            return f"The publication of {fact.via_hq_name} ({fact.via_hq_code}): {what}"
        return f"Its own publication: {what}"


@dataclass(frozen=True)
class BranchRow:
    organisation: Organisation
    coverage: Coverage


@dataclass(frozen=True)
class PersonRow:
    membership: Membership
    two_factor: bool
    locked_out_until: datetime.datetime | None

    @property
    def user(self):
        return self.membership.user


@dataclass(frozen=True)
class AssessmentRow:
    assessment: Assessment
    progress: assessment_rules.Progress


@dataclass(frozen=True)
class EventRow:
    event: AuditEvent

    @property
    def label(self) -> str:
        return _EVENT_LABELS.get(self.event.event, self.event.event)


_EVENT_LABELS = dict(Event.choices)


@dataclass(frozen=True)
class CaseView:
    organisation: Organisation
    coverage: Coverage
    pending_registrations: list[PendingRegistration]
    registration_requests: list[RegistrationRequest]
    branches: list[BranchRow]
    people: list[PersonRow]
    invitations: list[Invitation]
    assessments: list[AssessmentRow]
    publications: list[Publication]
    document_jobs: list[DocumentJob]
    document_job_count: int
    events: list[EventRow]
    more_events: bool


def _coverages(organisations: list[Organisation], *, today: datetime.date) -> dict[int, Coverage]:
    """organisation pk → its status and deciding publication: three queries for any number."""
    if not organisations:
        return {}
    deadlines = publication_deadlines()
    latest = latest_publications(organisation_ids=[org.pk for org in organisations])
    coverages = {}
    for organisation in organisations:
        facts = latest[organisation.pk]
        deciding = deciding_publication(facts, registered=organisation.is_registered)
        coverages[organisation.pk] = Coverage(
            status=status_from_facts(organisation, facts, deadlines=deadlines, today=today),
            deciding=deciding,
            hq_publication_set_aside=deciding is None and any(fact.is_via_hq for fact in facts),
        )
    return coverages


def _people(organisation: Organisation, *, now: datetime.datetime) -> list[PersonRow]:
    """Members with their two-factor state and lock-outs: two queries."""
    memberships = list(
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(
            two_factor=Exists(
                TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True)
            )
        )
        .order_by("user__full_name", "user__email")
    )
    emails = [membership.user.email.lower() for membership in memberships]
    cool_off = get_cool_off()  # AXES_COOLOFF_TIME in whichever form the settings give it
    attempts: dict[str, list[FailedSignIns]] = defaultdict(list)
    if emails:
        rows = AccessAttempt.objects.filter(username__in=emails).values_list(
            "username", "ip_address", "failures_since_start", "attempt_time"
        )
        for username, ip_address, failures, attempt_time in rows:
            attempts[username].append(
                FailedSignIns(
                    username=username,
                    ip_address=ip_address,
                    failures=failures,
                    last_attempt_at=attempt_time,
                )
            )
    return [
        PersonRow(
            membership=membership,
            two_factor=membership.two_factor,
            locked_out_until=locked_out_until(
                attempts[membership.user.email.lower()],
                limit=settings.AXES_FAILURE_LIMIT,
                cool_off=cool_off,
                now=now,
            ),
        )
        for membership in memberships
    ]


def _assessments(organisation: Organisation, *, today: datetime.date) -> list[AssessmentRow]:
    """Each year's assessment with its progress: three queries however many years."""
    assessments = list(
        Assessment.objects.filter(organisation=organisation)
        .select_related("bank")
        .order_by("-bank__year")
    )
    if not assessments:
        return []
    items_by_bank: dict[int, list] = defaultdict(list)
    for item in (
        EvidenceItem.objects.filter(bank_id__in={a.bank_id for a in assessments})
        .select_related("section", "depends_on")
        .order_by("section__position", "position")
    ):
        items_by_bank[item.bank_id].append(rule_item(item))
    answers_by_assessment: dict[int, dict] = defaultdict(dict)
    for answer in Answer.objects.filter(assessment__in=assessments).select_related("item"):
        answers_by_assessment[answer.assessment_id][answer.item.ref] = rule_answer(answer)
    return [
        AssessmentRow(
            assessment=assessment,
            progress=assessment_rules.progress(
                items_by_bank[assessment.bank_id],
                answers_by_assessment[assessment.pk],
                on=today,
            ),
        )
        for assessment in assessments
    ]


def case_view(*, organisation: Organisation, now: datetime.datetime | None = None) -> CaseView:
    """Everything the case page shows about `organisation`, and nothing of anyone else's."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    branches = list(Organisation.objects.filter(parent=organisation).order_by("name", "ods_code"))
    coverages = _coverages([organisation, *branches], today=today)
    events = list(activity_for(organisation=organisation)[: RECENT_EVENTS + 1])
    jobs = DocumentJob.objects.filter(organisation=organisation).select_related("requested_by")
    return CaseView(
        organisation=organisation,
        coverage=coverages[organisation.pk],
        pending_registrations=list(
            PendingRegistration.objects.filter(organisation=organisation).order_by(
                "-created_at", "-pk"
            )[:RECENT_ROWS]
        ),
        registration_requests=list(
            RegistrationRequest.objects.filter(
                Q(organisation=organisation) | Q(ods_code=organisation.ods_code)
            ).order_by("-created_at", "-pk")[:RECENT_ROWS]
        ),
        branches=[BranchRow(branch, coverages[branch.pk]) for branch in branches],
        people=_people(organisation, now=now),
        invitations=list(
            Invitation.objects.filter(
                organisation=organisation,
                accepted_at__isnull=True,
                cancelled_at__isnull=True,
                expires_at__gt=now,
            )
            .select_related("invited_by")
            .order_by("-created_at", "-pk")
        ),
        assessments=_assessments(organisation, today=today),
        publications=list(
            Publication.objects.filter(organisation=organisation)
            .select_related("bank")
            .defer("answers_snapshot", "profile_snapshot", "action_plan")
            .order_by(*LATEST_FIRST)
        ),
        document_jobs=list(jobs.order_by("-created_at", "-pk")[:RECENT_ROWS]),
        document_job_count=jobs.count(),
        events=[EventRow(event) for event in events[:RECENT_EVENTS]],
        more_events=len(events) > RECENT_EVENTS,
    )


def case_activity_page(*, organisation: Organisation, page: object = 1) -> Page:
    """One page of the organisation's audit trail, newest first (what its administrators see on
    their Activity page); the page's object_list holds EventRows."""
    found = Paginator(activity_for(organisation=organisation), ACTIVITY_PAGE_SIZE).get_page(page)
    found.object_list = [EventRow(event) for event in found.object_list]
    return found
