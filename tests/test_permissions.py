"""Walks every URL the project defines, as every kind of person, and checks the status code."""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.models import Assessment, Document
from organisations.access import Access
from organisations.models import Membership
from organisations.roles import Role
from organisations.services import invitation_create, registration_start
from publishing.models import DocumentJob, Publication

from .factories import OrganisationFactory, bank_build

PEOPLE = ("anonymous", "viewer", "member", "administrator", "outsider")

# URL name -> expected GET status for each person, in the order of PEOPLE.
# "outsider" is an administrator of another organisation; object ids in the URLs belong to the
# first organisation, so they must get 404, never the object.
EXPECTED_GET = {
    "home": (200, 200, 200, 200, 200),
    "sign-in": (200, 302, 302, 302, 302),
    "sign-out": (405, 405, 405, 405, 405),
    "password-reset": (200, 200, 200, 200, 200),
    "password-reset-sent": (200, 200, 200, 200, 200),
    "password-reset-confirm": (200, 200, 200, 200, 200),
    "password-reset-complete": (200, 200, 200, 200, 200),
    "register": (200, 200, 200, 200, 200),
    "register-confirm": (302, 302, 302, 302, 302),
    "register-helpdesk": (302, 302, 302, 302, 302),  # no code chosen: back to the start
    # The link was emailed to someone else's address: signed-in people are the wrong account.
    "register-complete": (200, 403, 403, 403, 403),
    "organisation-change": (302, 200, 200, 200, 200),
    "profile": (302, 200, 200, 200, 200),
    "profile-edit": (302, 403, 403, 200, 200),
    "people-list": (302, 403, 403, 200, 200),
    "people-invite": (302, 403, 403, 200, 200),
    "people-change-role": (302, 403, 403, 200, 404),
    "people-remove": (302, 403, 403, 200, 404),
    "invitation-cancel": (302, 403, 403, 200, 404),
    # The invitation is for someone else's address: signed-in people are the wrong account.
    "invitation-accept": (200, 403, 403, 403, 403),
    "assessment-current": (302, 302, 302, 302, 302),
    # A year is not another organisation's object: the outsider sees their own assessment.
    "assessment-overview": (302, 200, 200, 200, 200),
    "evidence-item": (302, 200, 200, 200, 200),
    "evidence-history": (302, 200, 200, 200, 200),
    "document-download": (302, 200, 200, 200, 404),
    "publish-start": (302, 403, 403, 200, 200),
    "publish-profile": (302, 403, 403, 200, 200),
    "publish-sites": (302, 403, 403, 302, 302),  # profile not confirmed yet
    "publish-sites-csv": (302, 403, 403, 200, 200),
    "publish-summary": (302, 403, 403, 302, 302),
    "action-plan": (302, 403, 403, 200, 200),
    "action-plan-download": (302, 403, 403, 200, 200),
    "action-plan-upload": (302, 403, 403, 302, 302),
    "publication-list": (302, 200, 200, 200, 200),
    "publication-detail": (302, 200, 200, 200, 404),
    "organisation-search": (200, 200, 200, 200, 200),
    "organisation-search-csv": (302, 302, 302, 302, 302),  # no query: back to the form
    "organisation-public": (200, 200, 200, 200, 200),
    "reminder-list": (302, 200, 200, 200, 200),
    "assessment-download": (302, 405, 405, 405, 405),  # POST only
    "publication-download": (302, 405, 405, 405, 405),
    "certificate-download": (302, 405, 405, 405, 405),
    "document-job": (302, 200, 200, 200, 404),
    "document-job-file": (302, 200, 200, 200, 404),
    "document-job-retry": (302, 405, 405, 405, 405),
    "certificate-verify": (200, 200, 200, 200, 200),
    "activity": (302, 403, 403, 200, 200),
    "account": (302, 200, 200, 200, 200),
    "mfa-setup": (302, 200, 200, 200, 200),
    "mfa-verify": (302, 200, 200, 200, 200),
    "mfa-recovery-codes": (302, 405, 405, 405, 405),
    "mfa-remove": (302, 200, 200, 200, 200),
    "health": (200, 200, 200, 200, 200),
    "admin:index": (302, 302, 302, 302, 302),
}

# State-changing URLs, posted with no data: nobody without the permission gets past the check.
EXPECTED_POST = {
    "register": (400, 400, 400, 400, 400),
    "register-confirm": (302, 302, 302, 302, 302),
    "register-helpdesk": (302, 302, 302, 302, 302),
    "register-complete": (400, 403, 403, 403, 403),
    "profile-edit": (302, 403, 403, 400, 400),
    "people-invite": (302, 403, 403, 400, 400),
    "people-change-role": (302, 403, 403, 400, 404),
    "people-remove": (302, 403, 403, 302, 404),
    "invitation-cancel": (302, 403, 403, 302, 404),
    "evidence-item": (302, 403, 400, 400, 400),
    "publish-profile": (302, 403, 403, 400, 400),
    "publish-summary": (302, 403, 403, 302, 302),
    "action-plan": (302, 403, 403, 400, 400),
    "action-plan-upload": (302, 403, 403, 400, 400),
    "assessment-download": (302, 302, 302, 302, 302),  # to the job page (own organisation's)
    "publication-download": (302, 302, 302, 302, 404),
    "certificate-download": (302, 302, 302, 302, 404),
    "document-job-retry": (302, 302, 302, 302, 404),
}


def project_url_names() -> dict[str, object]:
    """Every named URL with its view, Django's own admin reduced to its index."""
    found = {}

    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if namespace == "admin" and name != "admin:index":
                    continue
                found[name] = pattern.callback

    walk(get_resolver().url_patterns)
    return found


def test_the_matrix_covers_every_url():
    assert set(project_url_names()) == set(EXPECTED_GET)


def test_every_view_declares_what_it_needs():
    for name, view in project_url_names().items():
        if name.startswith("admin:"):
            continue
        assert getattr(view, "required_access", None) is not None, name
        assert isinstance(view.required_access, Access) or view.required_access.value, name


@pytest.fixture
def urls(organisation, administrator, member, viewer, outsider, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    bank = bank_build()
    document = Document(
        organisation=organisation,
        original_name="policy.pdf",
        content_type="application/pdf",
        size=9,
        sha256="0" * 64,
    )
    document.file.save("policy.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    publication = Publication.objects.create(
        organisation=organisation,
        bank=bank,
        assessment=Assessment.objects.create(organisation=organisation, bank=bank),
        sequence=1,
        level="met",
        published_at=timezone.now(),
        published_by=administrator,
        published_by_name=administrator.full_name,
        published_as_name=organisation.name,
        published_as_ods_code=organisation.ods_code,
    )
    job = DocumentJob.objects.create(
        organisation=organisation,
        kind=DocumentJob.Kind.CERTIFICATE,
        publication=publication,
        subject=f"publication:{publication.pk}",
        fingerprint="published",
        state=DocumentJob.State.READY,
        file_name="certificate.pdf",
        content_type="application/pdf",
    )
    job.file.save("certificate.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    tokens = []
    invitation = invitation_create(
        organisation=organisation,
        email="someone.new@care.example",
        role=Role.MEMBER,
        invited_by=administrator,
        accept_url_for=lambda token: tokens.append(token) or f"http://testserver/{token}",
    )
    token = tokens[0]
    registration_start(
        organisation_id=OrganisationFactory().pk,
        email="someone.registering@care.example",
        link_for=lambda token: tokens.append(token) or f"http://testserver/{token}",
    )
    member_membership = Membership.objects.get(user=member, organisation=organisation)
    args = {
        "people-change-role": [member_membership.pk],
        "people-remove": [member_membership.pk],
        "invitation-cancel": [invitation.pk],
        "invitation-accept": [token],
        "register-complete": [tokens[1]],
        "password-reset-confirm": ["MQ", "not-a-token"],
        "assessment-overview": [bank.year],
        "evidence-item": [bank.year, "1.1.1"],
        "evidence-history": [bank.year, "1.1.1"],
        "document-download": [document.pk],
        "publication-detail": [publication.pk],
        "organisation-public": [organisation.ods_code],
        "assessment-download": [bank.year],
        "publication-download": [publication.pk],
        "certificate-download": [publication.pk],
        "document-job": [job.pk],
        "document-job-file": [job.pk],
        "document-job-retry": [job.pk],
        "certificate-verify": [publication.verification_code],
    }
    return {name: reverse(name, args=args.get(name, [])) for name in EXPECTED_GET}


@pytest.fixture
def people(administrator, member, viewer, outsider):
    return {
        "anonymous": None,
        "viewer": viewer,
        "member": member,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_get_matrix(client, urls, people, person):
    if people[person]:
        client.force_login(people[person])
    got = {name: client.get(url).status_code for name, url in urls.items()}
    expected = {name: statuses[PEOPLE.index(person)] for name, statuses in EXPECTED_GET.items()}
    assert got == expected


@pytest.mark.django_db
@pytest.mark.parametrize("person", PEOPLE)
def test_post_matrix(client, urls, people, person):
    got, expected = {}, {}
    for name, statuses in EXPECTED_POST.items():
        client.logout()
        if people[person]:
            client.force_login(people[person])
        got[name] = client.post(urls[name], {}).status_code
        expected[name] = statuses[PEOPLE.index(person)]
    assert got == expected
