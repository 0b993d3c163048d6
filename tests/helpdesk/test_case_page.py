"""Find and the case page: the public register's search for helpdesk staff, and everything about
one organisation on one page, read only, never another organisation's data."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, Event
from audit.services import audit_record
from documents.models import DocumentJob
from helpdesk.models import Operator
from helpdesk.roles import HelpdeskRole
from helpdesk.rules import FailedSignIns, locked_out_until
from organisations.models import Invitation, Organisation, PendingRegistration, RegistrationRequest
from organisations.roles import Role

from ..conftest import PASSWORD
from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    UserFactory,
    answer_items,
    bank_build,
    publication_build,
)
from ..people import as_person, verified_device

FIND = reverse("helpdesk:find")


def staff(role=HelpdeskRole.OPERATOR, email="agent@helpdesk.example"):
    user = UserFactory(email=email, full_name="Sam Agent")
    Operator.objects.create(user=user, role=role)
    return user


def sign_in_verified(client, user) -> None:
    as_person(client, (user, verified_device(user)))


def case_url(organisation) -> str:
    return reverse("helpdesk:case", args=[organisation.ods_code])


def _visible(html: str) -> str:
    """Text as read out: tags, scripts and the headings repeated in each responsive table cell
    (hidden from screen readers) removed, white space collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span class="nhsuk-table-responsive__heading"[^>]*>.*?</span>', " ", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text_of(response) -> str:
    return _visible(response.content.decode())


def section(response, section_id: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<section id="{section_id}".*?</section>', html, flags=re.S)
    assert match, f"no section {section_id}"
    return _visible(match.group(0))


# --- Rules ---------------------------------------------------------------------------------------

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
COOL_OFF = datetime.timedelta(minutes=15)


def failed(count, *, minutes_ago=1, ip="203.0.113.5", username="ana@care.example"):
    return FailedSignIns(
        username=username,
        ip_address=ip,
        failures=count,
        last_attempt_at=NOW - datetime.timedelta(minutes=minutes_ago),
    )


@pytest.mark.parametrize(
    ("attempts", "until"),
    [
        ([], None),
        ([failed(4)], None),  # one short of the limit
        ([failed(5)], NOW + datetime.timedelta(minutes=14)),
        ([failed(9, minutes_ago=15)], NOW),  # the last minute of the cool-off still counts
        ([failed(9, minutes_ago=16)], None),  # cooled off
        # Two browsers from one address count together, as django-axes counts them.
        ([failed(3), failed(2, minutes_ago=5)], NOW + datetime.timedelta(minutes=14)),
        # Failures from different addresses do not add up: each address has its own lock.
        ([failed(3), failed(2, ip="198.51.100.1")], None),
        # The latest lock decides when signing in works again.
        (
            [failed(5, minutes_ago=10), failed(5, minutes_ago=2, ip="198.51.100.1")],
            NOW + datetime.timedelta(minutes=13),
        ),
    ],
)
def test_when_a_lock_out_ends(attempts, until):
    assert locked_out_until(attempts, limit=5, cool_off=COOL_OFF, now=NOW) == until


# --- Who may use Find ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_find_is_for_helpdesk_staff_with_a_second_factor(client, administrator):
    response = client.get(FIND)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))

    as_person(client, (administrator, verified_device(administrator)))
    assert client.get(FIND).status_code == 403
    assert client.get(FIND + "?q=langdale").status_code == 403

    operator = staff()
    client.force_login(operator)  # a password only: no second factor yet
    response = client.get(FIND)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-setup"))


# --- Find ----------------------------------------------------------------------------------------


@pytest.fixture
def agent_client(db):
    client = Client()
    sign_in_verified(client, staff())
    return client


@pytest.mark.django_db
def test_an_empty_search_shows_only_the_form(agent_client, organisation):
    for url in (FIND, FIND + "?q=", FIND + "?q=%20%20"):
        response = agent_client.get(url)
        assert response.status_code == 200
        assert 'role="search"' in response.content.decode()
        assert "<table" not in response.content.decode()


@pytest.mark.django_db
def test_find_by_part_of_the_name_in_any_case(agent_client, organisation):
    OrganisationFactory(ods_code="VQQ01", name="Langdale Court", town="Kendal", postcode="LA9 4AA")
    OrganisationFactory(ods_code="VQQ02", name="Somewhere Else")
    response = agent_client.get(FIND, {"q": "LANGDALE"})
    assert response.status_code == 200
    rows = re.findall(
        r"<tr class=\"nhsuk-table__row\">\s*<td.*?</tr>", response.content.decode(), re.S
    )
    assert len(rows) == 2
    page = text_of(response)
    assert "2 organisations found" in page
    assert "Langdale Court" in page
    assert "Kendal, LA9 4AA" in page
    assert "Langdale House" in page
    assert "Registered on the portal" in page
    assert "In the directory only" in page
    assert "Somewhere Else" not in page
    assert f'href="{case_url(organisation)}"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["VAB12", "vab12", "  vAb12 "])
def test_find_by_code_in_any_case_with_spaces_lists_the_one_organisation(
    agent_client, organisation, typed
):
    OrganisationFactory(ods_code="VAB123", name="Not This One")
    response = agent_client.get(FIND, {"q": typed})
    assert response.status_code == 200
    page = text_of(response)
    assert "1 organisation found" in page
    assert "Langdale House" in page
    assert "Not This One" not in page


@pytest.mark.django_db
def test_find_shows_headquarters_and_sites(agent_client):
    hq = OrganisationFactory(
        ods_code="VHQ01", name="Fellside Group", kind=Organisation.Kind.HEADQUARTERS
    )
    OrganisationFactory(ods_code="VHQ02", name="Fellside Lodge", parent=hq)
    page = text_of(agent_client.get(FIND, {"q": "fellside"}))
    assert "Fellside Group VHQ01" in page
    assert re.search(r"Fellside Group .*Headquarters", page)
    assert re.search(r"Fellside Lodge .*Site of a headquarters", page)


@pytest.mark.django_db
def test_find_with_no_results_says_so(agent_client, organisation):
    response = agent_client.get(FIND, {"q": "no such home"})
    assert response.status_code == 200
    assert "No organisations found" in text_of(response)
    assert "<table" not in response.content.decode()


@pytest.mark.django_db
def test_a_search_too_long_is_refused_with_an_error_summary(agent_client):
    response = agent_client.get(FIND, {"q": "x" * 101})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Search must be 100 characters or fewer" in response.content.decode()


@pytest.mark.django_db
def test_find_pages_through_many_results(agent_client):
    for number in range(30):
        OrganisationFactory(ods_code=f"VPG{number:02d}", name=f"Riverside {number:02d}")
    first = agent_client.get(FIND, {"q": "riverside"})
    assert "Showing 1 to 25 of 30" in text_of(first)
    second = agent_client.get(FIND, {"q": "riverside", "page": "2"})
    assert "Showing 26 to 30 of 30" in text_of(second)
    assert "Riverside 29" in text_of(second)
    assert agent_client.get(FIND, {"q": "riverside", "page": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_the_helpdesk_home_page_has_the_search(agent_client):
    response = agent_client.get(reverse("helpdesk:home"))
    assert f'action="{FIND}"' in response.content.decode()
    assert reverse("helpdesk:news") in response.content.decode()


# --- The case page -------------------------------------------------------------------------------


@pytest.fixture
def case(organisation, other_organisation, administrator, member, settings, tmp_path):
    """Langdale House as an HQ with two branches (one covered by its publication, one registered
    on its own), people (one locked out), an invitation, a publication, a document job, a
    registration link and request, and audit events; Elsewhere Lodge with events of its own."""
    settings.MEDIA_ROOT = tmp_path
    Organisation.objects.filter(pk=organisation.pk).update(
        kind=Organisation.Kind.HEADQUARTERS,
        commissioner="NHS West Yorkshire ICB",
        town="Leeds",
        telephone="0113 496 0000",
        opened_on=datetime.date(2011, 4, 1),
        directory_status="Standards Met",
        directory_published_on=datetime.date(2019, 3, 29),
    )
    organisation.refresh_from_db()
    covered = OrganisationFactory(ods_code="VBR01", name="Langdale Annexe", parent=organisation)
    own = RegisteredOrganisationFactory(ods_code="VBR02", name="Langdale Mews", parent=organisation)
    bank = bank_build(items_per_section=2)
    assessment = bank.assessments.create(organisation=organisation)
    answer_items(assessment, administrator, levels=("approaching",))
    publication = publication_build(
        organisation, bank, level="met", sites=[covered, own], published_by_name="Ann Admin"
    )
    DocumentJob.objects.create(
        organisation=organisation,
        kind=DocumentJob.Kind.CERTIFICATE,
        publication=publication,
        subject=f"publication:{publication.pk}",
        fingerprint="published",
        state=DocumentJob.State.READY,
        requested_by=administrator,
    )
    Invitation.objects.create(
        organisation=organisation,
        email="new.starter@care.example",
        role=Role.VIEWER,
        token_hash="1" * 64,
        invited_by=administrator,
        expires_at=timezone.now() + datetime.timedelta(days=5),
    )
    Invitation.objects.create(  # accepted long ago: not waiting
        organisation=organisation,
        email="old.hand@care.example",
        role=Role.MEMBER,
        token_hash="2" * 64,
        invited_by=administrator,
        expires_at=timezone.now() - datetime.timedelta(days=5),
        accepted_at=timezone.now() - datetime.timedelta(days=6),
    )
    PendingRegistration.objects.create(
        organisation=organisation,
        email="first.try@care.example",
        token_hash="3" * 64,
        expires_at=timezone.now() - datetime.timedelta(hours=1),
    )
    RegistrationRequest.objects.create(
        ods_code=organisation.ods_code,
        organisation=organisation,
        email="claimant@care.example",
        full_name="Chris Claimant",
        reason="Someone else registered my organisation",
    )
    verified_device(administrator)
    # The member mistypes their password five times: django-axes locks them out.
    stranger = Client()
    for _ in range(5):
        stranger.post(reverse("sign-in"), {"username": member.email, "password": "wrong-one-1"})
    assert (
        stranger.post(
            reverse("sign-in"), {"username": member.email, "password": PASSWORD}
        ).status_code
        == 429
    )
    audit_record(
        event=Event.PROFILE_CHANGED,
        organisation=organisation,
        user=administrator,
        detail="Ours: Caldicott Guardian changed",
    )
    audit_record(
        event=Event.PROFILE_CHANGED,
        organisation=other_organisation,
        user=None,
        actor_email="outsider@elsewhere.example",
        detail="Theirs: SIRO changed",
    )
    return {"covered": covered, "own": own, "publication": publication}


@pytest.mark.django_db
def test_the_case_page_shows_every_section(agent_client, organisation, administrator, member, case):
    response = agent_client.get(case_url(organisation))
    assert response.status_code == 200
    html = response.content.decode()
    for anchor in (
        "directory",
        "registration",
        "hq",
        "people",
        "invitations",
        "assessments",
        "publications",
        "documents",
        "activity",
    ):
        assert f'href="#{anchor}"' in html
        assert f'<section id="{anchor}"' in html

    directory = section(response, "directory")
    for fact in (
        "VAB12",
        "Langdale House",
        "Headquarters",
        "NHS West Yorkshire ICB",
        "0113 496 0000",
        "1 April 2011",
        "Not closed",
        "Standards Met, published 29 March 2019",
        "Toolkit organisation search export",
    ):
        assert fact in directory, fact

    registration = section(response, "registration")
    assert "Registered on the portal" in registration
    assert "first.try@care.example" in registration
    assert "Expired" in registration
    assert "Chris Claimant" in registration
    assert "Someone else registered my organisation" in registration

    hq = section(response, "hq")
    year = case["publication"].bank.short_year
    assert "Langdale Annexe" in hq
    assert re.search(
        rf"Langdale Annexe \(VBR01\) In the directory only {year} Standards Met "
        rf"The publication of Langdale House \(VAB12\): {year} Standards Met",
        hq,
    ), hq
    # Registered on its own: the HQ's publication never decides its status.
    assert re.search(
        r"Langdale Mews \(VBR02\) Registered on the portal Registered, not published "
        r"No publication: it registered on its own, so its headquarters' publications do not "
        r"count for it",
        hq,
    ), hq
    assert f"Its own publication: {year} Standards Met" in hq

    people = section(response, "people")
    assert re.search(
        rf"{administrator.full_name} admin@care.example Administrator .* On Not locked", people
    ), people
    assert re.search(
        rf"{member.full_name} member@care.example Member .* Off Locked out until", people
    )

    invitations = section(response, "invitations")
    assert "new.starter@care.example" in invitations
    assert "Viewer" in invitations
    assert administrator.full_name in invitations
    assert "old.hand@care.example" not in invitations

    assessments = section(response, "assessments")
    assert re.search(r"\d{4}-\d{2} (\d+) of \1", assessments), assessments

    publications = section(response, "publications")
    assert f"{year} Standards Met" in publications
    assert "Ann Admin" in publications
    assert case["publication"].verification_code in publications

    documents = section(response, "documents")
    assert "Certificate Ready" in documents
    assert administrator.full_name in documents

    activity = section(response, "activity")
    assert "Ours: Caldicott Guardian changed" in activity
    assert "Theirs" not in html
    assert "outsider@elsewhere.example" not in html


@pytest.mark.django_db
def test_another_organisations_events_never_show(
    agent_client, organisation, other_organisation, case
):
    theirs = agent_client.get(case_url(other_organisation))
    assert "Theirs: SIRO changed" in text_of(theirs)
    assert "Ours" not in text_of(theirs)
    activity = agent_client.get(reverse("helpdesk:case-activity", args=[organisation.ods_code]))
    assert "Ours: Caldicott Guardian changed" in text_of(activity)
    assert "Theirs" not in text_of(activity)


@pytest.mark.django_db
def test_the_case_page_of_a_branch_names_its_headquarters(agent_client, organisation, case):
    response = agent_client.get(case_url(case["covered"]))
    hq = section(response, "hq")
    assert "Headquarters Langdale House (VAB12)" in hq
    assert f'href="{case_url(organisation)}"' in response.content.decode()
    assert "The publication of Langdale House (VAB12)" in hq


@pytest.mark.django_db
def test_an_unknown_code_is_404_and_lower_case_goes_to_the_one_address(agent_client, organisation):
    assert agent_client.get(reverse("helpdesk:case", args=["VNONE1"])).status_code == 404
    response = agent_client.get(reverse("helpdesk:case", args=["vab12"]))
    assert response.status_code == 302
    assert response["Location"] == case_url(organisation)


@pytest.mark.django_db
def test_the_case_page_shows_the_last_fifty_events_and_links_to_all(agent_client, organisation):
    for number in range(60):
        audit_record(
            event=Event.PROFILE_CHANGED, organisation=organisation, detail=f"Change number {number}"
        )
    response = agent_client.get(case_url(organisation))
    shown = re.findall(r"Change number (\d+)", section(response, "activity"))
    assert shown == [str(number) for number in range(59, 9, -1)]
    assert (
        reverse("helpdesk:case-activity", args=[organisation.ods_code]) in response.content.decode()
    )
    everything = agent_client.get(reverse("helpdesk:case-activity", args=[organisation.ods_code]))
    assert "Showing 1 to 50 of 60" in text_of(everything)
    older = agent_client.get(
        reverse("helpdesk:case-activity", args=[organisation.ods_code]), {"page": "2"}
    )
    assert re.findall(r"Change number (\d+)", text_of(older)) == [
        str(number) for number in range(9, -1, -1)
    ]


@pytest.mark.django_db
def test_auditors_read_the_case_and_nobody_may_post_to_it(client, organisation):
    sign_in_verified(client, staff(HelpdeskRole.AUDITOR, email="auditor@helpdesk.example"))
    assert client.get(case_url(organisation)).status_code == 200
    assert client.post(case_url(organisation)).status_code == 405
    assert client.post(FIND, {"q": "x"}).status_code == 405
    assert not AuditEvent.objects.filter(organisation=organisation).exists()


@pytest.mark.django_db
def test_non_staff_are_refused_the_case_page(client, organisation, administrator, outsider):
    assert client.get(case_url(organisation)).status_code == 302
    for person in (administrator, outsider):
        as_person(client, (person, verified_device(person)))
        assert client.get(case_url(organisation)).status_code == 403
        assert (
            client.get(reverse("helpdesk:case-activity", args=[organisation.ods_code])).status_code
            == 403
        )


@pytest.mark.django_db
def test_a_person_without_a_usable_password_still_shows(agent_client, organisation):
    MembershipFactory(
        organisation=organisation,
        role=Role.VIEWER,
        user__email="nopass@care.example",
        user__password=make_password(None),
    )
    response = agent_client.get(case_url(organisation))
    assert "nopass@care.example" in section(response, "people")
    assert "Never" in section(response, "people")
