"""The helpdesk's action pages: who may open and send them, bad input, ids from elsewhere, the
second factor, what a suspended organisation's people see, and the Activity page's wording."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent, Event
from organisations import services as organisation_services
from organisations.models import Membership, Organisation, RegistrationRequest
from organisations.roles import Role

from ..factories import MembershipFactory, OrganisationFactory, UserFactory
from ..people import as_person, verified_device

REASON = "Previous administrator left"


@pytest.fixture
def case(organisation, administrator, member):
    """One of every object the action pages take, all of the first organisation."""
    tokens = []
    invitation = organisation_services.invitation_create(
        organisation=organisation,
        email="ana.smith@care.example",
        role=Role.MEMBER,
        invited_by=administrator,
        accept_url_for=lambda t: tokens.append(t) or t,
    )
    stored = organisation_services.registration_request_store(
        organisation=OrganisationFactory(
            ods_code="P87657", name="Hill Surgery", primary_sector="GP"
        ),
        email="gp@surgery.example",
        full_name="Gita Patel",
        reason="We run the practice",
    )
    mail.outbox = []
    return {
        "helpdesk:requests": [],
        "helpdesk:request": [stored.pk],
        "helpdesk:suspend": [organisation.ods_code],
        "helpdesk:reinstate": [organisation.ods_code],
        "helpdesk:hq-link": [organisation.ods_code],
        "helpdesk:hq-unlink": [organisation.ods_code],
        "helpdesk:person": [member.pk],
        "helpdesk:make-administrator": [member.pk, organisation.pk],
        "helpdesk:unlock": [member.pk],
        "helpdesk:reset-two-factor": [member.pk],
        "helpdesk:invitation-resend": [invitation.pk],
        "helpdesk:invitation-cancel": [invitation.pk],
    }


FORMS = (
    "helpdesk:request",
    "helpdesk:suspend",
    "helpdesk:reinstate",
    "helpdesk:hq-link",
    "helpdesk:hq-unlink",
    "helpdesk:make-administrator",
    "helpdesk:unlock",
    "helpdesk:reset-two-factor",
    "helpdesk:invitation-resend",
    "helpdesk:invitation-cancel",
)

# What a complete form sends, but for the reason.
FILLED = {
    "helpdesk:request": {"decision": "reject"},
    "helpdesk:suspend": {"confirm": "on"},
    "helpdesk:hq-link": {"hq_code": "AB12"},
    "helpdesk:make-administrator": {"expected": "member"},
    "helpdesk:reset-two-factor": {"identity_checked": "on"},
}


def _signed_in(client, user, *, verified=True):
    as_person(client, (user, verified_device(user) if verified else None))


def _changes():
    """Everything an action could have changed."""
    return (
        AuditEvent.objects.exclude(event__in=["signed_in", "mfa_verified"]).count(),
        len(mail.outbox),
        list(Membership.objects.values_list("pk", "role", "suspended_at").order_by("pk")),
        list(Organisation.objects.values_list("pk", "parent_id", "suspended_at").order_by("pk")),
        list(RegistrationRequest.objects.values_list("pk", "state")),
    )


@pytest.mark.django_db
def test_an_auditor_reads_every_page_and_changes_nothing(client, case, helpdesk_auditor):
    _signed_in(client, helpdesk_auditor)
    before = _changes()
    for name, args in case.items():
        page = client.get(reverse(name, args=args))
        assert page.status_code == 200, name
        assert '<form method="post"' not in page.content.decode(), name
    for name in FORMS:
        data = {**FILLED.get(name, {}), "reason": REASON}
        assert client.post(reverse(name, args=case[name]), data).status_code == 403, name
    assert _changes() == before


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["administrator", "member", "outsider"])
def test_people_of_organisations_are_refused(client, case, request, who):
    _signed_in(client, request.getfixturevalue(who))
    before = _changes()
    for name, args in case.items():
        assert client.get(reverse(name, args=args)).status_code == 403, name
    for name in FORMS:
        data = {**FILLED.get(name, {}), "reason": REASON}
        assert client.post(reverse(name, args=case[name]), data).status_code == 403, name
    assert _changes() == before


@pytest.mark.django_db
def test_an_operator_without_a_second_factor_is_sent_to_set_it_up(client, case, helpdesk_operator):
    _signed_in(client, helpdesk_operator, verified=False)
    before = _changes()
    for name in FORMS:
        data = {**FILLED.get(name, {}), "reason": REASON}
        response = client.post(reverse(name, args=case[name]), data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa-setup")), name
    assert _changes() == before


@pytest.mark.django_db
def test_every_form_without_a_reason_is_refused_with_the_error_summary(
    client, case, helpdesk_operator, member, organisation
):
    # Each page's action must be possible, so only the reason is missing.
    OrganisationFactory(ods_code="AB12", kind=Organisation.Kind.HEADQUARTERS)
    sub_site = OrganisationFactory(ods_code="VJ777")
    case["helpdesk:hq-unlink"] = [sub_site.ods_code]
    Organisation.objects.filter(pk=sub_site.pk).update(
        parent=Organisation.objects.get(ods_code="AB12")
    )
    _signed_in(client, helpdesk_operator)
    before = _changes()
    for name in FORMS:
        for reason in ("", "  "):
            response = client.post(
                reverse(name, args=case[name]), {**FILLED.get(name, {}), "reason": reason}
            )
            assert response.status_code == 400, name
            body = response.content.decode()
            assert "There is a problem" in body, name
            assert "Enter the reason" in body, name
            assert "<title>Error: " in body, name
    assert _changes() == before


@pytest.mark.django_db
def test_a_person_of_another_organisation_is_not_made_administrator_here(
    client, helpdesk_operator, organisation, outsider
):
    _signed_in(client, helpdesk_operator)
    url = reverse("helpdesk:make-administrator", args=[outsider.pk, organisation.pk])
    page = client.get(url).content.decode()
    assert "is not a member of Langdale House and has no invitation there" in page
    response = client.post(url, {"expected": "none", "reason": REASON})
    assert response.status_code == 400
    assert "is not a member of Langdale House" in response.content.decode()
    assert not Membership.objects.filter(user=outsider, organisation=organisation).exists()


@pytest.mark.django_db
def test_an_invitation_elsewhere_does_not_make_someone_administrator_here(
    client, helpdesk_operator, organisation, other_organisation, outsider
):
    """Ana is invited to the other organisation only: the helpdesk cannot make her an
    administrator of this one by sending this one's id."""
    ana = UserFactory(email="ana.smith@care.example")
    organisation_services.invitation_create(
        organisation=other_organisation,
        email=ana.email,
        role=Role.MEMBER,
        invited_by=outsider,
        accept_url_for=str,
    )
    _signed_in(client, helpdesk_operator)
    url = reverse("helpdesk:make-administrator", args=[ana.pk, organisation.pk])
    response = client.post(url, {"expected": "invited:member", "reason": REASON})
    assert response.status_code == 409  # what the page says is not what is true here
    response = client.post(url, {"expected": "none", "reason": REASON})
    assert response.status_code == 400
    assert not organisation.invitations.exists()


@pytest.mark.django_db
def test_missing_ids_are_not_found(client, helpdesk_operator):
    _signed_in(client, helpdesk_operator)
    for name, args in (
        ("helpdesk:request", [999999]),
        ("helpdesk:person", [999999]),
        ("helpdesk:suspend", ["NOPE1"]),
        ("helpdesk:invitation-resend", [999999]),
        ("helpdesk:make-administrator", [999999, 999999]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name


@pytest.mark.django_db
def test_operators_cannot_act_on_themselves_or_other_helpdesk_staff(
    client, helpdesk_operator, helpdesk_auditor
):
    _signed_in(client, helpdesk_operator)
    for person in (helpdesk_operator, helpdesk_auditor):
        page = client.get(reverse("helpdesk:person", args=[person.pk])).content.decode()
        assert "Reset<span" not in page
        response = client.post(
            reverse("helpdesk:reset-two-factor", args=[person.pk]),
            {"identity_checked": "on", "reason": REASON},
        )
        assert response.status_code == 403
    assert TOTP_COUNT(helpdesk_operator) == 1


def TOTP_COUNT(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user).count()


@pytest.mark.django_db
def test_approving_from_the_queue(client, case, helpdesk_operator):
    _signed_in(client, helpdesk_operator)
    queue = client.get(reverse("helpdesk:requests")).content.decode()
    assert "Hill Surgery (P87657)" in queue
    response = client.post(
        reverse("helpdesk:request", args=case["helpdesk:request"]),
        {"decision": "approve", "reason": "Checked with the ICB"},
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["gp@surgery.example"]
    assert "/register/complete/" in mail.outbox[-1].body
    assert "Hill Surgery" not in client.get(reverse("helpdesk:requests")).content.decode()
    decided = client.get(reverse("helpdesk:requests") + "?tab=decided").content.decode()
    assert "Approved by Jo Bloggs" in decided


@pytest.mark.django_db
def test_approving_a_registered_organisation_offers_suspending_it(
    client, helpdesk_operator, organisation
):
    stored = organisation_services.registration_request_store(
        organisation=organisation, email="owner@x.example", full_name="Owner", reason="Mine"
    )
    _signed_in(client, helpdesk_operator)
    response = client.post(
        reverse("helpdesk:request", args=[stored.pk]), {"decision": "approve", "reason": REASON}
    )
    assert response.status_code == 409
    assert reverse("helpdesk:suspend", args=[organisation.ods_code]) in response.content.decode()


# --- A suspended organisation's people ------------------------------------------------------------


@pytest.fixture
def suspended(client, helpdesk_operator, organisation, administrator, bank):
    from audit.services import Actor
    from helpdesk.action_services import registration_suspend

    verified_device(administrator)
    registration_suspend(
        organisation_id=organisation.pk,
        reason="Disputed registration",
        actor=Actor(user=helpdesk_operator),
    )
    return organisation


SUSPENDED = "<h1>Your organisation's registration is suspended</h1>"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "status"),
    [("home", 200), ("assessment-overview", 403), ("publish-start", 403), ("people-list", 403)],
)
def test_a_suspended_organisations_people_are_told_so_on_every_kind_of_page(
    client, suspended, administrator, bank, page, status
):
    as_person(client, (administrator, administrator.totpdevice_set.first()))
    args = [bank.year] if page == "assessment-overview" else []
    response = client.get(reverse(page, args=args))
    assert response.status_code == status
    assert SUSPENDED in response.content.decode()


@pytest.mark.django_db
def test_their_other_organisation_still_works(client, suspended, administrator, bank):
    other = MembershipFactory(user=administrator, role=Role.ADMINISTRATOR).organisation
    as_person(client, (administrator, administrator.totpdevice_set.first()))
    home = client.get(reverse("home")).content.decode()
    assert other.name in home
    assert SUSPENDED not in home
    assert client.get(reverse("assessment-overview", args=[bank.year])).status_code == 200
    publish = client.get(reverse("publish-start"))  # on to start the assessment first
    assert publish.status_code == 302
    assert publish["Location"] == reverse("assessment-overview", args=[bank.year])
    # The suspended one cannot be chosen.
    response = client.post(reverse("organisation-change"), {"organisation": suspended.pk})
    assert response.status_code == 400


# --- The Activity page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_activity_page_names_the_helpdesk(client, helpdesk_operator, organisation, member):
    from audit.services import Actor
    from helpdesk.action_services import administrator_make

    Membership.objects.filter(user=member).update(role=Role.MEMBER)
    member.full_name = "Ana Smith"
    member.save()
    administrator_make(
        user_id=member.pk,
        organisation_id=organisation.pk,
        expected_state="member",
        reason=REASON,
        actor=Actor(user=helpdesk_operator),
    )
    as_person(client, (member, verified_device(member)))
    page = client.get(reverse("activity")).content.decode()
    assert "Helpdesk (Jo Bloggs)" in page
    assert "The helpdesk made Ana Smith an administrator: Previous administrator left" in page
    assert AuditEvent.objects.get(event=Event.ADMINISTRATOR_MADE).user == helpdesk_operator
