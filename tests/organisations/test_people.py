import pytest
from django.urls import reverse

from organisations.models import Membership
from organisations.roles import Role

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def membership_of(user, organisation):
    return Membership.objects.get(user=user, organisation=organisation)


def change_role(client, membership, role, expected=None):
    return client.post(
        reverse("people-change-role", args=[membership.pk]),
        {"role": role, "expected_role": expected or membership.role},
    )


def test_manage_users_lists_only_this_organisations_people(
    client, administrator, member, viewer, outsider
):
    client.force_login(administrator)
    page = client.get(reverse("people-list")).content.decode()
    for person in (administrator, member, viewer):
        assert person.email in page
    assert outsider.email not in page


def test_an_administrator_changes_a_role(client, administrator, member, organisation):
    client.force_login(administrator)
    membership = membership_of(member, organisation)
    assert change_role(client, membership, Role.VIEWER).status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_the_last_administrator_cannot_be_demoted(client, administrator, organisation):
    client.force_login(administrator)
    membership = membership_of(administrator, organisation)
    response = change_role(client, membership, Role.MEMBER)
    assert response.status_code == 400
    assert "is the only administrator" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMINISTRATOR


def test_the_last_administrator_cannot_be_removed(client, administrator, organisation):
    client.force_login(administrator)
    membership = membership_of(administrator, organisation)
    response = client.post(reverse("people-remove", args=[membership.pk]))
    assert response.status_code == 400
    assert "cannot be removed" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_with_two_administrators_one_can_step_down(client, administrator, organisation):
    second = MembershipFactory(organisation=organisation, role=Role.ADMINISTRATOR)
    client.force_login(administrator)
    mine = membership_of(administrator, organisation)
    assert change_role(client, mine, Role.MEMBER).status_code == 302
    # Now the other one is the last administrator.
    client.force_login(second.user)
    assert change_role(client, second, Role.VIEWER).status_code == 400


def test_removing_a_person(client, administrator, member, organisation):
    client.force_login(administrator)
    membership = membership_of(member, organisation)
    confirm = client.get(reverse("people-remove", args=[membership.pk]))
    assert member.full_name in confirm.content.decode()
    assert client.post(reverse("people-remove", args=[membership.pk])).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert member.__class__.objects.filter(pk=member.pk).exists()  # the account stays
    client.force_login(member)
    assert client.get(reverse("profile")).status_code == 403


def test_a_stale_role_page_does_not_silently_overwrite(client, administrator, member, organisation):
    second_admin = MembershipFactory(organisation=organisation, role=Role.ADMINISTRATOR).user
    membership = membership_of(member, organisation)
    # Another administrator made them a viewer after this page was loaded.
    client.force_login(second_admin)
    change_role(client, membership, Role.VIEWER)
    client.force_login(administrator)
    response = change_role(client, membership, Role.ADMINISTRATOR, expected=Role.MEMBER)
    assert response.status_code == 409
    assert "Someone else changed" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_another_organisations_people_are_404(client, administrator, outsider, other_organisation):
    theirs = membership_of(outsider, other_organisation)
    client.force_login(administrator)
    for name in ("people-change-role", "people-remove"):
        assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
        assert client.post(reverse(name, args=[theirs.pk]), {"role": "viewer"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.role == Role.ADMINISTRATOR


def test_a_person_in_two_organisations_changes_organisation(
    client, member, organisation, other_organisation
):
    MembershipFactory(user=member, organisation=other_organisation, role=Role.VIEWER)
    client.force_login(member)
    home = client.get(reverse("home")).content.decode()
    assert "Change organisation" in home
    page = client.get(reverse("organisation-change")).content.decode()
    assert organisation.name in page
    assert other_organisation.name in page

    response = client.post(
        reverse("organisation-change"), {"organisation": str(other_organisation.pk)}
    )
    assert response.status_code == 302
    assert other_organisation.name in client.get(reverse("home")).content.decode()
    # As a viewer there, the people page is not theirs to see.
    assert client.get(reverse("profile")).status_code == 200


def test_changing_to_an_organisation_you_are_not_in_is_refused(client, member, other_organisation):
    client.force_login(member)
    response = client.post(
        reverse("organisation-change"), {"organisation": str(other_organisation.pk)}
    )
    assert response.status_code == 400
    assert other_organisation.name not in client.get(reverse("home")).content.decode()


def test_a_session_pointing_at_a_lost_membership_falls_back(client, member, organisation):
    client.force_login(member)
    session = client.session
    session["current_organisation_id"] = 999999
    session.save()
    assert organisation.name in client.get(reverse("home")).content.decode()
