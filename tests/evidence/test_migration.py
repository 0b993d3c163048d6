"""assessments/0005: every file uploaded before the library becomes a library document version,
and every answer and revision that named a file links that document. Run with Django's migration
executor on rows written in the schema before it."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("assessments", "0004_library_document_links")]
AFTER = [("assessments", "0006_answers_use_library_documents")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_files_become_library_documents():
    apps = _migrate(BEFORE)
    try:
        Organisation = apps.get_model("organisations", "Organisation")
        QuestionBank = apps.get_model("assessments", "QuestionBank")
        Section = apps.get_model("assessments", "Section")
        EvidenceItem = apps.get_model("assessments", "EvidenceItem")
        Assessment = apps.get_model("assessments", "Assessment")
        Answer = apps.get_model("assessments", "Answer")
        AnswerRevision = apps.get_model("assessments", "AnswerRevision")
        Document = apps.get_model("assessments", "Document")

        organisation = Organisation.objects.create(ods_code="VAB12", name="Langdale House")
        now = timezone.now()

        def bank(year, previous=""):
            made = QuestionBank.objects.create(
                year=year, publication_deadline=datetime.date(2026, 6, 30), previous_year=previous
            )
            section = Section.objects.create(bank=made, key="p", title="Policies", position=1)
            items = [
                EvidenceItem.objects.create(
                    bank=made,
                    section=section,
                    ref=ref,
                    text="Upload it",
                    answer_type="document",
                    level="met",
                    meets_when={"provided": True},
                    ndg_standard=1,
                    position=position,
                )
                for position, ref in enumerate(("1.1.1", "1.1.2"), start=1)
            ]
            return Assessment.objects.create(organisation=organisation, bank=made), items

        def document(name, days_ago):
            row = Document.objects.create(
                organisation=organisation,
                file=f"evidence/{organisation.pk}/{name}",
                original_name=name,
                content_type="application/pdf",
                size=10,
                sha256=name[0] * 64,
            )
            Document.objects.filter(pk=row.pk).update(
                uploaded_at=now - datetime.timedelta(days=days_ago)
            )
            return row

        old, (old_1, old_2) = bank("2024-25")
        new, (new_1, _) = bank("2025-26", "2024-25")
        first, second, third = (
            document("v1.pdf", 400),
            document("v2.pdf", 200),
            document("v3.pdf", 5),
        )
        other = document("Fire safety.docx", 100)
        never_used = document("Spare.pdf", 50)

        def answer(assessment, item, current, history):
            row = Answer.objects.create(
                assessment=assessment,
                item=item,
                version=len(history),
                updated_at=now,
                document=current,
            )
            for version, named in enumerate(history, start=1):
                AnswerRevision.objects.create(
                    answer=row, version=version, saved_at=now, document=named
                )
            return row

        # Last year: replaced once; this year: carried forward (same file), then replaced again.
        last = answer(old, old_1, second, [first, second])
        this = answer(new, new_1, third, [second, third])
        Answer.objects.filter(pk=this.pk).update(carried_forward_from=last)
        fire = answer(old, old_2, None, [other, None])  # used, then removed
        ids = {"first": first.pk, "third": third.pk, "other": other.pk, "spare": never_used.pk}
        answers = {"last": last.pk, "this": this.pk, "fire": fire.pk}
    finally:
        apps = _migrate(AFTER)

    LibraryDocument = apps.get_model("evidence", "LibraryDocument")
    Document = apps.get_model("assessments", "Document")
    Answer = apps.get_model("assessments", "Answer")
    AnswerRevision = apps.get_model("assessments", "AnswerRevision")

    assert LibraryDocument.objects.count() == 3  # the policy chain, fire safety, the spare file
    policy = Document.objects.get(pk=ids["first"]).library_document
    chain = Document.objects.filter(library_document=policy).order_by("version_number")
    assert [d.original_name for d in chain] == ["v1.pdf", "v2.pdf", "v3.pdf"]
    assert [d.version_number for d in chain] == [1, 2, 3]
    assert policy.current_version_id == ids["third"]
    assert policy.title == "v3"
    assert Answer.objects.get(pk=answers["last"]).library_document_id == policy.pk
    assert Answer.objects.get(pk=answers["this"]).library_document_id == policy.pk
    fire_safety = Document.objects.get(pk=ids["other"]).library_document
    assert fire_safety.title == "Fire safety"
    assert Answer.objects.get(pk=answers["fire"]).library_document_id is None
    revisions = AnswerRevision.objects.filter(answer_id=answers["fire"]).order_by("version")
    assert [r.library_document_id for r in revisions] == [fire_safety.pk, None]
    spare = Document.objects.get(pk=ids["spare"]).library_document
    assert (spare.title, spare.current_version_id) == ("Spare", ids["spare"])
    assert Document.objects.count() == 5  # every file kept
