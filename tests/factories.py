import datetime

import factory
from django.utils import timezone

from organisations.models import Membership, Organisation, OrganisationProfile, User
from organisations.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@care.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct-horse-battery-9")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    ods_code = factory.Sequence(lambda n: f"VT{n:03d}")
    name = factory.Sequence(lambda n: f"Test Care Home {n}")
    primary_sector = "Social Care"
    kind = Organisation.Kind.SITE
    postcode = "LS1 4AP"
    source = Organisation.Source.TOOLKIT_EXPORT


class RegisteredOrganisationFactory(OrganisationFactory):
    class Meta:
        skip_postgeneration_save = True

    registration_state = Organisation.RegistrationState.REGISTERED
    registered_at = factory.LazyFunction(timezone.now)
    profile = factory.RelatedFactory(
        "tests.factories.OrganisationProfileFactory", factory_related_name="organisation"
    )


class OrganisationProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationProfile


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(RegisteredOrganisationFactory)
    role = Role.MEMBER


SECTION_TITLES = [
    ("staffing-and-roles", "Staffing and roles"),
    ("policies-and-procedures", "Policies and procedures"),
    ("data-security", "Data security"),
    ("it-systems-and-devices", "IT systems and devices"),
]


def bank_build(
    *, year: str = "2025-26", items_per_section: int = 3, deadline=None, previous_year: str = ""
):
    """A small bank for tests: each section gets items of every answer type, in turn.

    The first two items of each section are needed for Approaching Standards, the next for
    Standards Met, the rest are non-mandatory. In the last section, the item after a choice item
    depends on it (like 8.2.1 on 8.1.4).
    """
    from assessments.models import EvidenceItem, QuestionBank, Section

    answer_types = ["text", "yes_no", "date", "number", "document", "yes_no_text"]
    # What meets each type in this test bank: "Yes", a figure of at least 1, a date in the last
    # five years (the table tests in tests/assessments/test_rules.py cover tighter limits).
    meets_when = {
        "text": {"provided": True},
        "document": {"provided": True},
        "yes_no": {"answers": ["yes"]},
        "yes_no_text": {"answers": ["yes"]},
        "number": {"at_least": "1"},
        "date": {"within_months": 60},
    }
    start = int(year[:4])
    bank = QuestionBank.objects.create(
        year=year,
        publication_deadline=deadline or datetime.date(start + 1, 6, 30),
        previous_year=previous_year,
    )
    position = 0
    for number, (key, title) in enumerate(SECTION_TITLES, start=1):
        section = Section.objects.create(bank=bank, key=key, title=title, position=number)
        for index in range(items_per_section):
            position += 1
            level = "approaching" if index < 2 else "met" if index == 2 else "optional"
            EvidenceItem.objects.create(
                bank=bank,
                section=section,
                ref=f"{number}.{index // 9 + 1}.{index % 9 + 1}",
                text=f"Question {number}.{index + 1}",
                guidance="See https://www.example.org/guidance for help.",
                answer_type=answer_types[(position - 1) % len(answer_types)],
                meets_when=meets_when[answer_types[(position - 1) % len(answer_types)]],
                level=level,
                ndg_standard=number,
                position=position,
            )
    last = SECTION_TITLES[-1][0]
    choice = EvidenceItem.objects.create(
        bank=bank,
        section=Section.objects.get(bank=bank, key=last),
        ref="4.9.8",
        text="Are all your systems supported?",
        answer_type="choice",
        options=[
            {"value": "supported", "label": "Yes, all supported"},
            {"value": "unsupported-managed", "label": "No, and we manage the risks"},
        ],
        meets_when={"answers": ["supported", "unsupported-managed"]},
        level="met",
        ndg_standard=4,
        position=position + 1,
    )
    EvidenceItem.objects.create(
        bank=bank,
        section=choice.section,
        ref="4.9.9",
        text="Upload your risk decisions for unsupported systems",
        answer_type="document",
        meets_when={"provided": True},
        level="met",
        depends_on=choice,
        depends_on_answers=["unsupported-managed"],
        condition_text="some systems are unsupported and their risks are managed",
        ndg_standard=4,
        position=position + 2,
    )
    return bank


# --- Answers and publications ---------------------------------------------------------------------

# A sample answer per answer type, each of which meets its item in the bank above.
ANSWER_VALUES = {
    "text": {"text": "We do this"},
    "yes_no": {"choice": "yes"},
    "yes_no_text": {"choice": "yes", "text": "Details"},
    "date": {"date": datetime.date(2025, 5, 1)},
    "number": {"number": 3},
    "document": {"document_location": "Office"},
    "choice": {"choice": "supported"},
}


def answer_items(assessment, user, *, levels=("approaching", "met")):
    """Answers every item at `levels` (dependent items aside) through the services layer, each with
    its type's sample answer: with the default levels, the assessment can publish Standards Met."""
    from assessments import services as assessment_services
    from assessments.models import Answer

    for item in assessment.bank.items.order_by("position"):
        if item.level not in levels or item.depends_on_id:
            continue
        existing = Answer.objects.filter(assessment=assessment, item=item).first()
        assessment_services.answer_save(
            assessment=assessment,
            item=item,
            values={**ANSWER_VALUES[item.answer_type], "comments": ""},
            expected_version=existing.version if existing else 0,
            user=user,
        )


def publication_build(
    organisation,
    bank,
    *,
    level: str = "met",
    published_at: datetime.datetime | None = None,
    sites=(),
    published_by_name: str = "Pat Publisher",
    **extra,
):
    """A publication row as the publish service would leave it, without answers behind it
    (published ten days ago unless said otherwise), covering `sites`."""
    from assessments.models import Assessment
    from publishing.models import Publication, PublicationSite

    assessment, _ = Assessment.objects.get_or_create(organisation=organisation, bank=bank)
    publication = Publication.objects.create(
        organisation=organisation,
        bank=bank,
        assessment=assessment,
        sequence=organisation.publications.count() + 1,
        level=level,
        published_at=published_at or timezone.now() - datetime.timedelta(days=10),
        published_by_name=published_by_name,
        published_as_name=organisation.name,
        published_as_ods_code=organisation.ods_code,
        **extra,
    )
    for site in sites:
        PublicationSite.objects.create(publication=publication, organisation=site)
    return publication


# The lost unencrypted laptop of issue 14: every answer given, reportable to the ICO.
LAPTOP_ANSWERS = {
    "happened_at_unknown": False,
    "how_discovered": "The care worker reported it the next morning",
    "description": "An unencrypted laptop with care records was left on a train",
    "breach_category": "lost-stolen-hardware",
    "cyber_caused": "no",
    "information_affected": ["confidentiality"],
    "personal_data": ["health", "identifiers"],
    "people_categories": ["service-users"],
    "records_count": 40,
    "people_count": 40,
    "consequences": "Distress and a risk of identity fraud",
    "containment": "Asked the train company; changed the passwords",
    "people_told": "not_yet",
    "others_told": ["police"],
    "likelihood": 4,
    "severity": 3,
}


def incident_draft(organisation, user=None, *, discovered_at=None, **answers):
    """A draft incident report of `organisation` with every answer given (the lost laptop) unless
    `answers` changes some; discovered an hour ago unless `discovered_at` says otherwise."""
    from incidents.models import Incident

    now = timezone.now()
    discovered_at = discovered_at or now - datetime.timedelta(hours=1)
    values = {
        **LAPTOP_ANSWERS,
        "happened_at": discovered_at - datetime.timedelta(hours=12),
        "discovered_at": discovered_at,
        **answers,
    }
    return Incident.objects.create(
        organisation=organisation, created_by=user, updated_by=user, **values
    )


def incident_reported(organisation, user=None, *, submitted_at=None, **answers):
    """A submitted incident report (the lost laptop unless `answers` changes it), judged by the
    current scales file as incident_submit judges it; nothing is sent to the regulator."""
    from incidents import rules
    from incidents.models import Incident, reference_for
    from incidents.scales import scales_current

    incident = incident_draft(organisation, user, **answers)
    scales = scales_current()
    result = rules.verdict(
        incident.likelihood,
        incident.severity,
        vulnerable_groups=incident.vulnerable_groups,
        grid=scales.grid,
    )
    submitted_at = submitted_at or timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        state=Incident.State.SUBMITTED,
        reference=reference_for(pk=incident.pk, year=submitted_at.year),
        verdict=result.outcome,
        verdict_reason=result.reason,
        near_miss=result.near_miss,
        scales_version=scales.version,
        submitted_at=submitted_at,
        submitted_by=user,
        version=incident.version + 1,
    )
    incident.refresh_from_db()
    return incident


def quiz_link_build(organisation, created_by, *, name: str = "Priya Carer"):
    """A staff member of `organisation` with a new frontline quiz link: (staff member, link,
    the link's secret)."""
    from training.models import StaffMember
    from training.quiz_services import quiz_link_create

    staff_member = StaffMember.objects.create(
        organisation=organisation, name=name, job_title="Care assistant"
    )
    link, token = quiz_link_create(
        organisation=organisation, staff_member=staff_member, created_by=created_by
    )
    return staff_member, link, token


def quiz_page_choices(quiz, page: int, *, wrong: int = 0) -> dict[str, str]:
    """A quiz page's form data: the right option for each question, except the first `wrong`
    of them, which get a wrong one."""
    choices = {}
    for number, question in enumerate(quiz.page(page).questions):
        right = question.answer
        wrong_option = next(key for key in question.option_keys if key != right)
        choices[f"q-{question.key}"] = wrong_option if number < wrong else right
    return choices


def library_document_with_file(
    organisation,
    *,
    title: str = "Data protection policy",
    name: str = "policy.pdf",
    content: bytes = b"%PDF-1.4\n",
    user=None,
    review_date=None,
):
    """A library document whose version 1 is a stored file (written as it is, unchecked)."""
    import hashlib

    from django.core.files.base import ContentFile

    from assessments.models import Document
    from evidence.models import LibraryDocument

    library_document = LibraryDocument.objects.create(
        organisation=organisation,
        title=title,
        review_date=review_date,
        created_by=user,
        updated_by=user,
    )
    document = Document(
        organisation=organisation,
        original_name=name,
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user,
        library_document=library_document,
        version_number=1,
    )
    document.file.save(name, ContentFile(content), save=True)
    library_document.current_version = document
    library_document.save(update_fields=["current_version"])
    return library_document


def policy_jobs_build(*, organisation, user, year: str = "", key: str = "data-protection-policy"):
    """A finished policy from the builder: its Word document and PDF jobs (ready, with small
    stand-in files), made from real parameters; returns (word, pdf)."""
    from django.core.files.base import ContentFile

    from documents.models import DocumentJob
    from evidence.policy_documents import policy_job_identity, policy_parameters
    from evidence.policy_texts import YES_NO, policy_texts_load

    policy = policy_texts_load().by_key[key]
    parameters = policy_parameters(
        organisation=organisation,
        policy=policy,
        answers={q.key: True if q.type == YES_NO else "Answer" for q in policy.questions},
        data_security_lead="Dana Lead",
        review_date=timezone.localdate() + datetime.timedelta(days=365),
        version="1.0",
        made_on=timezone.localdate(),
        year=year,
    )
    subject, fingerprint = policy_job_identity(organisation=organisation, parameters=parameters)
    jobs = []
    for kind, name, content, content_type in (
        (DocumentJob.Kind.POLICY_DOCX, f"{key}.docx", b"PK\x03\x04", "application/msword"),
        (DocumentJob.Kind.POLICY_PDF, f"{key}.pdf", b"%PDF-1.4\n", "application/pdf"),
    ):
        job = DocumentJob(
            organisation=organisation,
            kind=kind,
            subject=subject,
            fingerprint=fingerprint,
            parameters=parameters,
            state=DocumentJob.State.READY,
            file_name=name,
            content_type=content_type,
            requested_by=user,
        )
        job.file.save(name, ContentFile(content), save=True)
        jobs.append(job)
    return jobs[0], jobs[1]


# --- The staff training register ------------------------------------------------------------------


def staff_member_build(organisation, name: str = "Ann Smith", *, trained_on=None, **fields):
    """A person in the organisation's staff training register, with one training record when
    `trained_on` is a date."""
    from training.models import StaffMember, TrainingRecord

    member = StaffMember.objects.create(organisation=organisation, name=name, **fields)
    if trained_on is not None:
        TrainingRecord.objects.create(
            staff_member=member,
            completed_on=trained_on,
            course="Data Security Awareness Level 1",
            provider="E-learning",
        )
    return member


def training_item_add(bank, *, answer_type: str = "number"):
    """Item 3.2.1 (the share of staff trained in the last 12 months, at least 95) in a test bank,
    which bank_build does not make."""
    from assessments.models import EvidenceItem, Section

    section = Section.objects.get(bank=bank, position=3)
    meets_when = {"at_least": "95"} if answer_type == "number" else {"answers": ["yes"]}
    return EvidenceItem.objects.create(
        bank=bank,
        section=section,
        ref="3.2.1",
        text="What percentage of your staff have completed data security training in the last "
        "twelve months?",
        answer_type=answer_type,
        meets_when=meets_when,
        level="met",
        ndg_standard=3,
        position=bank.items.count() + 100,
    )


def bank_item_change(bank, ref: str, /, **values) -> None:
    """Changes item `ref` of `bank` as the bank loader does: a bulk write, which sends no save
    signals, and the bank's `loaded_at` moved, which is what tells every process that keeps the
    bank's items (assessments.selectors.bank_items) to read them again."""
    from assessments.models import EvidenceItem, QuestionBank

    assert EvidenceItem.objects.filter(bank=bank, ref=ref).update(**values) == 1
    QuestionBank.objects.filter(pk=bank.pk).update(
        loaded_at=timezone.now() + datetime.timedelta(microseconds=1)
    )
