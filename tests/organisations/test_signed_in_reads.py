"""The two reads every signed-in request makes before its view: the session and the current
membership. Both are prepared statements on PostgreSQL (accounts/session_store.py,
organisations/selectors.py); these cases feed each the answer that must not come back."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.session_store import SessionStore
from dspt_portal.compiled_queries import instance_from, prepares_statements
from organisations.models import Membership, Organisation
from organisations.selectors import membership_current, person_with_memberships
from tests.factories import MembershipFactory, RegisteredOrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


# The current membership --------------------------------------------------------------------------


def test_the_chosen_membership_comes_with_its_organisation_and_person_in_one_query():
    membership = MembershipFactory(role="administrator")
    user = membership.user
    with CaptureQueriesContext(connection) as queries:
        found = membership_current(user=user, organisation_id=membership.organisation_id)
        # Read with it: neither the organisation nor the person costs another query.
        assert found.organisation.name == membership.organisation.name
        assert found.user is user
    assert len(queries.captured_queries) == 1
    assert found.pk == membership.pk
    assert found.role == "administrator"
    assert found._state.adding is False
    # Every column as the ORM reads it, converted as the ORM converts it.
    by_orm = Organisation.objects.get(pk=membership.organisation_id)
    for field in Organisation._meta.concrete_fields:
        assert getattr(found.organisation, field.attname) == getattr(by_orm, field.attname)
    assert isinstance(found.created_at, datetime.datetime)
    assert found.created_at == Membership.objects.get(pk=membership.pk).created_at


def test_an_organisation_the_person_does_not_belong_to_is_never_chosen():
    """An attacker's session naming another organisation's id gets their own membership."""
    mine = MembershipFactory()
    theirs = MembershipFactory()
    found = membership_current(user=mine.user, organisation_id=theirs.organisation_id)
    assert found.pk == mine.pk
    assert found.organisation_id == mine.organisation_id
    assert membership_current(user=UserFactory(), organisation_id=theirs.organisation_id) is None


def test_a_suspended_membership_is_never_chosen():
    suspended = MembershipFactory(suspended_at=timezone.now())
    other = MembershipFactory(user=suspended.user)
    assert (
        membership_current(user=suspended.user, organisation_id=suspended.organisation_id).pk
        == other.pk
    )
    other.suspended_at = timezone.now()
    other.save()
    assert (
        membership_current(user=suspended.user, organisation_id=suspended.organisation_id) is None
    )


def test_a_role_changed_is_read_at_the_next_request():
    """Prepared is the plan, never the answer."""
    membership = MembershipFactory(role="administrator")
    for _ in range(7):  # past the runs after which PostgreSQL may keep one plan
        membership_current(user=membership.user, organisation_id=membership.organisation_id)
    Membership.objects.filter(pk=membership.pk).update(role="viewer")
    found = membership_current(user=membership.user, organisation_id=membership.organisation_id)
    assert found.role == "viewer"


def test_the_membership_read_is_prepared():
    membership = MembershipFactory()
    assert prepares_statements()
    membership_current(user=membership.user, organisation_id=membership.organisation_id)
    assert any(
        '"organisations_membership"' in statement and "$1" in statement
        for statement in _prepared_statements()
    )


def test_instance_from_refuses_values_that_are_not_every_column():
    organisation = RegisteredOrganisationFactory()
    values = [getattr(organisation, f.attname) for f in Organisation._meta.concrete_fields]
    assert instance_from(Organisation, values).name == organisation.name
    with pytest.raises(ValueError, match="columns"):
        instance_from(Organisation, values[:-1])


# The session -------------------------------------------------------------------------------------


def test_the_session_engine_is_this_store():
    assert settings.SESSION_ENGINE == "accounts.session_store"


def test_a_session_is_read_back_as_saved():
    store = SessionStore()
    store["current_organisation_id"] = 42
    store.save()
    assert SessionStore(session_key=store.session_key)["current_organisation_id"] == 42
    assert any('"django_session"' in s for s in _prepared_statements())


def test_an_ended_session_is_never_read():
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    ended = SessionStore(session_key=store.session_key)
    assert ended.load() == {}
    # As Django's store: no key until saved anew, so the old one is never written again.
    assert ended.session_key is None


def test_an_unknown_session_key_reads_as_empty():
    unknown = SessionStore(session_key="x" * 32)
    assert unknown.load() == {}
    assert unknown.session_key is None


def test_without_prepared_statements_the_session_is_read_as_django_reads_it(monkeypatch):
    store = SessionStore()
    store["kept"] = "yes"
    store.save()
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    before = _prepared_statements()
    assert SessionStore(session_key=store.session_key)["kept"] == "yes"
    assert _prepared_statements() == before


# The person read with their memberships ----------------------------------------------------------


def test_the_person_comes_with_the_chosen_membership_in_one_statement():
    first = MembershipFactory(organisation__name="Ash House", role="viewer")
    second = MembershipFactory(user=first.user, organisation__name="Birch House", role="member")
    with CaptureQueriesContext(connection) as queries:
        user = person_with_memberships(first.user_id)
        chosen = membership_current(user=user, organisation_id=second.organisation_id)
        assert chosen.organisation.name == "Birch House"
        assert chosen.user is user
    assert len(queries.captured_queries) == 1
    assert (chosen.pk, chosen.role) == (second.pk, "member")
    assert user.email == first.user.email
    # Nothing named in the session, or not theirs: the first by organisation name.
    assert membership_current(user=user, organisation_id=None).pk == first.pk


def test_read_with_the_person_another_organisation_is_never_chosen():
    """An attacker's session naming another organisation's id gets their own membership."""
    mine = MembershipFactory()
    theirs = MembershipFactory()
    user = person_with_memberships(mine.user_id)
    assert membership_current(user=user, organisation_id=theirs.organisation_id).pk == mine.pk
    loner = person_with_memberships(UserFactory().pk)
    assert loner is not None
    assert loner.memberships_read == []
    assert membership_current(user=loner, organisation_id=theirs.organisation_id) is None


def test_read_with_the_person_a_suspended_membership_is_never_chosen():
    suspended = MembershipFactory(suspended_at=timezone.now(), organisation__name="Ash House")
    other = MembershipFactory(user=suspended.user, organisation__name="Birch House")
    user = person_with_memberships(suspended.user_id)
    assert membership_current(user=user, organisation_id=suspended.organisation_id).pk == other.pk
    Membership.objects.filter(pk=other.pk).update(suspended_at=timezone.now())
    user = person_with_memberships(suspended.user_id)
    assert user is not None  # still the person: only their access is gone
    assert membership_current(user=user, organisation_id=suspended.organisation_id) is None


def test_read_with_the_person_a_role_change_shows_at_the_next_request():
    membership = MembershipFactory(role="administrator")
    for _ in range(7):  # past the runs after which PostgreSQL may keep one plan
        person_with_memberships(membership.user_id)
    Membership.objects.filter(pk=membership.pk).update(role="viewer")
    user = person_with_memberships(membership.user_id)
    assert (
        membership_current(user=user, organisation_id=membership.organisation_id).role == "viewer"
    )
    assert person_with_memberships(10**9) is None


def test_a_signed_in_request_reads_the_person_and_membership_together(client):
    membership = MembershipFactory(role="member")
    client.force_login(membership.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/account/")
    assert response.status_code == 200
    person_reads = [
        q["sql"] for q in queries.captured_queries if '"organisations_user"' in q["sql"]
    ]
    assert any('LEFT OUTER JOIN "organisations_membership" usable' in sql for sql in person_reads)
    assert not any(
        q["sql"].startswith('SELECT "organisations_membership"."id" AS "id"')
        for q in queries.captured_queries
    )
