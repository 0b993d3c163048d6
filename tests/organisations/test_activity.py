"""The Activity page shows one organisation's events: never another organisation's, even when the
same person works for both, and none of a person's account events from before they joined."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.selectors import activity_for
from organisations.models import Membership
from organisations.roles import Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def event(*, user, organisation, name, detail, days_ago, ip="192.0.2.10"):
    return AuditEvent.objects.create(
        organisation=organisation,
        user=user,
        actor_email=user.email,
        event=name,
        detail=detail,
        ip_address=ip,
        created_at=NOW - datetime.timedelta(days=days_ago),
    )


@pytest.fixture
def both(organisation, other_organisation):
    """Someone at the other organisation for a year, who joined ours thirty days ago."""
    person = MembershipFactory(
        organisation=other_organisation, role=Role.ADMINISTRATOR, user__email="both@care.example"
    ).user
    MembershipFactory(organisation=organisation, role=Role.MEMBER, user=person)
    Membership.objects.filter(user=person, organisation=other_organisation).update(
        created_at=NOW - datetime.timedelta(days=365)
    )
    Membership.objects.filter(user=person, organisation=organisation).update(
        created_at=NOW - datetime.timedelta(days=30)
    )
    return person


@pytest.fixture
def history(organisation, other_organisation, administrator, outsider, both):
    # Theirs: by their own administrator, and by the person who works for both.
    event(
        user=outsider,
        organisation=other_organisation,
        name="invitation_sent",
        detail="THEIRS-outsider-invite",
        days_ago=5,
    )
    event(
        user=both,
        organisation=other_organisation,
        name="role_changed",
        detail="THEIRS-both-role-change",
        days_ago=3,
    )
    event(
        user=both,
        organisation=other_organisation,
        name="published",
        detail="THEIRS-both-before-joining",
        days_ago=100,
    )
    # The person's own account events before they joined us (when they only worked there).
    event(
        user=both,
        organisation=None,
        name="signed_in",
        detail="BEFORE-sign-in",
        days_ago=60,
        ip="198.51.100.60",
    )
    event(user=both, organisation=None, name="mfa_enabled", detail="BEFORE-mfa", days_ago=45)
    # The other organisation's administrator signing in: nothing to do with us.
    event(
        user=outsider,
        organisation=None,
        name="signed_in",
        detail="OUTSIDER-sign-in",
        days_ago=1,
        ip="203.0.113.1",
    )
    # Ours.
    event(
        user=both,
        organisation=organisation,
        name="invitation_accepted",
        detail="OURS-both-joined",
        days_ago=30,
    )
    event(
        user=both,
        organisation=None,
        name="signed_in",
        detail="OURS-both-sign-in",
        days_ago=2,
        ip="198.51.100.2",
    )
    event(
        user=administrator,
        organisation=organisation,
        name="role_changed",
        detail="OURS-admin-role-change",
        days_ago=1,
    )


def test_only_this_organisations_events_are_listed(organisation, history):
    details = set(activity_for(organisation=organisation).values_list("detail", flat=True))
    assert details == {"OURS-both-joined", "OURS-both-sign-in", "OURS-admin-role-change"}


def test_the_page_shows_none_of_another_organisations_events(
    client, organisation, administrator, history
):
    client.force_login(administrator)
    page = client.get(reverse("activity")).content.decode()
    for ours in ("OURS-both-joined", "OURS-admin-role-change", "198.51.100.2"):
        assert ours in page
    for theirs in (
        "THEIRS-outsider-invite",
        "THEIRS-both-role-change",
        "THEIRS-both-before-joining",
        "BEFORE-mfa",
        "198.51.100.60",  # where they signed in from before they joined
        "203.0.113.1",
    ):
        assert theirs not in page
    # Filtering by event cannot bring them back either.
    for name in ("role_changed", "signed_in", "published", "mfa_enabled"):
        filtered = client.get(reverse("activity"), {"event": name}).content.decode()
        assert "THEIRS-" not in filtered
        assert "BEFORE-" not in filtered
        assert "198.51.100.60" not in filtered


def test_the_other_organisation_sees_its_own_and_not_ours(
    client, other_organisation, outsider, history
):
    details = set(activity_for(organisation=other_organisation).values_list("detail", flat=True))
    assert {"OURS-both-joined", "OURS-admin-role-change"}.isdisjoint(details)
    assert {"THEIRS-outsider-invite", "THEIRS-both-role-change", "BEFORE-sign-in"} <= details
    # The shared person's sign-ins are theirs too: they are one of their people.
    assert "OURS-both-sign-in" in details


def test_someone_removed_and_added_again_counts_from_the_new_start(organisation, both, history):
    Membership.objects.filter(user=both, organisation=organisation).update(
        created_at=NOW - datetime.timedelta(days=1)
    )
    details = set(activity_for(organisation=organisation).values_list("detail", flat=True))
    assert "OURS-both-sign-in" not in details
    assert "OURS-both-joined" in details  # the organisation's own record stays
