"""Reads. Tenant data is reached through the organisation passed in."""

from __future__ import annotations

from django.db.models import FilteredRelation, Q, QuerySet

from dspt_portal.compiled_queries import CompiledQuery, columns_of, instance_from

from .models import Invitation, Membership, Organisation, OrganisationProfile, User
from .roles import Role


def _chosen_membership_query(ids: list[int]) -> QuerySet:
    """The person's (ids[0]) membership of one organisation (ids[1]) and that organisation, as
    one row of both models' columns (a person has at most one membership of an organisation)."""
    return (
        Membership.objects.filter(user_id=ids[0], organisation_id=ids[1], suspended_at__isnull=True)
        .order_by()
        .values_list(*columns_of(Membership), *columns_of(Organisation, "organisation__"))
    )


# Every signed-in request reads it (organisations/middleware.py). Building the query in the ORM
# (the organisation's many columns) took the web worker about five times what PostgreSQL took to
# answer, so it is compiled once per process and prepared (dspt_portal/compiled_queries.py).
_CHOSEN_MEMBERSHIP = CompiledQuery(_chosen_membership_query)
_MEMBERSHIP_COLUMNS = len(columns_of(Membership))


def _chosen_membership(user: User, organisation_id: int) -> Membership | None:
    rows = _CHOSEN_MEMBERSHIP.rows([user.pk, organisation_id])
    if not rows:
        return None
    row = rows[0]
    membership = instance_from(Membership, row[:_MEMBERSHIP_COLUMNS])
    membership.organisation = instance_from(Organisation, row[_MEMBERSHIP_COLUMNS:])
    membership.user = user
    return membership


# The person, then each membership that gives access with its organisation (none: a row of nulls),
# the first by organisation name.
_PERSON_COLUMNS = len(columns_of(User))


def _person_and_memberships_query(ids: list[int]) -> QuerySet:
    return (
        User.objects.filter(pk=ids[0])
        .annotate(
            usable=FilteredRelation("memberships", condition=Q(memberships__suspended_at=None))
        )
        .order_by("usable__organisation__name", "usable__pk")
        .values_list(
            *columns_of(User),
            *columns_of(Membership, "usable__"),
            *columns_of(Organisation, "usable__organisation__"),
        )
    )


# Every signed-in request reads the person (accounts/backends.py) and then their membership
# (middleware.py): one statement now reads both.
_PERSON_AND_MEMBERSHIPS = CompiledQuery(_person_and_memberships_query)


def person_with_memberships(user_id: int) -> User | None:
    """The person with this id, and with the memberships that give them access (each with its
    organisation, the first by organisation name) read in the same statement, for
    `membership_current` in this request. None when there is no such person."""
    rows = _PERSON_AND_MEMBERSHIPS.rows([user_id])
    if not rows:
        return None
    user = instance_from(User, rows[0][:_PERSON_COLUMNS])
    memberships = []
    for row in rows:
        if row[_PERSON_COLUMNS] is None:  # no membership: the join's nulls
            continue
        membership = instance_from(
            Membership, row[_PERSON_COLUMNS : _PERSON_COLUMNS + _MEMBERSHIP_COLUMNS]
        )
        membership.organisation = instance_from(
            Organisation, row[_PERSON_COLUMNS + _MEMBERSHIP_COLUMNS :]
        )
        membership.user = user
        memberships.append(membership)
    user.memberships_read = memberships  # type: ignore[attr-defined]
    return user


def membership_current(*, user: User, organisation_id: int | None) -> Membership | None:
    """The person's membership of the organisation in their session, else their first one.
    A membership of a suspended registration gives no access (see `membership_suspended`).
    From what `person_with_memberships` read with the person in this request, when it did."""
    read = getattr(user, "memberships_read", None)
    if read is not None:
        for membership in read:
            if membership.organisation_id == organisation_id:
                return membership
        return read[0] if read else None
    if organisation_id is not None:
        chosen = _chosen_membership(user, organisation_id)
        if chosen is not None:
            return chosen
    return (
        Membership.objects.filter(user=user, suspended_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
        .first()
    )


def membership_suspended(*, user: User) -> Membership | None:
    """A membership the person has lost with their organisation's suspended registration, for
    the page that tells them so; None when they have none (asked only when no other works)."""
    return (
        Membership.objects.filter(user=user, organisation__suspended_at__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
        .first()
    )


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, suspended_at__isnull=True)
        .select_related("organisation")
        .order_by("organisation__name", "pk")
    )


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        organisation.memberships.filter(suspended_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def membership_get(*, organisation: Organisation, membership_id: int) -> Membership:
    """Raises Membership.DoesNotExist when the id is not one of this organisation's people."""
    return (
        organisation.memberships.filter(suspended_at__isnull=True)
        .select_related("user")
        .get(pk=membership_id)
    )


def administrator_count(*, organisation: Organisation) -> int:
    return organisation.memberships.filter(
        role=Role.ADMINISTRATOR, suspended_at__isnull=True
    ).count()


def invitation_pending_list(*, organisation: Organisation) -> QuerySet[Invitation]:
    from django.utils import timezone

    return organisation.invitations.filter(
        accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_get(*, organisation: Organisation, invitation_id: int) -> Invitation:
    return organisation.invitations.get(pk=invitation_id)


def organisation_get_by_code(*, ods_code: str) -> Organisation | None:
    return Organisation.objects.select_related("parent").filter(ods_code=ods_code).first()


def branch_list(*, organisation: Organisation) -> QuerySet[Organisation]:
    return organisation.branches.order_by("name", "ods_code")


def profile_get(*, organisation: Organisation) -> OrganisationProfile:
    """The organisation's profile; an unsaved, empty one (version 0) before anyone has saved it,
    so pages that show it never write."""
    try:
        return organisation.profile
    except OrganisationProfile.DoesNotExist:
        return OrganisationProfile(organisation=organisation)
