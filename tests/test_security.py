"""Headers, lockout, idle sessions, two-factor authentication, audit trail, rate limits."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from assessments import services as assessment_services
from audit.models import AuditEvent
from organisations.roles import Role
from publishing import services as publishing_services
from publishing.models import Publication, PublicationSite

from .conftest import PASSWORD
from .factories import MembershipFactory, OrganisationFactory, answer_items, bank_build

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("sign-in"), {"username": email, "password": password}, **extra)


# --- Headers ---------------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    body = response.content.decode()
    # The one inline script carries the nonce; there is no other.
    assert body.count("<script") == 2
    assert f'<script nonce="{nonce}">' in body
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_nonces_differ_between_responses(client):
    first = client.get(reverse("home"))["Content-Security-Policy"]
    second = client.get(reverse("home"))["Content-Security-Policy"]
    assert first != second


# --- Sign-in protection ----------------------------------------------------------------------


def test_repeated_failures_lock_the_account_with_a_plain_message(client, member):
    for _ in range(4):
        assert sign_in(client, member.email, "wrong-password-1").status_code == 200
    assert sign_in(client, member.email, "wrong-password-1").status_code == 429
    locked = sign_in(client, member.email)  # even the right password, for now
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The five wrong passwords, and the right one refused while locked.
    assert AuditEvent.objects.filter(event="sign_in_failed", user=member).count() == 6

    with time_machine.travel(datetime.timedelta(minutes=16)):
        assert sign_in(client, member.email).status_code == 302


def test_sessions_end_after_an_hour_without_activity(client, member):
    assert sign_in(client, member.email).status_code == 302
    assert client.get(reverse("profile")).status_code == 200
    with time_machine.travel(datetime.timedelta(minutes=61)):
        response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_activity_keeps_the_session_alive(client, member):
    sign_in(client, member.email)
    for minutes in (10, 40, 70, 100):
        with time_machine.travel(datetime.timedelta(minutes=minutes)):
            assert client.get(reverse("profile")).status_code == 200


# --- Two-factor authentication -----------------------------------------------------------------


@pytest.fixture
def require_mfa(settings):
    settings.DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS = True


def set_up_mfa(client) -> list[str]:
    client.get(reverse("mfa-setup"))
    key = bytes.fromhex(client.session[mfa.SETUP_KEY_SESSION_KEY])
    response = client.post(reverse("mfa-setup"), {"code": totp(key)})
    assert response.status_code == 200
    return re.findall(r"<code[^>]*>([0-9a-z]+)</code>", response.content.decode())


def test_administrators_are_taken_to_set_up_before_managing_people(
    client, administrator, require_mfa
):
    sign_in(client, administrator.email)
    response = client.get(reverse("people-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    assert client.get(reverse("publish-start")).status_code == 302

    page = client.get(reverse("mfa-setup")).content.decode()
    assert "<svg" in page  # the QR code, drawn inline
    wrong = client.post(reverse("mfa-setup"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "The code is not right" in wrong.content.decode()

    # A wrong code makes the next try wait a moment (django-otp's throttling).
    with time_machine.travel(datetime.timedelta(seconds=5)):
        codes = set_up_mfa(client)
    assert len(codes) == 10
    assert client.get(reverse("people-list")).status_code == 200
    assert AuditEvent.objects.filter(event="mfa_enabled", user=administrator).exists()


def test_members_are_encouraged_not_forced(client, member, require_mfa):
    sign_in(client, member.email)
    # Not sent to set up two-factor authentication: the page itself (no question bank yet).
    current = client.get(reverse("assessment-current"))
    assert current.status_code == 404
    assert "assessments/no_bank.html" in [t.name for t in current.templates]
    assert client.get(reverse("profile")).status_code == 200
    assert "Set up two-factor authentication" in client.get(reverse("account")).content.decode()


def test_signing_in_with_two_factor_asks_for_the_code(client, administrator, require_mfa):
    sign_in(client, administrator.email)
    codes = set_up_mfa(client)
    client.post(reverse("sign-out"))

    assert sign_in(client, administrator.email).status_code == 302
    blocked = client.get(reverse("profile"))
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("mfa-verify"))
    assert client.post(reverse("mfa-verify"), {"code": "123456"}).status_code == 400

    # A wrong code makes the next try wait a moment (django-otp's throttling).
    with time_machine.travel(datetime.timedelta(seconds=5)):
        # A recovery code works once.
        response = client.post(
            reverse("mfa-verify") + "?next=/organisation/profile/", {"code": codes[0]}
        )
        assert response.status_code == 302
        assert response["Location"] == "/organisation/profile/"
        assert client.get(reverse("people-list")).status_code == 200
        client.post(reverse("sign-out"))
        sign_in(client, administrator.email)
        assert client.post(reverse("mfa-verify"), {"code": codes[0]}).status_code == 400
    with time_machine.travel(datetime.timedelta(seconds=90)):
        device = TOTPDevice.objects.get(user=administrator)
        code = totp(device.bin_key)
        assert client.post(reverse("mfa-verify"), {"code": code}).status_code == 302


def test_mfa_verify_refuses_an_outside_next_address(client, administrator, require_mfa):
    sign_in(client, administrator.email)
    codes = set_up_mfa(client)
    client.post(reverse("sign-out"))
    sign_in(client, administrator.email)
    response = client.post(
        reverse("mfa-verify") + "?next=https://evil.example/", {"code": codes[1]}
    )
    assert response["Location"] == reverse("home")


# --- Audit trail ------------------------------------------------------------------------------


def test_the_activity_page_shows_the_organisations_own_events(
    client, administrator, member, outsider, organisation
):
    client.force_login(administrator)
    client.post(reverse("people-invite"), {"email": "new@care.example", "role": "viewer"})
    membership = member.memberships.get(organisation=organisation)
    client.post(
        reverse("people-change-role", args=[membership.pk]),
        {"role": "viewer", "expected_role": "member"},
    )
    client.force_login(outsider)
    client.post(reverse("people-invite"), {"email": "theirs@elsewhere.example", "role": "viewer"})

    client.force_login(administrator)
    sign_in(client, member.email, "wrong-password-1")  # a failed sign-in of one of ours
    client.force_login(administrator)
    page = client.get(reverse("activity")).content.decode()
    assert "Invitation sent: new@care.example as viewer" in page
    assert "Role changed" in page
    assert "member to viewer" in page
    assert "Sign-in failed" in page
    assert "Invitation sent: theirs@elsewhere.example" not in page

    filtered = client.get(reverse("activity"), {"event": "role_changed"}).content.decode()
    assert "Role changed" in filtered
    assert "Invitation sent:" not in filtered
    assert client.get(reverse("activity"), {"event": "<script>", "page": "9999"}).status_code == 200

    client.force_login(member)
    assert client.get(reverse("activity")).status_code == 403


# --- Rate limits ------------------------------------------------------------------------------


def test_the_public_search_is_rate_limited(client, settings, db):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 3, "verify": 2}
    cache.clear()
    for _ in range(3):
        assert client.get(reverse("organisation-search"), {"q": "care"}).status_code == 200
    limited = client.get(reverse("organisation-search"), {"q": "care"})
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert 0 < int(limited["Retry-After"]) <= 60
    # Another address is not affected.
    other = client.get(reverse("organisation-search"), {"q": "care"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200

    code = "ABCDE-FGHJK-MNPQR-STVWX"
    assert client.get(reverse("certificate-verify", args=[code])).status_code == 404
    assert client.get(reverse("certificate-verify", args=[code])).status_code == 404
    assert client.get(reverse("certificate-verify", args=[code])).status_code == 429
    cache.clear()


# --- Nothing half-published --------------------------------------------------------------------


def test_a_database_error_mid_publication_leaves_no_half_publication(
    administrator, organisation, monkeypatch
):
    from organisations.models import Organisation

    Organisation.objects.filter(pk=organisation.pk).update(kind=Organisation.Kind.HEADQUARTERS)
    branches = [OrganisationFactory(parent=organisation) for _ in range(3)]
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)

    def fail(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(PublicationSite.objects, "bulk_create", fail)
    with pytest.raises(DatabaseError):
        publishing_services.publication_create(
            assessment=assessment,
            level="met",
            site_ids=[b.pk for b in branches],
            sequence=1,
            user=administrator,
        )
    assert not Publication.objects.exists()
    assert not PublicationSite.objects.exists()
    monkeypatch.undo()
    publication = publishing_services.publication_create(
        assessment=assessment,
        level="met",
        site_ids=[b.pk for b in branches],
        sequence=1,
        user=administrator,
    )
    assert publication.sites.count() == 3


def test_a_second_membership_viewer_cannot_reach_admin_pages(client, viewer, other_organisation):
    MembershipFactory(user=viewer, organisation=other_organisation, role=Role.VIEWER)
    client.force_login(viewer)
    for name in ("people-list", "publish-start", "activity", "profile-edit"):
        assert client.get(reverse(name)).status_code == 403
