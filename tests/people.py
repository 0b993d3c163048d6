"""The people and objects the permission matrix and the hostile-input crawl try every URL with.

PEOPLE are the kinds of person, in the matrix's column order; `world_build` makes one of each
(around the `organisation` and `other_organisation` fixtures) and one of everything an
organisation owns, and gives every named URL of the project with those objects' ids.
"""

from __future__ import annotations

import datetime

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import Assessment
from documents.models import DocumentJob
from helpdesk.models import ImportJob, Notice, Operator
from helpdesk.roles import HelpdeskRole
from incidents.models import Incident, IncidentNotification, reference_for
from organisations.models import Membership, Organisation
from organisations.roles import Role
from organisations.services import (
    invitation_create,
    registration_request_store,
    registration_start,
)
from publishing.models import Publication
from register.areas import area_slug
from training.models import StaffMember
from training.quiz_services import quiz_link_create

from .factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    bank_build,
    incident_reported,
    library_document_with_file,
    policy_jobs_build,
    staff_member_build,
    training_item_add,
)

PEOPLE = (
    "anonymous",
    "no_organisation",  # signed in, belongs to no organisation
    "viewer",
    "member",
    "admin_unverified",  # an administrator who has not set up two-factor authentication
    "admin_verified",  # an administrator signed in with a second factor
    "outsider",  # a verified administrator of another organisation
    "operator",  # helpdesk staff who act on cases (verified; a member of no organisation)
    "auditor",  # helpdesk staff who only read (verified; a member of no organisation)
)


def project_urls() -> tuple[dict[str, object], list[str]]:
    """Every named URL with its view (Django's admin reduced to its index), and the patterns
    that have no name."""
    found, unnamed = {}, []

    def walk(patterns, namespace=None, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(
                    pattern.url_patterns,
                    pattern.namespace or namespace,
                    prefix + str(pattern.pattern),
                )
            elif isinstance(pattern, URLPattern):
                if namespace == "admin":
                    # The operator console: OTPAdminSite guards every one of its pages.
                    continue
                if not pattern.name:
                    unnamed.append(prefix + str(pattern.pattern))
                    continue
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found[name] = pattern.callback

    walk(get_resolver().url_patterns)
    found["admin:index"] = None
    return found, unnamed


def verified_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def _helpdesk_person(email: str, role: HelpdeskRole):
    user = UserFactory(email=email)
    Operator.objects.create(user=user, role=role)
    return user, verified_device(user)


def objects_for(organisation: Organisation, administrator, bank) -> dict[str, list]:
    """One of everything an organisation owns, as URL arguments."""
    library_document = library_document_with_file(organisation)
    document = library_document.current_version
    # Its commissioning area, so the area pages have one to show.
    organisation.commissioner = f"NHS {organisation.name} Area ICB"
    organisation.save(update_fields=["commissioner"])
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
    incident = incident_reported(organisation, administrator)
    notification = IncidentNotification.objects.create(
        incident=incident,
        destination="regulator@regulator.example",
        state=IncidentNotification.State.FAILED,
        last_error="Connection refused",
    )
    tokens = []
    invitation = invitation_create(
        organisation=organisation,
        email=f"someone.new.{organisation.ods_code.lower()}@care.example",
        role=Role.MEMBER,
        invited_by=administrator,
        accept_url_for=lambda token: tokens.append(token) or f"http://testserver/{token}",
    )
    policy_word, _ = policy_jobs_build(
        organisation=organisation, user=administrator, year=bank.year
    )
    draft_incident = Incident.objects.create(organisation=organisation, created_by=administrator)
    submitted_incident = Incident.objects.create(
        organisation=organisation, created_by=administrator, description="Submitted"
    )
    Incident.objects.filter(pk=submitted_incident.pk).update(
        state=Incident.State.SUBMITTED,
        reference=reference_for(pk=submitted_incident.pk, year=2026),
        verdict="none",
        submitted_at=timezone.now(),
        submitted_by=administrator,
    )
    colleague = Membership.objects.filter(
        organisation=organisation, role=Role.MEMBER
    ).first() or MembershipFactory(organisation=organisation, role=Role.MEMBER)
    registration_request = registration_request_store(
        organisation=organisation,
        email=f"asking.{organisation.ods_code.lower()}@care.example",
        full_name="Someone Asking",
        reason="Someone else registered our care home",
    )
    # The frontline quiz: a person on the staff list with an unused link.
    quiz_staff_member = StaffMember.objects.create(
        organisation=organisation, name="Sam Quizzed", job_title="Care assistant"
    )
    quiz_link, quiz_token = quiz_link_create(
        organisation=organisation, staff_member=quiz_staff_member, created_by=administrator
    )
    staff_member = staff_member_build(
        organisation, f"Sam Carer of {organisation.ods_code}", trained_on=datetime.date(2025, 5, 1)
    )
    training_record = staff_member.training_records.get()
    return {
        "quiz-staff": [quiz_staff_member.pk],
        "quiz-link-create": [quiz_staff_member.pk],
        "quiz-link-email": [quiz_link.pk],
        "quiz-link-revoke": [quiz_link.pk],
        "quiz-take-start": [quiz_token],
        "quiz-take-page": [quiz_token, 1],
        "quiz-take-result": [quiz_token],
        "staff-detail": [staff_member.pk],
        "staff-edit": [staff_member.pk],
        "staff-leave": [staff_member.pk],
        "staff-remove": [staff_member.pk],
        "training-add": [staff_member.pk],
        "training-delete": [staff_member.pk, training_record.pk],
        "helpdesk:request": [registration_request.pk],
        "helpdesk:suspend": [organisation.ods_code],
        "helpdesk:reinstate": [organisation.ods_code],
        "helpdesk:hq-link": [organisation.ods_code],
        "helpdesk:hq-unlink": [organisation.ods_code],
        "helpdesk:person": [colleague.user.pk],
        "helpdesk:make-administrator": [colleague.user.pk, organisation.pk],
        "helpdesk:unlock": [colleague.user.pk],
        "helpdesk:reset-two-factor": [colleague.user.pk],
        "helpdesk:invitation-resend": [invitation.pk],
        "helpdesk:invitation-cancel": [invitation.pk],
        "people-change-role": [colleague.pk],
        "people-remove": [colleague.pk],
        "invitation-cancel": [invitation.pk],
        "invitation-accept": [tokens[0]],
        "document-download": [document.pk],
        "library-document": [library_document.pk],
        "library-version-upload": [library_document.pk],
        "library-edit": [library_document.pk],
        "library-review": [library_document.pk],
        "library-use": [library_document.pk],
        "library-delete": [library_document.pk],
        "library-version-delete": [library_document.pk, document.pk],
        "publication-detail": [publication.pk],
        "publication-download": [publication.pk],
        "certificate-download": [publication.pk],
        "document-job": [job.pk],
        "document-job-status": [job.pk],
        "document-job-file": [job.pk],
        "document-job-retry": [job.pk],
        "policy-job": [policy_word.pk],
        "policy-use": [policy_word.pk],
        "certificate-verify": [publication.verification_code],
        "incident-follow-up": [incident.pk],
        "incident-close": [incident.pk],
        "incident-withdraw": [incident.pk],
        "incident-pdf": [incident.pk],
        "incident-notification-retry": [incident.pk, notification.pk],
        "organisation-public": [organisation.ods_code],
        "api-v1:organisation": [organisation.ods_code],
        "organisation-badge": [organisation.ods_code],
        "organisation-badge-svg": [organisation.ods_code],
        "organisation-badge-png": [organisation.ods_code],
        "area-detail": [area_slug(organisation.commissioner)],
        "area-csv": [area_slug(organisation.commissioner)],
        "helpdesk:case": [organisation.ods_code],
        "helpdesk:case-activity": [organisation.ods_code],
        "helpdesk:publication-withdraw": [publication.pk],
        "incident-detail": [draft_incident.pk],
        "incident-step": [draft_incident.pk, "what-happened"],
        "incident-check": [draft_incident.pk],
        "incident-submitted": [submitted_incident.pk],
    }


def import_job_build(*, uploaded_by) -> ImportJob:
    """A finished directory import with one rejected row (uploads belong to no organisation)."""
    job = ImportJob(
        kind=ImportJob.Kind.TOOLKIT_EXPORT,
        state=ImportJob.State.DONE,
        uploaded_by=uploaded_by,
        uploaded_by_name=uploaded_by.full_name,
        file_name="organisation-search.csv",
        created=1,
        rejected=1,
        rejected_rows=[[3, "the organisation name is empty"]],
    )
    job.file.save("organisation-search.csv", ContentFile(b"Code,Organisation Name\n"), save=False)
    job.save()
    return job


def world_build(*, organisation, other_organisation, administrator, member, viewer, outsider):
    """Everyone of PEOPLE (as `as_person` takes them), every named URL of the project with the
    first organisation's objects ("ours") and with the other's ("theirs"), and the forged POST
    bodies that carry the other organisation's ids."""
    bank = bank_build()
    training_item_add(bank)
    admin_verified = MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email="verified@care.example"
    ).user
    people = {
        "anonymous": (None, None),
        "no_organisation": (UserFactory(email="nobody@care.example"), None),
        "viewer": (viewer, None),
        "member": (member, None),
        "admin_unverified": (administrator, None),
        "admin_verified": (admin_verified, verified_device(admin_verified)),
        "outsider": (outsider, verified_device(outsider)),
        "operator": _helpdesk_person("operator@helpdesk.example", HelpdeskRole.OPERATOR),
        "auditor": _helpdesk_person("auditor@helpdesk.example", HelpdeskRole.AUDITOR),
    }
    ours = objects_for(organisation, administrator, bank)
    theirs = objects_for(other_organisation, outsider, bank)
    their_branch = OrganisationFactory(name="Their branch", parent=other_organisation)
    Organisation.objects.filter(pk=other_organisation.pk).update(
        kind=Organisation.Kind.HEADQUARTERS
    )
    registration_tokens = []
    registration_start(
        # A code of the shape adult social care sites have, so the link is really sent.
        organisation_id=OrganisationFactory(ods_code="VRG01").pk,
        email="someone.registering@care.example",
        link_for=lambda token: registration_tokens.append(token) or f"http://t/{token}",
    )
    notice = Notice.objects.create(
        title="Deadline moved",
        body="The publication deadline is now 30 September.",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        created_by_name="Helpdesk",
    )
    import_job = import_job_build(uploaded_by=people["operator"][0])
    fixed = {
        "policy-builder": ["data-protection-policy"],
        "helpdesk:import": [import_job.pk],
        "helpdesk:import-status": [import_job.pk],
        "helpdesk:import-rejected": [import_job.pk],
        "helpdesk:import-retry": [import_job.pk],
        "register-complete": [registration_tokens[0]],
        "register-new-link": [registration_tokens[0]],
        "helpdesk:news-withdraw": [notice.pk],
        "password-reset-confirm": ["MQ", "not-a-token"],
        "assessment-overview": [bank.year],
        "assessment-start": [bank.year],
        "evidence-item": [bank.year, "1.1.1"],
        "evidence-history": [bank.year, "1.1.1"],
        "assessment-download": [bank.year],
        "training-fill": [bank.year],
    }

    def urls(objects):
        return {
            name: reverse(name, args=objects.get(name) or fixed.get(name, []))
            for name in project_urls()[0]
        }

    # What a forged form sends: the other organisation's ids wherever a form takes an id.
    forged = {
        "organisation-change": {"organisation": other_organisation.pk},
        "publish-sites": {"sites": [their_branch.pk, other_organisation.pk]},
        "publish-summary": {"level": "met", "sequence": "1"},
        "people-change-role": {"role": "administrator", "expected_role": "member"},
        "people-invite": {"email": "attacker@evil.example", "role": "administrator"},
        "register": {"ods_code": other_organisation.ods_code},
        "evidence-item": {"version": "0", "comments": "Forged", "text": "Forged"},
        "incident-step": {"version": "1", "description": "Forged"},
        "incident-check": {"version": "1"},
        "staff-add": {"version": "0", "name": "Forged Person", "role": "staff"},
        "staff-edit": {"version": "1", "name": "Forged", "role": "director"},
        "staff-leave": {
            "version": "1",
            "leaving_date_0": "31",
            "leaving_date_1": "3",
            "leaving_date_2": "2026",
        },
        "staff-remove": {"version": "1"},
        "training-add": {
            "completed_on_0": "1",
            "completed_on_1": "2",
            "completed_on_2": "2025",
            "course": "Forged course",
        },
        "training-fill": {"version": "0"},
    }
    return {"people": people, "ours": urls(ours), "theirs": urls(theirs), "forged": forged}


def as_person(client, person) -> None:
    """Signs the test client in as one of world["people"] (with a verified second factor when the
    person has a device); anonymous signs out."""
    user, device = person
    client.cookies.clear()
    if user is None:
        return
    client.force_login(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
