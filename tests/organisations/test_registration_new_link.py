"""'Send a new link' for a registration whose emailed link expired: sent to the address already on
the registration (never a typed one), with the helpdesk's approval it carried, audited, limited
per registration; every earlier link stops working."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, Event
from audit.services import Actor
from helpdesk import action_services
from organisations import services
from organisations.models import Organisation, PendingRegistration
from organisations.roles import Role
from organisations.rules import NEW_LINKS_PER_DAY, new_link_wait

from ..factories import OrganisationFactory, RegisteredOrganisationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "sunlit-meadow-kettle-42"
ACCOUNT = {"full_name": "Rosa Registrar", "password1": PASSWORD, "password2": PASSWORD}
LINK = re.compile(r"https?://testserver(/register/complete/[^/\s]+/)")
EMAIL = "rosa@brook.example"
EXPIRED = datetime.timedelta(hours=25)
T = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
H = datetime.timedelta(hours=1)


def ask_for_link(client, code, email=EMAIL):
    client.post(reverse("register"), {"ods_code": code})
    client.post(reverse("register-confirm"), {"email": email, "confirm": "on"})
    return LINK.search(mail.outbox[-1].body).group(1)


def new_link_url(link: str) -> str:
    return link + "new-link/"


def error_text(response) -> str:
    summary = BeautifulSoup(response.content, "html.parser").select_one(".nhsuk-error-summary")
    return " ".join(summary.get_text(" ").split()) if summary else ""


def later(delta):
    return time_machine.travel(delta)


# --- The limit: a plain rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent_at", "wait_until"),
    [
        ([], None),
        ([T - H, T - 2 * H], None),  # two of three
        ([T - H, T - 2 * H, T - 3 * H], T - 3 * H + 24 * H),  # three: the oldest must age out
        ([T - H, T - 2 * H, T - 25 * H], None),  # one is older than a day
        ([T - H, T - 2 * H, T - 3 * H, T - 4 * H], T - 3 * H + 24 * H),
    ],
)
def test_new_link_wait(sent_at, wait_until):
    assert NEW_LINKS_PER_DAY == 3
    assert new_link_wait(sent_at=sent_at, now=T) == wait_until


# --- The person's way ----------------------------------------------------------------------------


def test_an_expired_link_offers_a_new_one_sent_to_the_same_address(client):
    home = OrganisationFactory(ods_code="VNL01", name="Brook House")
    old = ask_for_link(client, "VNL01")
    with later(EXPIRED):
        page = client.get(old)
        assert page.status_code == 410
        assert "This link has expired" in error_text(page)
        soup = BeautifulSoup(page.content, "html.parser")
        form = soup.find("form", action=new_link_url(old))
        assert form.find("button").get_text(strip=True) == "Send a new link"
        assert f"We will email a new link to {EMAIL}" in soup.get_text(" ")
        assert form.find("input", attrs={"name": "email"}) is None  # nothing to type

        # A typed address is never used, whatever the request carries.
        sent = client.post(new_link_url(old), {"email": "attacker@evil.example"})
        assert sent.status_code == 200
        assert "We have sent a new link to rosa@brook.example" in " ".join(
            sent.content.decode().split()
        )
        message = mail.outbox[-1]
        assert message.to == [EMAIL]
        assert "Here is the new link you asked for" in message.body
        assert all("evil" not in ",".join(m.to) for m in mail.outbox)
        new = LINK.search(message.body).group(1)
        assert new != old

        # The old link stops working; the new one registers the organisation.
        assert client.get(old).status_code == 410
        assert client.post(old, ACCOUNT).status_code == 410
        assert client.post(new, ACCOUNT).status_code == 302
    home.refresh_from_db()
    assert home.is_registered
    assert home.memberships.get().user.email == EMAIL
    event = AuditEvent.objects.get(event=Event.REGISTRATION_LINK_RESENT)
    assert event.organisation == home
    assert event.actor_email == EMAIL
    assert event.detail.startswith(
        f"A new link to finish registering Brook House was emailed to {EMAIL}"
    )
    assert event.ip_address == "127.0.0.1"


def test_a_helpdesk_approved_link_keeps_its_approval(helpdesk_operator):
    surgery = OrganisationFactory(ods_code="P87650", name="Hill Surgery", primary_sector="GP")
    stored = services.registration_request_store(
        organisation=surgery, email="gp@surgery.example", full_name="Gita Patel", reason="GP"
    )
    action_services.registration_request_approve(
        request_id=stored.pk,
        reason="Checked with the ICB",
        link_for=lambda token: f"http://testserver/register/complete/{token}/",
        actor=Actor(user=helpdesk_operator, ip_address="192.0.2.10"),
    )
    old = LINK.search(mail.outbox[-1].body).group(1)
    client = Client()
    with later(EXPIRED):
        page = client.get(old)
        assert page.status_code == 410
        assert BeautifulSoup(page.content, "html.parser").find("form", action=new_link_url(old))
        assert client.post(new_link_url(old)).status_code == 200
        new = LINK.search(mail.outbox[-1].body).group(1)
        assert mail.outbox[-1].to == ["gp@surgery.example"]
        assert (
            PendingRegistration.objects.get(completed_at=None, cancelled_at=None).approved_request
            == stored
        )
        assert client.post(new, ACCOUNT).status_code == 302
    surgery.refresh_from_db()
    assert surgery.is_registered
    assert surgery.memberships.get().role == Role.ADMINISTRATOR
    assert (
        "(approved by the helpdesk)"
        in AuditEvent.objects.get(event=Event.REGISTRATION_LINK_RESENT).detail
    )


# --- Refusals ------------------------------------------------------------------------------------


def test_someone_elses_or_a_made_up_link_sends_nothing(client):
    OrganisationFactory(ods_code="VNL02")
    theirs = ask_for_link(Client(), "VNL02", email="owner@brook.example")
    sent = len(mail.outbox)
    with later(EXPIRED):
        for token in ("not-a-token", "A" * 43, "x" * 300):
            response = client.post(f"/register/complete/{token}/new-link/")
            assert response.status_code == 404
            assert "We cannot find this registration link" in error_text(response)
        # Their registration is untouched: its link still leads to the offer, for its own address.
        page = client.get(theirs)
        assert "owner@brook.example" in page.content.decode()
    assert len(mail.outbox) == sent
    assert not AuditEvent.objects.filter(event=Event.REGISTRATION_LINK_RESENT).exists()


def test_a_new_link_for_one_registration_leaves_another_working(client):
    OrganisationFactory(ods_code="VNL03")
    OrganisationFactory(ods_code="VNL04")
    mine = ask_for_link(client, "VNL03")
    with later(datetime.timedelta(hours=20)):
        theirs = ask_for_link(Client(), "VNL04", email="other@brook.example")
    with later(EXPIRED):
        assert client.post(new_link_url(mine)).status_code == 200
        assert mail.outbox[-1].to == [EMAIL]
        assert Client().get(theirs).status_code == 200  # still works


def test_a_link_that_still_works_is_not_replaced(client):
    OrganisationFactory(ods_code="VNL05")
    link = ask_for_link(client, "VNL05")
    sent = len(mail.outbox)
    response = client.post(new_link_url(link))
    assert response.status_code == 409
    assert "This link still works: use it to finish registering" in error_text(response)
    assert len(mail.outbox) == sent
    assert client.get(link).status_code == 200


def test_a_finished_registration_gets_no_new_link(client):
    OrganisationFactory(ods_code="VNL06")
    first = ask_for_link(client, "VNL06")
    with later(EXPIRED):
        client.post(new_link_url(first))
        second = LINK.search(mail.outbox[-1].body).group(1)
        assert client.post(second, ACCOUNT).status_code == 302
        client.logout()
        sent = len(mail.outbox)
        for link in (first, second):
            response = client.post(new_link_url(link))
            assert response.status_code == 410
            assert "This registration has been finished" in error_text(response)
        assert len(mail.outbox) == sent


def test_no_new_link_once_someone_else_registered_the_organisation(client):
    home = OrganisationFactory(ods_code="VNL07", name="Brook House")
    link = ask_for_link(client, "VNL07")
    Organisation.objects.filter(pk=home.pk).update(
        registration_state=Organisation.RegistrationState.REGISTERED,
        registered_at=RegisteredOrganisationFactory().registered_at,
    )
    with later(EXPIRED):
        page = client.get(link)
        assert (
            BeautifulSoup(page.content, "html.parser").find("form", action=new_link_url(link))
            is None
        )
        sent = len(mail.outbox)
        response = client.post(new_link_url(link))
        assert response.status_code == 409
        assert "was registered by someone else" in error_text(response)
        assert len(mail.outbox) == sent


def test_a_forged_post_is_refused(db):
    OrganisationFactory(ods_code="VNL08")
    link = ask_for_link(Client(), "VNL08")
    browser = Client(enforce_csrf_checks=True)
    with later(EXPIRED):
        sent = len(mail.outbox)
        assert browser.post(new_link_url(link)).status_code == 403
        assert len(mail.outbox) == sent
        assert browser.get(new_link_url(link)).status_code == 405
        # With the page's own token it works.
        page = browser.get(link).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        assert browser.post(new_link_url(link), {"csrfmiddlewaretoken": token}).status_code == 200
        assert len(mail.outbox) == sent + 1


def test_repeated_requests_hit_the_limit_with_a_clear_message(client):
    OrganisationFactory(ods_code="VNL09")
    first = ask_for_link(client, "VNL09")
    with later(EXPIRED):
        for _ in range(NEW_LINKS_PER_DAY):
            # The person keeps asking from the same old email: each time a new link is sent.
            assert client.post(new_link_url(first)).status_code == 200
        sent = len(mail.outbox)
        newest = LINK.search(mail.outbox[-1].body).group(1)
        refused = client.post(new_link_url(first))
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        message = error_text(refused)
        assert (
            f"We have already sent {NEW_LINKS_PER_DAY} new links for this registration" in message
        )
        assert "Check your inbox and junk or spam folder" in message
        assert "You can ask for another after" in message
        assert len(mail.outbox) == sent
        assert client.get(newest).status_code == 200  # the newest link still works
    assert AuditEvent.objects.filter(event=Event.REGISTRATION_LINK_RESENT).count() == 3
    # A day later the oldest has left the window (and the newest link has expired).
    with later(EXPIRED + datetime.timedelta(hours=24, minutes=1)):
        assert client.post(new_link_url(first)).status_code == 200
