"""The policy builder end to end: the pages, the two documents made as background jobs, "Use as
evidence", and the refusals (other organisations, viewers, forged posts, stale versions)."""

import io
import re
from pathlib import Path

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from assessments import services as assessment_services
from assessments.models import Answer, AnswerRevision, Document, EvidenceItem, Section
from audit.models import AuditEvent, Event
from documents.models import DocumentJob
from organisations.models import OrganisationProfile

from ..factories import bank_build, bank_item_change, policy_jobs_build
from ..people import verified_device

pytestmark = pytest.mark.django_db

KEY = "data-protection-policy"  # serves 1.3.1, 1.3.7 and 1.3.8


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def profile(organisation, administrator):
    organisation.address_line_1 = "1 Fell Road"
    organisation.town = "Ambleside"
    organisation.save()
    profile, _ = OrganisationProfile.objects.update_or_create(
        organisation=organisation,
        defaults={
            "caldicott_guardian": "Carol Guardian",
            "senior_information_risk_owner": "Simon Owner",
            "data_protection_officer": "Dina Officer",
            "information_governance_lead": "Ivan Lead",
            "updated_by": administrator,
        },
    )
    return profile


@pytest.fixture
def assessment(organisation):
    """A bank with the three items the data protection policy serves: a document item, a
    yes/no item and a text item."""
    bank = bank_build(items_per_section=1)
    section = Section.objects.get(bank=bank, position=1)
    for position, (ref, answer_type, meets_when) in enumerate(
        [
            ("1.3.1", "document", {"provided": True}),
            ("1.3.7", "yes_no", {"answers": ["yes"]}),
            ("1.3.8", "text", {"provided": True}),
        ],
        start=100,
    ):
        EvidenceItem.objects.create(
            bank=bank,
            section=section,
            ref=ref,
            text=f"Question {ref}",
            answer_type=answer_type,
            meets_when=meets_when,
            level="approaching",
            ndg_standard=1,
            position=position,
        )
    return assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)


def next_year():
    today = timezone.localdate()
    return today.replace(year=today.year + 1, day=min(today.day, 28))


def build_form(**answers):
    review = next_year()
    data = {
        "q_care_records": "in locked paper files",
        "q_uses_cctv": "no",
        "data_security_lead": "Dana Lead",
        "version": "1.0",
        "review_date_0": str(review.day),
        "review_date_1": str(review.month),
        "review_date_2": str(review.year),
    }
    data.update(answers)
    return data


def build(client, django_capture_on_commit_callbacks, key=KEY, **answers):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("policy-builder", args=[key]), build_form(**answers))
    assert response.status_code == 302, response.content.decode()[:2000]
    job_id = int(re.search(r"/made/(\d+)/", response["Location"]).group(1))
    return DocumentJob.objects.get(pk=job_id)


def file_bytes(client, job) -> bytes:
    response = client.get(reverse("document-job-file", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_page_shows_what_is_filled_in_and_warns_of_gaps(client, member, organisation):
    OrganisationProfile.objects.update_or_create(
        organisation=organisation,
        defaults={"caldicott_guardian": "Carol G", "senior_information_risk_owner": ""},
    )
    client.force_login(member)
    page = client.get(reverse("policy-builder", args=[KEY])).content.decode()
    assert "Carol G" in page
    assert "Some details are missing" in page
    assert "Senior Information Risk Owner (SIRO)" in page
    assert "Do you use CCTV anywhere in or around the building?" in page
    assert "Only an administrator can change" in page
    assert DocumentJob.objects.count() == 0


def test_building_makes_a_word_document_and_a_pdf(
    client, member, profile, organisation, django_capture_on_commit_callbacks
):
    client.force_login(member)
    word = build(client, django_capture_on_commit_callbacks)
    pdf = DocumentJob.objects.get(kind=DocumentJob.Kind.POLICY_PDF)
    word.refresh_from_db()
    assert (word.state, pdf.state) == (DocumentJob.State.READY, DocumentJob.State.READY)
    assert word.file_name == f"{KEY}-VAB12-v1-0.docx"

    document = docx.Document(io.BytesIO(file_bytes(client, word)))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Langdale House" in text
    assert "VAB12" in cells
    for name in ("Carol Guardian", "Simon Owner", "Dina Officer", "Ivan Lead", "Dana Lead"):
        assert name in cells
    assert "in locked paper files" in text
    assert "Recordings are kept" not in text  # answered No: the CCTV section is left out

    data = file_bytes(client, pdf)
    assert data.startswith(b"%PDF-")
    pdf_text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages
    )
    assert "Langdale House" in pdf_text
    assert "Carol Guardian" in pdf_text

    page = client.get(reverse("policy-job", args=[word.pk])).content.decode()
    assert "Use as evidence" in page
    assert word.file_name in page
    assert pdf.file_name in page
    # Asked for twice: recorded, and the same answers give the same documents.
    assert AuditEvent.objects.filter(event=Event.EXPORT_REQUESTED).count() == 2
    assert build(client, django_capture_on_commit_callbacks).pk == word.pk


def test_the_byod_answer_changes_the_document(
    client, member, profile, django_capture_on_commit_callbacks
):
    client.force_login(member)
    key = "bring-your-own-device-policy"
    texts = {}
    for answer in ("yes", "no"):
        job = build(
            client,
            django_capture_on_commit_callbacks,
            key=key,
            q_own_phones=answer,
            q_work_apps="Care app",
        )
        texts[answer] = "\n".join(
            p.text for p in docx.Document(io.BytesIO(file_bytes(client, job))).paragraphs
        )
    assert "Staff may use their own phone for work" in texts["yes"]
    assert "Staff do not use their own phones or tablets for work" in texts["no"]
    assert "Staff may use their own phone for work" not in texts["no"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"review_date_2": "2001"}, "The review date must be today or in the future"),
        ({"review_date_2": str(timezone.localdate().year + 4)}, "within 3 years"),
        ({"q_uses_cctv": ""}, "Select yes or no: Do you use CCTV"),
        ({"q_care_records": ""}, "Enter your answer: Where do you keep care records?"),
        ({"version": "<script>"}, "The version must be up to 20 letters"),
    ],
)
def test_bad_answers_get_the_error_summary_and_build_nothing(
    client, member, profile, change, message
):
    client.force_login(member)
    response = client.post(reverse("policy-builder", args=[KEY]), build_form(**change))
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert DocumentJob.objects.count() == 0


def test_an_unknown_policy_is_404(client, member):
    client.force_login(member)
    assert client.get(reverse("policy-builder", args=["no-such-policy"])).status_code == 404


def test_use_as_evidence_attaches_the_pdf_to_every_item_in_one_step(
    client, member, profile, assessment, django_capture_on_commit_callbacks
):
    item_131 = assessment.bank.items.get(ref="1.3.1")
    item_137 = assessment.bank.items.get(ref="1.3.7")
    assessment_services.answer_save(
        assessment=assessment,
        item=item_137,
        values={"choice": "yes", "comments": "Checked in May."},
        expected_version=0,
        user=member,
    )
    client.force_login(member)
    word = build(client, django_capture_on_commit_callbacks)
    confirm = client.get(reverse("policy-use", args=[word.pk]))
    page = confirm.content.decode()
    assert "The PDF will be added to" in page
    assert "1.3.1 Question 1.3.1" in page
    assert "A note will be added to the comments of" in page
    assert 'name="version-1.3.7" value="1"' in page
    assert Document.objects.count() == 0  # the confirmation page writes nothing

    response = client.post(
        reverse("policy-use", args=[word.pk]),
        {"version-1.3.1": "0", "version-1.3.7": "1", "version-1.3.8": "0"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment-overview", args=[assessment.bank.year])
    attached = Answer.objects.get(assessment=assessment, item=item_131)
    assert attached.library_document.current_version.original_name == f"{KEY}-VAB12-v1-0.pdf"
    assert attached.library_document.current_version.content_type == "application/pdf"
    assert "Policy: Data protection policy, version 1.0" in attached.comments
    noted = Answer.objects.get(assessment=assessment, item=item_137)
    assert noted.choice == "yes"  # the answer is kept
    assert noted.comments.startswith("Checked in May.\nPolicy: Data protection policy")
    assert noted.version == 2
    assert AnswerRevision.objects.filter(answer=noted).count() == 2
    assert Answer.objects.filter(assessment=assessment).count() == 3
    event = AuditEvent.objects.get(event=Event.POLICY_ATTACHED)
    assert "1.3.1, 1.3.7, 1.3.8" in event.detail


def test_a_stale_version_attaches_nothing(
    client, member, administrator, profile, assessment, django_capture_on_commit_callbacks
):
    client.force_login(member)
    word = build(client, django_capture_on_commit_callbacks)
    # Someone else answers 1.3.8 after the confirmation page was opened (it showed version 0).
    assessment_services.answer_save(
        assessment=assessment,
        item=assessment.bank.items.get(ref="1.3.8"),
        values={"text": "Theirs", "comments": ""},
        expected_version=0,
        user=administrator,
    )
    response = client.post(
        reverse("policy-use", args=[word.pk]),
        {"version-1.3.1": "0", "version-1.3.7": "0", "version-1.3.8": "0"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "There is a problem" in page
    assert "changed the answer to 1.3.8 after you opened this page. Nothing has been added" in page
    assert 'name="version-1.3.8" value="1"' in page  # the page now shows the new version
    assert Document.objects.count() == 0
    assert list(
        Answer.objects.filter(assessment=assessment).values_list("item__ref", flat=True)
    ) == ["1.3.8"]
    assert not AuditEvent.objects.filter(event=Event.POLICY_ATTACHED).exists()


def test_a_failure_part_way_leaves_nothing_attached(
    settings, client, member, profile, assessment, django_capture_on_commit_callbacks, monkeypatch
):
    client.force_login(member)
    word = build(client, django_capture_on_commit_callbacks)
    real_save = assessment_services.answer_save

    def failing_save(**kwargs):
        if kwargs["item"].ref == "1.3.8":
            raise assessment_services.StorageUnavailable("disk full")
        return real_save(**kwargs)

    monkeypatch.setattr(assessment_services, "answer_save", failing_save)
    with pytest.raises(assessment_services.StorageUnavailable):
        client.post(
            reverse("policy-use", args=[word.pk]),
            {"version-1.3.1": "0", "version-1.3.7": "0", "version-1.3.8": "0"},
        )
    assert Answer.objects.count() == 0
    assert Document.objects.count() == 0
    # The file stored for 1.3.1 before 1.3.8 failed is removed again.
    stored = [
        path for path in (Path(settings.MEDIA_ROOT) / "evidence").rglob("*") if path.is_file()
    ]
    assert stored == []


def test_carried_forward_answers_are_left_for_their_owner(client, member, organisation, assessment):
    word, _ = policy_jobs_build(organisation=organisation, user=member, year=assessment.bank.year)
    Answer.objects.create(
        assessment=assessment,
        item=assessment.bank.items.get(ref="1.3.7"),
        choice="yes",
        version=1,
        needs_review=True,
        updated_at=timezone.now(),
    )
    client.force_login(member)
    page = client.get(reverse("policy-use", args=[word.pk])).content.decode()
    assert "Left alone: check these answers first" in page
    assert 'name="version-1.3.7" value="1"' in page


def test_attaching_is_refused_before_the_assessment_is_started(client, member, organisation):
    bank = bank_build(items_per_section=1)
    word, _ = policy_jobs_build(organisation=organisation, user=member, year=bank.year)
    client.force_login(member)
    assert (
        "Start your 2025-26 assessment first"
        in client.get(reverse("policy-use", args=[word.pk])).content.decode()
    )
    response = client.post(reverse("policy-use", args=[word.pk]), {"version-1.3.1": "0"})
    assert response.status_code == 409
    assert Answer.objects.count() == 0


def test_a_document_made_for_an_earlier_year_is_refused(client, member, organisation, assessment):
    word, _ = policy_jobs_build(organisation=organisation, user=member, year="2024-25")
    client.force_login(member)
    response = client.post(reverse("policy-use", args=[word.pk]), {"version-1.3.1": "0"})
    assert response.status_code == 409
    assert "made for the 2024-25 assessment, which is closed now" in response.content.decode()
    assert Answer.objects.count() == 0


# --- Attackers ------------------------------------------------------------------------------


def test_another_organisations_policy_documents_are_not_found(
    client, outsider, member, organisation, assessment
):
    word, pdf = policy_jobs_build(organisation=organisation, user=member, year=assessment.bank.year)
    client.force_login(outsider)
    assert client.get(reverse("policy-job", args=[word.pk])).status_code == 404
    assert client.get(reverse("policy-use", args=[word.pk])).status_code == 404
    forged = {"version-1.3.1": "0", "version-1.3.7": "0", "version-1.3.8": "0"}
    assert client.post(reverse("policy-use", args=[word.pk]), forged).status_code == 404
    assert client.get(reverse("document-job-file", args=[pdf.pk])).status_code == 404
    assert Answer.objects.count() == 0


def test_the_pdf_job_id_is_not_a_policy_page(client, member, organisation, assessment):
    _, pdf = policy_jobs_build(organisation=organisation, user=member, year=assessment.bank.year)
    client.force_login(member)
    assert client.get(reverse("policy-job", args=[pdf.pk])).status_code == 404
    assert client.post(reverse("policy-use", args=[pdf.pk]), {}).status_code == 404


def test_a_viewer_sees_the_list_but_builds_and_attaches_nothing(
    client, viewer, organisation, assessment
):
    word, _ = policy_jobs_build(organisation=organisation, user=viewer, year=assessment.bank.year)
    client.force_login(viewer)
    page = client.get(reverse("policy-list")).content.decode()
    assert "only members and administrators can make policies" in page
    assert reverse("policy-builder", args=[KEY]) not in page
    assert (
        "Use as evidence" not in client.get(reverse("policy-job", args=[word.pk])).content.decode()
    )
    assert client.post(reverse("policy-builder", args=[KEY]), build_form()).status_code == 403
    forged = {"version-1.3.1": "0", "version-1.3.7": "0", "version-1.3.8": "0"}
    assert client.post(reverse("policy-use", args=[word.pk]), forged).status_code == 403
    assert DocumentJob.objects.count() == 2
    assert Answer.objects.count() == 0


def test_a_session_without_its_second_factor_builds_nothing(
    client, member, organisation, assessment
):
    verified_device(member)  # set up, but this session has not entered a code
    word, _ = policy_jobs_build(organisation=organisation, user=member, year=assessment.bank.year)
    client.force_login(member)
    response = client.post(reverse("policy-builder", args=[KEY]), build_form())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa-verify"))
    forged = {"version-1.3.1": "0", "version-1.3.7": "0", "version-1.3.8": "0"}
    assert client.post(reverse("policy-use", args=[word.pk]), forged).status_code == 302
    assert DocumentJob.objects.count() == 2
    assert Answer.objects.count() == 0


def test_links_in_from_the_help_page_and_the_item_page(client, member, viewer, assessment):
    builder = reverse("policy-builder", args=[KEY])
    assert builder not in client.get(reverse("help-policy-templates")).content.decode()
    client.force_login(viewer)
    assert builder not in client.get(reverse("help-policy-templates")).content.decode()
    client.force_login(member)
    assert builder in client.get(reverse("help-policy-templates")).content.decode()
    bank_item_change(assessment.bank, "1.3.1", policy_templates=[KEY])
    item_page = client.get(reverse("evidence-item", args=[assessment.bank.year, "1.3.1"]))
    assert "Build this policy in the portal" in item_page.content.decode()
    assert builder in item_page.content.decode()
    assert reverse("policy-list") in client.get(reverse("home")).content.decode()
