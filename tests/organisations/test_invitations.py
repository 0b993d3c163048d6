import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from organisations.models import Invitation, Membership, User
from organisations.roles import Role

from ..conftest import PASSWORD
from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = {
    "full_name": "Ivy Invitee",
    "password1": "quiet-harbour-lamp-31",
    "password2": "quiet-harbour-lamp-31",
}


def invite(client, email, role=Role.MEMBER):
    response = client.post(reverse("people-invite"), {"email": email, "role": role})
    return response


def last_link() -> str:
    match = re.search(r"https?://[^/\s]+(/invitations/[^/\s]+/)", mail.outbox[-1].body)
    return match.group(1)


def test_an_administrator_invites_a_new_person_who_creates_an_account(
    client, administrator, organisation
):
    client.force_login(administrator)
    response = invite(client, " New.Person@Care.Example ", Role.VIEWER)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.person@care.example"]
    assert organisation.name in mail.outbox[-1].subject
    assert "as a viewer." in mail.outbox[-1].body
    link = last_link()
    invitation = Invitation.objects.get()
    assert link.split("/")[2] not in invitation.token_hash  # only a hash is stored

    listing = client.get(reverse("people-list")).content.decode()
    assert "new.person@care.example" in listing

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    assert "as a viewer." in page.content.decode()
    response = client.post(link, NEW_ACCOUNT)
    assert response.status_code == 302
    person = User.objects.get(email="new.person@care.example")
    assert Membership.objects.get(user=person, organisation=organisation).role == Role.VIEWER
    home = client.get(reverse("home")).content.decode()
    assert organisation.name in home
    assert "You are a viewer of this organisation." in home


def test_an_invitation_for_an_existing_account_adds_the_membership(
    client, administrator, organisation, outsider
):
    client.force_login(administrator)
    invite(client, outsider.email, Role.MEMBER)
    link = last_link()

    client.logout()
    page = client.get(link).content.decode()
    assert "Sign in to accept" in page

    client.force_login(outsider)
    assert client.post(link).status_code == 302
    assert outsider.memberships.count() == 2
    assert outsider.memberships.get(organisation=organisation).role == Role.MEMBER


def test_the_link_works_once(client, administrator, organisation):
    client.force_login(administrator)
    invite(client, "once@care.example")
    link = last_link()
    client.logout()
    client.post(link, NEW_ACCOUNT)
    client.logout()

    reused = client.get(link)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()
    assert client.post(link, NEW_ACCOUNT).status_code == 410
    assert Membership.objects.filter(user__email="once@care.example").count() == 1


def test_an_expired_invitation_is_refused(client, administrator, organisation):
    client.force_login(administrator)
    invite(client, "late@care.example")
    link = last_link()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert client.post(link, NEW_ACCOUNT).status_code == 410
    assert not User.objects.filter(email="late@care.example").exists()


def test_invitations_expire_after_seven_days(client, administrator):
    client.force_login(administrator)
    invite(client, "week@care.example")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_the_wrong_account_cannot_accept(client, administrator, organisation, outsider):
    client.force_login(administrator)
    invite(client, "intended@care.example")
    link = last_link()
    client.force_login(outsider)
    page = client.get(link)
    assert page.status_code == 403
    assert "This invitation was sent to intended@care.example" in page.content.decode()
    assert client.post(link).status_code == 403
    assert not outsider.memberships.filter(organisation=organisation).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_or_absurd_token_is_404(client, db):
    assert client.get("/invitations/not-a-real-token/").status_code == 404
    assert client.get("/invitations/" + "x" * 5000 + "/").status_code == 404


def test_a_new_invitation_replaces_the_pending_one(client, administrator):
    client.force_login(administrator)
    invite(client, "twice@care.example")
    first = last_link()
    invite(client, "twice@care.example", Role.ADMINISTRATOR)
    second = last_link()
    client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_inviting_an_existing_member_is_refused(client, administrator, member):
    client.force_login(administrator)
    response = invite(client, "MEMBER@care.example")
    assert response.status_code == 400
    assert "is already a member" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "", "role": "member"}, "Enter the email address of the person to invite"),
        ({"email": "nope", "role": "member"}, "Enter a valid email address"),
        ({"email": "a@b.example", "role": "owner"}, "Select a valid choice"),
        ({"email": "a@b.example"}, "Select a role"),
    ],
)
def test_invite_form_errors(client, administrator, data, message):
    client.force_login(administrator)
    response = client.post(reverse("people-invite"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_cancelled_invitation_stops_working(client, administrator):
    client.force_login(administrator)
    invite(client, "cancel@care.example")
    link = last_link()
    invitation = Invitation.objects.get()
    assert client.post(reverse("invitation-cancel", args=[invitation.pk])).status_code == 302
    client.logout()
    assert client.get(link).status_code == 410


def test_another_organisations_invitation_cannot_be_cancelled(client, administrator, outsider):
    client.force_login(outsider)
    invite(client, "theirs@elsewhere.example")
    theirs = Invitation.objects.get()
    client.force_login(administrator)
    assert client.post(reverse("invitation-cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.cancelled_at is None


def test_sign_in_then_accept_returns_to_the_invitation(client, administrator, organisation):
    person = UserFactory(email="returning@care.example")
    client.force_login(administrator)
    invite(client, person.email)
    link = last_link()
    client.logout()
    response = client.post(
        reverse("sign-in") + f"?next={link}",
        {"username": person.email, "password": PASSWORD, "next": link},
    )
    assert response["Location"] == link
    assert client.post(link).status_code == 302
    assert MembershipFactory._meta.model.objects.filter(user=person).count() == 1
