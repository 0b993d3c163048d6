import io

import pytest
from django.core.management import call_command

from assessments.models import Answer, QuestionBank
from audit.models import AuditEvent, Event
from organisations.models import Invitation, Membership, Organisation
from organisations.roles import Role

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_data_has_what_the_readme_promises_and_can_be_run_again():
    first = seed()
    counts = (Organisation.objects.count(), Membership.objects.count(), Answer.objects.count())
    second = seed()
    assert (Organisation.objects.count(), Membership.objects.count(), Answer.objects.count()) == (
        counts
    )
    assert first == second

    home = Organisation.objects.get(ods_code="VDM01")
    assert home.is_registered
    assert home.kind == Organisation.Kind.SITE
    hq = Organisation.objects.get(ods_code="ADM1")
    assert hq.is_headquarters
    assert hq.is_registered
    assert sorted(hq.branches.values_list("ods_code", flat=True)) == ["VDM11", "VDM12", "VDM13"]
    assert not Organisation.objects.get(ods_code="VDM21").is_registered

    roles = set(home.memberships.values_list("role", flat=True))
    assert roles == {Role.ADMINISTRATOR, Role.MEMBER, Role.VIEWER}
    for email in (
        "admin@brookhouse.example",
        "member@brookhouse.example",
        "viewer@brookhouse.example",
    ):
        assert email in first
    assert "Demo-portal-2025" in first
    assert QuestionBank.objects.filter(year="2025-26").exists()
    assert Answer.objects.filter(assessment__organisation=home).count() == 5
    assert Answer.objects.filter(assessment__organisation=home, choice="no").count() == 1


def test_demo_accounts_can_sign_in(client):
    seed()
    response = client.post(
        "/sign-in/", {"username": "viewer@brookhouse.example", "password": "Demo-portal-2025"}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_demo_people_join_as_people_do_and_seeding_again_puts_back_their_roles():
    seed()
    joined = Invitation.objects.filter(accepted_at__isnull=False).values_list(
        "email", "organisation__ods_code", "role"
    )
    assert sorted(joined) == [
        ("admin@brookhouse.example", "ADM1", Role.VIEWER),
        ("member@brookhouse.example", "VDM01", Role.MEMBER),
        ("viewer@brookhouse.example", "VDM01", Role.VIEWER),
    ]
    assert AuditEvent.objects.filter(event=Event.INVITATION_ACCEPTED).count() == 3

    member = Membership.objects.get(user__email="member@brookhouse.example")
    member.role = Role.VIEWER
    member.save()
    seed()
    member.refresh_from_db()
    assert member.role == Role.MEMBER
    assert Invitation.objects.count() == 3  # nobody is invited twice
