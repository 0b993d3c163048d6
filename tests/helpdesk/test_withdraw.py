"""Withdrawing a publication made in error or by fraud (helpdesk:publication-withdraw and
helpdesk.services.publication_withdraw), and what follows everywhere a status is decided: the
register (search, organisation page, CSV), branches an HQ published for, certificate checks and
downloads, the organisation's own pages, the reminders and publishing again."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from assessments.vocabulary import format_date
from audit.models import AuditEvent, Event
from audit.services import Actor
from documents.models import DocumentJob
from helpdesk.models import Operator
from helpdesk.roles import HelpdeskRole
from helpdesk.services import ActionRefused, publication_withdraw
from organisations.models import Organisation
from organisations.roles import Role
from publishing import inputs
from publishing import services as publishing_services
from publishing.models import Publication
from publishing.reminder_rules import KINDS
from publishing.reminders import reminders_send

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
    answer_items,
    publication_build,
)
from ..people import as_person, verified_device

REASON = "Published by mistake: the wrong organisation was chosen"


def _ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _staff(email: str, role: HelpdeskRole):
    user = UserFactory(email=email, full_name=f"Helpdesk {role.label.split()[-1]}")
    Operator.objects.create(user=user, role=role)
    return user


@pytest.fixture
def operator(db):
    return _staff("operator@helpdesk.example", HelpdeskRole.OPERATOR)


@pytest.fixture
def auditor(db):
    return _staff("auditor@helpdesk.example", HelpdeskRole.AUDITOR)


@pytest.fixture
def earlier(organisation, bank):
    """Langdale House's earlier publication: Standards Met, 20 days ago."""
    return publication_build(organisation, bank, level="met", published_at=_ago(20))


@pytest.fixture
def mistaken(organisation, bank, earlier):
    """Its latest publication, the one made by mistake: Standards Exceeded, 10 days ago."""
    return publication_build(organisation, bank, level="exceeded", published_at=_ago(10))


def _withdraw(publication, user, reason=REASON):
    return publication_withdraw(publication=publication, reason=reason, actor=Actor(user=user))


def _signed_in(client, user):
    as_person(client, (user, verified_device(user)))
    return client


def _url(publication) -> str:
    return reverse("helpdesk:publication-withdraw", args=[publication.pk])


def _public_status(client, organisation) -> str:
    html = client.get(reverse("organisation-public", args=[organisation.ods_code])).content
    match = re.search(
        r'Status</dt>\s*<dd class="nhsuk-summary-list__value">([^<]*)</dd>', html.decode()
    )
    return match.group(1)


# The service -------------------------------------------------------------------------------------


def test_withdrawing_keeps_the_publication_and_records_who_why_and_when(
    administrator, operator, mistaken
):
    _withdraw(mistaken, operator, reason="  Published   by mistake  ")
    mistaken.refresh_from_db()
    assert mistaken.is_withdrawn
    assert mistaken.withdrawn_by == operator
    assert mistaken.withdrawn_by_name == "Helpdesk operator"
    assert mistaken.withdrawn_reason == "Published by mistake"
    assert Publication.objects.filter(pk=mistaken.pk).exists()
    event = AuditEvent.objects.get(event=Event.PUBLICATION_WITHDRAWN)
    assert event.organisation == mistaken.organisation
    assert event.user == operator
    assert event.detail == (
        "The helpdesk withdrew the 2025-26 Standards Exceeded publication: Published by mistake"
    )


def test_the_administrators_are_emailed_what_happened_and_why(
    organisation, administrator, member, operator, mistaken, settings
):
    settings.DSPT_SITE_URL = "https://dspt.example"
    _withdraw(mistaken, operator)
    (message,) = mail.outbox
    assert message.to == [administrator.email]  # administrators only, not members
    assert message.subject == "25/26 Standards Exceeded publication withdrawn: Langdale House"
    assert f"Why: {REASON}" in message.body
    assert "The public register now shows: 25/26 Standards Met." in message.body
    assert f"withdrawn on {format_date(timezone.localdate())}" in message.body
    assert "https://dspt.example/organisations/VAB12/" in message.body
    assert "You can publish again" in message.body


def test_a_mail_failure_does_not_undo_the_withdrawal(
    administrator, operator, mistaken, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OSError("SMTP refused")

    monkeypatch.setattr("helpdesk.services.send_mail", refuse)
    _withdraw(mistaken, operator)
    mistaken.refresh_from_db()
    assert mistaken.is_withdrawn


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter the reason"),
        ("   ", "Enter the reason"),
        ("oops", "Reason must say what happened (5 characters or more)"),
        ("x" * 501, "Reason must be 500 characters or fewer"),
    ],
)
def test_a_reason_is_needed(operator, mistaken, reason, message):
    with pytest.raises(ActionRefused, match=re.escape(message)) as refused:
        _withdraw(mistaken, operator, reason=reason)
    assert refused.value.field == "reason"
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn
    assert not AuditEvent.objects.filter(event=Event.PUBLICATION_WITHDRAWN).exists()


def test_a_publication_is_withdrawn_once(operator, mistaken):
    stale = Publication.objects.get(pk=mistaken.pk)  # read before the first withdrawal
    _withdraw(mistaken, operator)
    with pytest.raises(ActionRefused, match=r"was already withdrawn on .* by Helpdesk operator"):
        _withdraw(stale, operator, reason="Pressed twice by another operator")
    stale.refresh_from_db()
    assert stale.withdrawn_reason == REASON
    assert AuditEvent.objects.filter(event=Event.PUBLICATION_WITHDRAWN).count() == 1


@pytest.mark.parametrize("who", ["auditor", "administrator", "nobody"])
def test_only_operators_may_withdraw(request, mistaken, who):
    user = None if who == "nobody" else request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        _withdraw(mistaken, user)
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn
    assert mail.outbox == []


# The public register -----------------------------------------------------------------------------


def test_the_register_shows_the_previous_status(client, organisation, operator, mistaken):
    assert _public_status(client, organisation) == "25/26 Standards Exceeded"
    _withdraw(mistaken, operator)

    assert _public_status(client, organisation).endswith("25/26 Standards Met")
    page = client.get(reverse("organisation-public", args=["VAB12"])).content.decode()
    assert f"Withdrawn on {format_date(timezone.localdate())}" in page
    assert REASON not in page  # the reason is for the organisation, not the public
    search = client.get(reverse("organisation-search"), {"q": "Langdale"}).content.decode()
    assert "25/26 Standards Met" in search
    assert "Standards Exceeded" not in search
    csv = client.get(reverse("organisation-search-csv"), {"q": "Langdale"}).content.decode()
    assert "25/26 Standards Met" in csv
    assert "Standards Exceeded" not in csv


def test_with_nothing_before_it_the_register_shows_not_published(
    client, organisation, bank, operator
):
    only = publication_build(organisation, bank, level="met")
    _withdraw(only, operator)
    assert _public_status(client, organisation) == "Registered, not published"
    csv = client.get(reverse("organisation-search-csv"), {"q": "VAB12"}).content.decode()
    assert "Not Published" in csv  # the toolkit's words in the CSV
    assert "Standards Met" not in csv


def test_an_hqs_withdrawn_publication_stops_deciding_its_branches(client, bank, operator):
    hq = RegisteredOrganisationFactory(
        ods_code="VHQ01", name="Care Group HQ", kind=Organisation.Kind.HEADQUARTERS
    )
    covered_before = OrganisationFactory(ods_code="VBR01", name="Older Cover Branch", parent=hq)
    covered_once = OrganisationFactory(ods_code="VBR02", name="New Cover Branch", parent=hq)
    publication_build(hq, bank, level="met", published_at=_ago(30), sites=[covered_before])
    mistaken = publication_build(
        hq, bank, level="exceeded", published_at=_ago(5), sites=[covered_before, covered_once]
    )
    assert _public_status(client, covered_once) == "25/26 Standards Exceeded"

    _withdraw(mistaken, operator)

    # Back to the HQ's earlier publication that listed it, or to none.
    assert _public_status(client, covered_before).endswith("25/26 Standards Met")
    assert _public_status(client, covered_once) == "Not registered"
    hq_page = client.get(reverse("organisation-public", args=["VHQ01"])).content.decode()
    assert "Standards Exceeded</td>" not in hq_page  # the branches table
    assert "Not registered" in hq_page


def test_the_certificate_check_says_withdrawn_and_nothing_more(client, operator, earlier, mistaken):
    _withdraw(mistaken, operator)
    page = client.get(reverse("certificate-verify", args=[mistaken.verification_code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Withdrawn on {format_date(timezone.localdate())}" in html
    assert "genuine" not in html.lower()
    assert "current" not in re.sub(r"current status", "", html.split("<main")[1].lower())
    # The earlier certificate is no longer replaced by the withdrawn one.
    earlier_page = client.get(reverse("certificate-verify", args=[earlier.verification_code]))
    assert "This certificate is genuine and current" in earlier_page.content.decode()


# The organisation's own pages --------------------------------------------------------------------


def test_the_organisation_sees_it_withdrawn_and_its_certificate_is_refused(
    client, administrator, operator, mistaken, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    made_before = DocumentJob.objects.create(
        organisation=mistaken.organisation,
        kind=DocumentJob.Kind.CERTIFICATE,
        publication=mistaken,
        subject=f"publication:{mistaken.pk}",
        fingerprint="published",
        state=DocumentJob.State.READY,
        file_name="certificate.pdf",
        content_type="application/pdf",
    )
    made_before.file.save("certificate.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    _withdraw(mistaken, operator)
    _signed_in(client, administrator)

    listing = client.get(reverse("publication-list")).content.decode()
    assert f"Withdrawn on {format_date(timezone.localdate())} by the helpdesk: {REASON}" in listing
    detail = client.get(reverse("publication-detail", args=[mistaken.pk])).content.decode()
    assert "This publication was withdrawn" in detail
    assert reverse("certificate-download", args=[mistaken.pk]) not in detail

    refused = client.post(reverse("certificate-download", args=[mistaken.pk]))
    assert refused.status_code == 410
    assert "This certificate was withdrawn" in refused.content.decode()
    assert DocumentJob.objects.filter(publication=mistaken).count() == 1  # nothing new made
    # A certificate made before the withdrawal is not handed out any more.
    for name in ("document-job-file", "document-job"):
        response = client.get(reverse(name, args=[made_before.pk]))
        assert response.status_code == 410, name
    assert client.post(reverse("document-job-retry", args=[made_before.pk])).status_code == 410

    start = client.get(reverse("publish-start")).content.decode()
    assert "Your current status is <strong>25/26 Standards Met</strong>" in start


def test_the_reminders_treat_the_organisation_as_not_published(organisation, bank, operator):
    # bank: 2025-26, deadline 30 June 2026; 60 days before it the reminder is due.
    MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email="boss@care.example"
    )
    published = RegisteredOrganisationFactory(ods_code="VPUB1")
    MembershipFactory(
        organisation=published, role=Role.ADMINISTRATOR, user__email="done@care.example"
    )
    on_day = bank.publication_deadline - datetime.timedelta(days=60)
    before = timezone.make_aware(datetime.datetime.combine(on_day, datetime.time(9)))
    mistaken = publication_build(
        organisation, bank, level="met", published_at=before - datetime.timedelta(days=3)
    )
    publication_build(published, bank, level="met", published_at=before)
    _withdraw(mistaken, operator)
    mail.outbox = []

    report = reminders_send(today=on_day)

    assert report.sent[KINDS[0]] == 1
    assert [message.to for message in mail.outbox] == [["boss@care.example"]]


def test_the_organisation_may_publish_again(
    client, organisation, administrator, operator, assessment
):
    answer_items(assessment, administrator)
    mistaken = publishing_services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )
    _withdraw(mistaken, operator)

    again = publishing_services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=2, user=administrator
    )

    assert not again.is_withdrawn
    assert _public_status(client, organisation) == "25/26 Standards Met"


def test_a_withdrawn_approaching_standards_does_not_spend_the_once_only_allowance(
    organisation, administrator, operator, assessment
):
    approaching = publication_build(organisation, assessment.bank, level="approaching")
    today = timezone.localdate()
    before = inputs.publishing_decision(assessment=assessment, publication_date=today)
    assert "approaching_already_published" in {
        problem.code for problem in before.problems_for("approaching")
    }
    _withdraw(approaching, operator)
    after = inputs.publishing_decision(assessment=assessment, publication_date=today)
    assert "approaching_already_published" not in {
        problem.code for problem in after.problems_for("approaching")
    }


# The page ----------------------------------------------------------------------------------------


def test_the_page_shows_the_publication_and_the_branches_it_decides(client, bank, operator):
    hq = RegisteredOrganisationFactory(
        ods_code="VHQ02", name="Group Head Office", kind=Organisation.Kind.HEADQUARTERS
    )
    covered = OrganisationFactory(ods_code="VBR11", name="Covered Branch", parent=hq)
    own_voice = RegisteredOrganisationFactory(ods_code="VBR12", name="Own Voice", parent=hq)
    publication = publication_build(
        hq, bank, level="met", sites=[covered, own_voice], published_by_name="Pat Publisher"
    )
    response = _signed_in(client, operator).get(_url(publication))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Group Head Office (VHQ02)",
        "2025-26",
        "Standards Met",
        "by Pat Publisher",
        "decides the status of 1 of them",
        "I understand the public register will show the previous status",
    ):
        assert text in html, text


def test_an_operator_withdraws_through_the_page(client, operator, mistaken):
    _signed_in(client, operator)
    response = client.post(_url(mistaken), {"reason": REASON, "confirm": "on"}, follow=True)
    assert response.redirect_chain == [(_url(mistaken), 302)]
    html = response.content.decode()
    assert "You have withdrawn 25/26 Standards Exceeded for Langdale House" in html
    assert "What the public register shows now" in html
    assert re.search(r'id="public-status">[^<]*25/26 Standards Met', html)
    assert 'name="reason"' not in html  # no second withdrawal offered

    again = client.post(_url(mistaken), {"reason": "Second try at once", "confirm": "on"})
    assert again.status_code == 409
    assert "was already withdrawn" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"confirm": "on"}, "Enter the reason"),
        ({"reason": "hm", "confirm": "on"}, "Reason must say what happened"),
        ({"reason": REASON}, "Confirm that you understand the public register will show"),
    ],
)
def test_bad_input_is_refused_with_an_error_summary(client, operator, mistaken, data, message):
    response = _signed_in(client, operator).post(_url(mistaken), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="nhsuk-error-summary"' in html
    assert message in html
    assert "<title>Error: " in html
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn


def test_an_auditor_reads_the_page_but_cannot_withdraw(client, auditor, mistaken):
    _signed_in(client, auditor)
    page = client.get(_url(mistaken))
    assert page.status_code == 200
    assert "Only helpdesk operators can withdraw a publication" in page.content.decode()
    assert client.post(_url(mistaken), {"reason": REASON, "confirm": "on"}).status_code == 403
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn


def test_a_provider_administrator_cannot_reach_or_withdraw_even_their_own(
    client, administrator, mistaken
):
    # An attacker with a verified administrator's session and the publication's id.
    _signed_in(client, administrator)
    assert client.get(_url(mistaken)).status_code == 403
    forged = client.post(_url(mistaken), {"reason": REASON, "confirm": "on"})
    assert forged.status_code == 403
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn


def test_an_operator_without_a_second_factor_is_sent_to_pass_it(client, operator, mistaken):
    client.force_login(operator)  # no verified device in this session
    response = client.post(_url(mistaken), {"reason": REASON, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))
    mistaken.refresh_from_db()
    assert not mistaken.is_withdrawn


def test_a_publication_that_does_not_exist(client, operator):
    response = _signed_in(client, operator).get(
        reverse("helpdesk:publication-withdraw", args=[999999])
    )
    assert response.status_code == 404


# Finding a publication ---------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["ods", "certificate"])
def test_an_operator_finds_an_organisations_publications(client, operator, mistaken, how):
    query = "  vab12 " if how == "ods" else mistaken.verification_code.lower().replace("-", " ")
    response = _signed_in(client, operator).get(reverse("helpdesk:publication-find"), {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Langdale House (VAB12)" in html
    assert html.count("View or withdraw") == 2
    assert _url(mistaken) in html
    assert ("The certificate code you entered" in html) is (how == "certificate")


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 400, "Enter an ODS code or a certificate code"),
        ("VNONE9", 404, "No organisation or certificate has that code"),
        ("ABCDE-FGHJK-MNPQR-STVWX", 404, "No organisation or certificate has that code"),
    ],
)
def test_finding_nothing_says_so(client, operator, query, status, message):
    response = _signed_in(client, operator).get(reverse("helpdesk:publication-find"), {"q": query})
    assert response.status_code == status
    assert 'class="nhsuk-error-summary"' in response.content.decode()
    assert message in response.content.decode()
