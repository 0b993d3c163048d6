"""Reads for the evidence library: the list, one document with its versions and uses, what is
due for review, and which publications a document is evidence in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F

from assessments import selectors as assessment_selectors
from assessments.models import Answer, AnswerRevision, AnswerType, Assessment, Document
from organisations.models import Organisation
from publishing.models import Publication
from publishing.snapshot import AnswersSnapshot, SnapshotError

from . import rules
from .models import LibraryDocument


@dataclass(frozen=True)
class UsedFor:
    year: str
    ref: str
    question: str

    @property
    def label(self) -> str:
        return f"{self.ref} ({self.year})"


@dataclass(frozen=True)
class LibraryRow:
    document: LibraryDocument
    review: str | None  # rules.OVERDUE, rules.DUE_SOON or None
    used_for: list[UsedFor]


def library_document_get(*, organisation: Organisation, document_id: int) -> LibraryDocument:
    """Raises LibraryDocument.DoesNotExist for another organisation's document."""
    return organisation.library_documents.select_related(
        "current_version", "created_by", "updated_by"
    ).get(pk=document_id)


def library_version_get(*, document: LibraryDocument, version_id: int) -> Document:
    """Raises Document.DoesNotExist for a version of another document."""
    return document.versions.get(pk=version_id)


def _used_for(answers) -> dict[int, list[UsedFor]]:
    found: dict[int, list[UsedFor]] = {}
    rows = answers.order_by("-assessment__bank__year", "item__position").values_list(
        "library_document_id", "assessment__bank__year", "item__ref", "item__text"
    )
    for document_id, year, ref, question in rows:
        found.setdefault(document_id, []).append(UsedFor(year=year, ref=ref, question=question))
    return found


def library_list(*, organisation: Organisation, on: datetime.date) -> list[LibraryRow]:
    """Every library document of the organisation by title, with what it is used for (two
    queries however many there are)."""
    documents = list(organisation.library_documents.select_related("current_version"))
    used = _used_for(
        Answer.objects.filter(assessment__organisation=organisation, library_document__isnull=False)
    )
    return [
        LibraryRow(
            document=document,
            review=rules.review_state(document.review_date, on=on),
            used_for=used.get(document.pk, []),
        )
        for document in documents
    ]


def library_used_for(*, document: LibraryDocument) -> list[UsedFor]:
    """The items (of any year) whose current answers use the document, newest year first."""
    return _used_for(Answer.objects.filter(library_document=document)).get(document.pk, [])


def library_versions(*, document: LibraryDocument) -> list[Document]:
    return list(document.versions.select_related("uploaded_by").order_by("-version_number"))


def library_overdue_count(*, organisation: Organisation, on: datetime.date) -> int:
    """How many of the organisation's documents are past their review date (one query)."""
    return organisation.library_documents.filter(review_date__lt=on).count()


def published_versions(*, document: LibraryDocument) -> dict[int, set[str]]:
    """version id → the DSPT years of publications that used that version as evidence.

    A publication used a version when its record names the version's checksum (publications
    since the library), or, for older records, when an answer of the published assessment had
    used the document by then: the version current at the moment of publishing is the one."""
    versions = list(document.versions.order_by("version_number"))
    if not versions:
        return {}
    found: dict[int, set[str]] = {}
    by_sha = {version.sha256: version for version in versions}
    publications = Publication.objects.filter(organisation_id=document.organisation_id)
    for year, stored in publications.values_list("bank__year", "answers_snapshot"):
        try:
            snapshot = AnswersSnapshot.from_json(stored)
        except SnapshotError:
            continue
        for answer in snapshot.answers:
            version = by_sha.get(answer.document_sha256)
            if version is not None:
                found.setdefault(version.pk, set()).add(year)
    used_before = AnswerRevision.objects.filter(
        library_document=document,
        answer__assessment__publications__isnull=False,
        saved_at__lte=F("answer__assessment__publications__published_at"),
    ).values_list(
        "answer__assessment__publications__bank__year",
        "answer__assessment__publications__published_at",
    )
    for year, published_at in used_before.distinct():
        current = [version for version in versions if version.uploaded_at <= published_at]
        version = current[-1] if current else versions[0]
        found.setdefault(version.pk, set()).add(year)
    return found


@dataclass(frozen=True)
class ItemChoice:
    ref: str
    question: str
    answer: Answer | None
    linked: bool  # already uses this document

    @property
    def version(self) -> int:
        return self.answer.version if self.answer is not None else 0


def items_to_use_for(*, assessment: Assessment, document: LibraryDocument) -> list[ItemChoice]:
    """The assessment's items that take a document, each with its current answer."""
    answers = assessment_selectors.answers_by_ref(assessment=assessment)
    return [
        ItemChoice(
            ref=item.ref,
            question=item.text,
            answer=answers.get(item.ref),
            linked=(item.ref in answers and answers[item.ref].library_document_id == document.pk),
        )
        for item in assessment_selectors.bank_items(bank=assessment.bank)
        if item.answer_type == AnswerType.DOCUMENT
    ]


def assessment_latest(*, organisation: Organisation) -> Assessment | None:
    """The organisation's assessment for the latest loaded year, once started."""
    bank = assessment_selectors.bank_latest()
    if bank is None:
        return None
    assessment = assessment_selectors.assessment_find(organisation=organisation, bank=bank)
    if assessment is not None:
        assessment.bank, assessment.organisation = bank, organisation
    return assessment
