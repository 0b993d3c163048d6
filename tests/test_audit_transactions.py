"""Each change and its audit event are written in one transaction: both are kept, or neither.

The fault the issue found: a publication committed by its service, then the web process killed
(or the audit write failing) before the view wrote the "published" event. Here the audit write
is made to fail, and the change it records must be rolled back with it.
"""

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.urls import reverse

from assessments import services as assessment_services
from audit.models import AuditEvent, Event
from organisations.models import Invitation, Membership, OrganisationProfile
from organisations.roles import Role
from publishing import services
from publishing.models import Publication, PublicationSite

from .factories import answer_items, bank_build
from .pages import walk_to_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_fails_for(monkeypatch):
    """Makes writing one kind of audit event fail, as a database error would."""

    def arrange(event: str):
        create = AuditEvent.objects.create

        def failing_create(**fields):
            if fields.get("event") == event:
                raise DatabaseError("could not write the audit event")
            return create(**fields)

        monkeypatch.setattr(AuditEvent.objects, "create", failing_create)

    return arrange


@pytest.fixture
def ready_to_publish(client, administrator, organisation):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    client.force_login(administrator)
    assert walk_to_summary(client).status_code == 200
    return assessment


def publish(client):
    return client.post(reverse("publish-summary"), {"level": "met", "sequence": "1"})


def test_publishing_records_its_event_with_who_and_from_where(client, ready_to_publish):
    response = publish(
        client,
    )
    publication = Publication.objects.get()
    assert response["Location"] == publication.get_absolute_url()
    event = AuditEvent.objects.get(event=Event.PUBLISHED)
    assert event.organisation == publication.organisation
    assert event.user == publication.published_by
    assert event.ip_address == "127.0.0.1"
    assert event.detail == "25/26 Standards Met, 0 other sites"


def test_a_failing_audit_write_leaves_no_publication(client, ready_to_publish, audit_fails_for):
    audit_fails_for(Event.PUBLISHED)
    with pytest.raises(DatabaseError):
        publish(client)
    assert not Publication.objects.exists()
    assert not PublicationSite.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.PUBLISHED).exists()


def test_a_publication_rolled_back_after_its_event_takes_the_event_with_it(
    organisation, administrator
):
    """A commit that never happens (the process killed during COMMIT): neither survives."""
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)

    class CommitLost(Exception):
        pass

    recorded_before_the_commit = []

    def publish_then_lose_the_commit():
        with transaction.atomic():
            services.publication_create(
                assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
            )
            recorded_before_the_commit.append(
                AuditEvent.objects.filter(event=Event.PUBLISHED).count()
            )
            raise CommitLost

    with pytest.raises(CommitLost):
        publish_then_lose_the_commit()
    assert recorded_before_the_commit == [1]
    assert not Publication.objects.exists()
    assert not AuditEvent.objects.filter(event=Event.PUBLISHED).exists()


def test_a_failing_audit_write_leaves_the_role_as_it_was(
    client, administrator, member, organisation, audit_fails_for
):
    membership = Membership.objects.get(user=member, organisation=organisation)
    client.force_login(administrator)
    audit_fails_for(Event.ROLE_CHANGED)
    with pytest.raises(DatabaseError):
        client.post(
            reverse("people-change-role", args=[membership.pk]),
            {"role": Role.ADMINISTRATOR, "expected_role": Role.MEMBER},
        )
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_a_role_change_is_recorded_with_the_change(client, administrator, member, organisation):
    membership = Membership.objects.get(user=member, organisation=organisation)
    client.force_login(administrator)
    response = client.post(
        reverse("people-change-role", args=[membership.pk]),
        {"role": Role.VIEWER, "expected_role": Role.MEMBER},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(event=Event.ROLE_CHANGED)
    assert event.user == administrator
    assert event.organisation == organisation
    assert event.detail == "member@care.example: member to viewer"


def test_a_failing_audit_write_leaves_the_person_in_place(
    client, administrator, member, organisation, audit_fails_for
):
    membership = Membership.objects.get(user=member, organisation=organisation)
    client.force_login(administrator)
    audit_fails_for(Event.PERSON_REMOVED)
    with pytest.raises(DatabaseError):
        client.post(reverse("people-remove", args=[membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_failing_audit_write_sends_no_invitation(
    client, administrator, organisation, audit_fails_for
):
    client.force_login(administrator)
    audit_fails_for(Event.INVITATION_SENT)
    with pytest.raises(DatabaseError):
        client.post(reverse("people-invite"), {"email": "new@care.example", "role": Role.MEMBER})
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_a_failing_audit_write_leaves_the_profile_unchanged(
    organisation, administrator, audit_fails_for
):
    from organisations import services as organisation_services

    profile, _ = OrganisationProfile.objects.get_or_create(organisation=organisation)
    audit_fails_for(Event.PROFILE_CHANGED)
    with pytest.raises(DatabaseError):
        organisation_services.profile_update(
            organisation=organisation,
            expected_version=profile.version,
            changes={},
            updated_by=administrator,
        )
    assert OrganisationProfile.objects.get(pk=profile.pk).version == profile.version
