"""The helpdesk's action services: each change with its audit event and emails, and each refusal."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from audit.models import AuditEvent, Event
from audit.services import Actor
from helpdesk import action_services as services
from helpdesk.action_services import HelpdeskError
from organisations import selectors as organisation_selectors
from organisations import services as organisation_services
from organisations.models import Membership, Organisation, RegistrationRequest
from organisations.roles import Role

from ..conftest import PASSWORD
from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..people import verified_device

REASON = "Previous administrator left"


@pytest.fixture
def actor(helpdesk_operator):
    return Actor(user=helpdesk_operator, ip_address="192.0.2.10")


def _links(outbox_index: int = -1) -> list[str]:
    return re.findall(r"https?://\S+", mail.outbox[outbox_index].body)


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def _request_for(organisation, email="gp.manager@surgery.example") -> RegistrationRequest:
    return organisation_services.registration_request_store(
        organisation=organisation, email=email, full_name="Gita Patel", reason="We run the GP"
    )


@pytest.fixture
def surgery(db):
    """An organisation that may not register itself (a GP practice)."""
    return OrganisationFactory(ods_code="P87657", name="Hill Surgery", primary_sector="GP")


def _approve(stored, actor):
    return services.registration_request_approve(
        request_id=stored.pk,
        reason="Checked with the ICB",
        link_for=lambda t: f"http://t/{t}/",
        actor=actor,
    )


# --- Registration requests ------------------------------------------------------------------------


def test_approving_sends_the_registration_link_and_completing_it_makes_the_first_admin(
    surgery, actor, helpdesk_operator
):
    stored = _request_for(surgery)
    _approve(stored, actor)
    stored.refresh_from_db()
    assert stored.state == RegistrationRequest.State.APPROVED
    assert stored.decided_by == helpdesk_operator
    assert stored.decision_reason == "Checked with the ICB"
    assert mail.outbox[-1].to == ["gp.manager@surgery.example"]
    token = _token(_links()[0])
    membership = organisation_services.registration_complete(
        token=token,
        new_account=organisation_services.NewAccount(
            full_name="Gita Patel", email="gp.manager@surgery.example", password=PASSWORD
        ),
    )
    assert membership.role == Role.ADMINISTRATOR
    assert membership.organisation == surgery
    surgery.refresh_from_db()
    assert surgery.is_registered
    event = AuditEvent.objects.get(event=Event.REQUEST_APPROVED)
    assert event.organisation == surgery
    assert event.user == helpdesk_operator
    assert event.detail.startswith("The helpdesk approved the request from Gita Patel")


def test_without_approval_the_same_organisation_still_cannot_register_itself(surgery):
    pending = organisation_services.registration_start(
        organisation_id=surgery.pk, email="someone@x.example", link_for=lambda t: t
    )
    assert pending is None
    assert "Contact the helpdesk to register" in mail.outbox[-1].body


def test_approval_is_refused_for_a_registered_organisation_suspend_it_first(organisation, actor):
    stored = _request_for(organisation)
    with pytest.raises(HelpdeskError, match=r"already registered.*suspend its registration first"):
        _approve(stored, actor)
    stored.refresh_from_db()
    assert stored.state == RegistrationRequest.State.OPEN
    assert mail.outbox == []


def test_a_request_is_decided_once(surgery, actor):
    stored = _request_for(surgery)
    _approve(stored, actor)
    with pytest.raises(HelpdeskError, match="Jo Bloggs already approved this request") as caught:
        services.registration_request_reject(request_id=stored.pk, reason=REASON, actor=actor)
    assert caught.value.status == 409


def test_rejecting_emails_the_reason(surgery, actor):
    stored = _request_for(surgery)
    services.registration_request_reject(
        request_id=stored.pk, reason="Not a care provider: a GP practice", actor=actor
    )
    stored.refresh_from_db()
    assert stored.state == RegistrationRequest.State.REJECTED
    assert mail.outbox[-1].to == ["gp.manager@surgery.example"]
    assert "Not a care provider: a GP practice" in mail.outbox[-1].body
    event = AuditEvent.objects.get(event=Event.REQUEST_REJECTED)
    assert event.organisation == surgery


@pytest.mark.parametrize("reason", ["", "   ", "no"])
def test_every_decision_needs_a_reason(surgery, actor, reason):
    stored = _request_for(surgery)
    with pytest.raises(HelpdeskError):
        services.registration_request_reject(request_id=stored.pk, reason=reason, actor=actor)
    with pytest.raises(HelpdeskError):
        _approve_with(stored, actor, reason)
    stored.refresh_from_db()
    assert stored.state == RegistrationRequest.State.OPEN


def _approve_with(stored, actor, reason):
    return services.registration_request_approve(
        request_id=stored.pk, reason=reason, link_for=lambda t: t, actor=actor
    )


# --- Suspending a registration --------------------------------------------------------------------


def test_suspending_takes_access_away_and_keeps_everything(
    organisation, administrator, member, actor
):
    invitation_tokens = []
    organisation_services.invitation_create(
        organisation=organisation,
        email="new@care.example",
        role=Role.MEMBER,
        invited_by=administrator,
        accept_url_for=lambda t: invitation_tokens.append(t) or t,
    )
    services.registration_suspend(organisation_id=organisation.pk, reason=REASON, actor=actor)
    organisation.refresh_from_db()
    assert organisation.is_suspended
    assert organisation.is_registered  # the public register is unchanged
    assert Membership.objects.filter(organisation=organisation).count() == 2  # nothing deleted
    for person in (administrator, member):
        assert organisation_selectors.membership_current(user=person, organisation_id=None) is None
        assert organisation_selectors.membership_suspended(user=person).organisation == organisation
    with pytest.raises(organisation_services.InvitationError, match="is suspended"):
        organisation_services.invitation_accept(
            token=invitation_tokens[0], user=UserFactory(email="new@care.example")
        )
    event = AuditEvent.objects.get(event=Event.REGISTRATION_SUSPENDED)
    assert event.detail.startswith("The helpdesk suspended the registration (2 people lost access)")

    services.registration_reinstate(organisation_id=organisation.pk, reason=REASON, actor=actor)
    organisation.refresh_from_db()
    assert not organisation.is_suspended
    assert organisation_selectors.membership_current(user=member, organisation_id=None)
    assert AuditEvent.objects.filter(event=Event.REGISTRATION_REINSTATED).count() == 1


def test_a_suspended_persons_other_organisation_still_works(organisation, member, actor):
    other = MembershipFactory(user=member, role=Role.VIEWER).organisation
    services.registration_suspend(organisation_id=organisation.pk, reason=REASON, actor=actor)
    current = organisation_selectors.membership_current(
        user=member, organisation_id=organisation.pk
    )
    assert current.organisation == other
    assert [m.organisation for m in organisation_selectors.memberships_for_user(user=member)] == [
        other
    ]


def test_suspending_is_refused_twice_and_for_an_unregistered_organisation(organisation, actor):
    services.registration_suspend(organisation_id=organisation.pk, reason=REASON, actor=actor)
    with pytest.raises(HelpdeskError, match="already suspended"):
        services.registration_suspend(organisation_id=organisation.pk, reason=REASON, actor=actor)
    directory_only = OrganisationFactory()
    with pytest.raises(HelpdeskError, match="is not registered"):
        services.registration_suspend(organisation_id=directory_only.pk, reason=REASON, actor=actor)
    with pytest.raises(HelpdeskError, match="is not suspended"):
        services.registration_reinstate(
            organisation_id=directory_only.pk, reason=REASON, actor=actor
        )


def test_the_rightful_owner_registers_a_suspended_organisation_through_an_approved_request(
    organisation, administrator, member, actor
):
    services.registration_suspend(organisation_id=organisation.pk, reason=REASON, actor=actor)
    # A registration link of the ordinary kind stops working while it is suspended.
    assert (
        organisation_services.registration_start(
            organisation_id=organisation.pk, email="owner@langdale.example", link_for=lambda t: t
        )
        is None
    )
    stored = _request_for(organisation, email="owner@langdale.example")
    _approve(stored, actor)
    owner = UserFactory(email="owner@langdale.example")
    membership = organisation_services.registration_complete(token=_token(_links()[0]), user=owner)
    assert membership.role == Role.ADMINISTRATOR
    organisation.refresh_from_db()
    assert not organisation.is_suspended
    # The disputed registration's people are kept, without access.
    for person in (administrator, member):
        kept = Membership.objects.get(user=person, organisation=organisation)
        assert kept.suspended_at is not None
        assert organisation_selectors.membership_current(user=person, organisation_id=None) is None
    assert list(organisation_selectors.membership_list(organisation=organisation)) == [membership]


# --- People ---------------------------------------------------------------------------------------


@pytest.fixture
def invitation(organisation, administrator):
    tokens = []
    invitation = organisation_services.invitation_create(
        organisation=organisation,
        email="ana.smith@care.example",
        role=Role.MEMBER,
        invited_by=administrator,
        accept_url_for=lambda t: tokens.append(t) or t,
    )
    invitation.token = tokens[0]
    return invitation


def test_sending_an_invitation_again_gives_a_fresh_link_and_the_old_one_stops(invitation, actor):
    fresh = services.invitation_resend(
        invitation_id=invitation.pk,
        reason="They deleted the email",
        accept_url_for=lambda t: f"http://t/invitations/{t}/",
        actor=actor,
    )
    assert fresh.pk != invitation.pk
    with pytest.raises(organisation_services.InvitationError, match="already been used or was"):
        organisation_services.invitation_accept(
            token=invitation.token, user=UserFactory(email="ana.smith@care.example")
        )
    membership = organisation_services.invitation_accept(
        token=_token(_links()[0]), user=UserFactory(email="ana.smith@care.example")
    )
    assert membership.role == Role.MEMBER
    event = AuditEvent.objects.get(event=Event.INVITATION_RESENT)
    assert event.detail == (
        "The helpdesk sent the invitation for ana.smith@care.example as member again: "
        "They deleted the email"
    )
    assert not AuditEvent.objects.filter(event=Event.INVITATION_SENT, user=actor.user).exists()


def test_a_cancelled_invitation_cannot_be_sent_again_or_cancelled_twice(invitation, actor):
    services.invitation_withdraw(invitation_id=invitation.pk, reason=REASON, actor=actor)
    with pytest.raises(HelpdeskError, match="already cancelled"):
        services.invitation_withdraw(invitation_id=invitation.pk, reason=REASON, actor=actor)
    with pytest.raises(HelpdeskError, match="already cancelled"):
        services.invitation_resend(
            invitation_id=invitation.pk, reason=REASON, accept_url_for=str, actor=actor
        )


def _make_admin(person, organisation, actor, expected=None):
    return services.administrator_make(
        user_id=person.pk,
        organisation_id=organisation.pk,
        expected_state=expected
        or services.administrator_candidate_state(person=person, organisation=organisation),
        reason=REASON,
        actor=actor,
    )


def test_a_member_is_made_administrator_and_everyone_is_told(organisation, administrator, actor):
    ana = MembershipFactory(
        organisation=organisation, user__full_name="Ana Smith", user__email="ana@care.example"
    ).user
    _make_admin(ana, organisation, actor)
    assert Membership.objects.get(user=ana, organisation=organisation).role == Role.ADMINISTRATOR
    event = AuditEvent.objects.get(event=Event.ADMINISTRATOR_MADE)
    assert (
        event.detail == "The helpdesk made Ana Smith an administrator: Previous administrator left"
    )
    assert event.organisation == organisation
    assert event.user == actor.user
    assert {tuple(m.to) for m in mail.outbox} == {(ana.email,), (administrator.email,)}


def test_an_invitations_role_becomes_administrator(organisation, invitation, actor):
    ana = UserFactory(email="ana.smith@care.example", full_name="Ana Smith")
    _make_admin(ana, organisation, actor)
    invitation.refresh_from_db()
    assert invitation.role == Role.ADMINISTRATOR
    membership = organisation_services.invitation_accept(token=invitation.token, user=ana)
    assert membership.role == Role.ADMINISTRATOR


def test_a_stranger_is_never_made_administrator(organisation, outsider, actor):
    with pytest.raises(HelpdeskError, match="is not a member of Langdale House"):
        _make_admin(outsider, organisation, actor)
    assert not Membership.objects.filter(user=outsider, organisation=organisation).exists()


def test_helpdesk_staff_and_the_operator_themselves_are_refused(
    organisation, helpdesk_auditor, actor
):
    MembershipFactory(organisation=organisation, user=helpdesk_auditor)
    for person in (helpdesk_auditor, actor.user):
        with pytest.raises(HelpdeskError) as caught:
            _make_admin(person, organisation, actor, expected="member")
        assert caught.value.status == 403
        for change in (services.account_unlock, services.two_factor_reset):
            with pytest.raises(HelpdeskError) as caught:
                change(user_id=person.pk, reason=REASON, actor=actor)
            assert caught.value.status == 403


def test_a_change_made_meanwhile_is_refused(organisation, member, actor):
    seen = services.administrator_candidate_state(person=member, organisation=organisation)
    Membership.objects.filter(user=member).update(role=Role.VIEWER)
    with pytest.raises(HelpdeskError, match="changed after you opened this page") as caught:
        _make_admin(member, organisation, actor, expected=seen)
    assert caught.value.status == 409


def test_unlocking_an_account_locked_by_failed_sign_ins(client, member, actor):
    for _ in range(5):
        client.post(reverse("sign-in"), {"username": member.email, "password": "wrong-one-1"})
    assert (
        client.post(
            reverse("sign-in"), {"username": member.email, "password": PASSWORD}
        ).status_code
        == 429
    )
    from helpdesk.action_selectors import person_lockout

    assert person_lockout(person=member).locked
    services.account_unlock(user_id=member.pk, reason="Forgot the password", actor=actor)
    assert not person_lockout(person=member).locked
    assert (
        client.post(
            reverse("sign-in"), {"username": member.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    with pytest.raises(HelpdeskError, match="is not locked"):
        services.account_unlock(user_id=member.pk, reason=REASON, actor=actor)
    assert AuditEvent.objects.filter(event=Event.ACCOUNT_UNLOCKED).count() == 1


def test_resetting_two_factor_removes_the_devices_and_ends_their_sessions(
    client, administrator, actor
):
    verified_device(administrator)
    mfa.recovery_codes_new(user=administrator)
    client.force_login(administrator)
    assert client.get(reverse("profile")).wsgi_request.user.is_authenticated
    services.two_factor_reset(
        user_id=administrator.pk, reason="Lost phone, called back", actor=actor
    )
    assert not TOTPDevice.objects.filter(user=administrator).exists()
    assert not StaticDevice.objects.filter(user=administrator).exists()
    assert not client.get(reverse("profile")).wsgi_request.user.is_authenticated
    event = AuditEvent.objects.get(event=Event.TWO_FACTOR_RESET)
    assert event.organisation.ods_code == "VAB12"
    with pytest.raises(HelpdeskError, match="has not set up two-factor"):
        services.two_factor_reset(user_id=administrator.pk, reason=REASON, actor=actor)


# --- HQ and branches ------------------------------------------------------------------------------


@pytest.fixture
def hq(db):
    return OrganisationFactory(
        ods_code="AB12", name="Acorn Care", kind=Organisation.Kind.HEADQUARTERS
    )


def test_linking_and_unlinking_a_site_is_recorded_on_both(hq, actor):
    site = OrganisationFactory(ods_code="VJ101", name="Larch House")
    services.hq_link(
        site_id=site.pk, hq_id=hq.pk, site_administrator_asked=False, reason=REASON, actor=actor
    )
    site.refresh_from_db()
    assert site.parent == hq
    linked = AuditEvent.objects.filter(event=Event.HQ_LINKED)
    assert {event.organisation for event in linked} == {site, hq}
    services.hq_unlink(site_id=site.pk, expected_parent_id=hq.pk, reason=REASON, actor=actor)
    site.refresh_from_db()
    assert site.parent is None
    assert AuditEvent.objects.filter(event=Event.HQ_UNLINKED).count() == 2
    with pytest.raises(HelpdeskError, match="is not a branch of any HQ"):
        services.hq_unlink(site_id=site.pk, expected_parent_id=None, reason=REASON, actor=actor)


def test_a_site_registered_on_its_own_needs_its_administrators_request(organisation, hq, actor):
    with pytest.raises(HelpdeskError, match="registered on its own"):
        services.hq_link(
            site_id=organisation.pk,
            hq_id=hq.pk,
            site_administrator_asked=False,
            reason=REASON,
            actor=actor,
        )
    organisation.refresh_from_db()
    assert organisation.parent is None
    services.hq_link(
        site_id=organisation.pk,
        hq_id=hq.pk,
        site_administrator_asked=True,
        reason="Asked by Ann Admin by phone",
        actor=actor,
    )
    organisation.refresh_from_db()
    assert organisation.parent == hq
    assert (
        "at its administrator's request"
        in AuditEvent.objects.filter(event=Event.HQ_LINKED).first().detail
    )


def test_an_hq_is_never_put_under_another(hq, actor):
    other_hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    with pytest.raises(HelpdeskError, match="An HQ cannot be linked under another HQ"):
        services.hq_link(
            site_id=hq.pk,
            hq_id=other_hq.pk,
            site_administrator_asked=True,
            reason=REASON,
            actor=actor,
        )
