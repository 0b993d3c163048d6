"""Writes for assessments. Every answer save keeps the previous values as a revision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.utils import timezone

from organisations.models import Organisation, User

from .models import Answer, AnswerRevision, Assessment, Document, EvidenceItem, QuestionBank
from .uploads import CheckedUpload


class AnswerConflict(Exception):
    """Someone saved this item after the page was loaded; `current` is what they saved."""

    def __init__(self, current: Answer):
        super().__init__(f"Answer to {current.item.ref} changed since the page was loaded")
        self.current = current


def assessment_get_or_create(*, organisation: Organisation, bank: QuestionBank) -> Assessment:
    """One assessment per organisation per year, created on first visit."""
    assessment = Assessment.objects.filter(organisation=organisation, bank=bank).first()
    if assessment is None:
        try:
            with transaction.atomic():
                assessment = Assessment.objects.create(organisation=organisation, bank=bank)
                _carry_forward(assessment=assessment)
        except IntegrityError:
            # Two first visits at once: the other one created it.
            assessment = Assessment.objects.get(organisation=organisation, bank=bank)
    # Already in hand: spares the pages a query.
    assessment.bank = bank
    assessment.organisation = organisation
    return assessment


def _carry_forward(*, assessment: Assessment) -> int:
    """Copies last year's answers for items that still exist, each marked for review.

    Items new this year start empty. The copies keep the same document; the old answers are
    untouched, so last year's assessment and publications read as they were.
    """
    bank = assessment.bank
    if not bank.previous_year:
        return 0
    previous = (
        Assessment.objects.filter(
            organisation=assessment.organisation, bank__year=bank.previous_year
        )
        .only("pk")
        .first()
    )
    if previous is None:
        return 0
    items_by_ref = {item.ref: item for item in bank.items.only("pk", "ref")}
    now = timezone.now()
    copies = []
    for old in previous.answers.select_related("item"):
        item = items_by_ref.get(old.item.ref)
        if item is None:
            continue
        copies.append(
            Answer(
                assessment=assessment,
                item=item,
                version=1,
                updated_by_id=old.updated_by_id,
                updated_at=now,
                needs_review=True,
                carried_forward_from=old,
                **{name: getattr(old, name) for name in Answer.VALUE_FIELDS},
            )
        )
    Answer.objects.bulk_create(copies)
    AnswerRevision.objects.bulk_create(
        AnswerRevision(
            answer=answer,
            version=1,
            saved_by_id=answer.updated_by_id,
            saved_at=now,
            **{name: getattr(answer, name) for name in Answer.VALUE_FIELDS},
        )
        for answer in copies
    )
    return len(copies)


@dataclass(frozen=True)
class NewDocument:
    stream: BinaryIO
    checked: CheckedUpload


def answer_save(
    *,
    assessment: Assessment,
    item: EvidenceItem,
    values: dict,
    expected_version: int,
    user: User,
    new_document: NewDocument | None = None,
    remove_document: bool = False,
) -> Answer:
    """Saves an answer unless someone else saved it after `expected_version` was read.

    `values` holds the value fields (text, choice, date, number, document_location, comments).
    An uploaded document is stored and linked in the same transaction; if anything fails the file
    is removed again, so nothing is half-saved.
    """
    stored_name = None
    try:
        with transaction.atomic():
            answer = (
                Answer.objects.select_for_update(of=("self",))
                .select_related("item", "updated_by", "document")
                .filter(assessment=assessment, item=item)
                .first()
            )
            # With no saved answer there is nothing anyone could overwrite.
            if answer is not None and answer.version != expected_version:
                raise AnswerConflict(answer)
            now = timezone.now()
            if answer is None:
                answer = Answer(assessment=assessment, item=item, version=0)
            for name, value in values.items():
                setattr(answer, name, value)
            if new_document is not None:
                document = _document_store(
                    organisation=assessment.organisation, new=new_document, user=user
                )
                stored_name = document.file.name
                answer.document = document
            elif remove_document:
                answer.document = None
            answer.version += 1
            answer.updated_by = user
            answer.updated_at = now
            # Saving is looking at it again: a carried-forward answer counts once reviewed.
            answer.needs_review = False
            try:
                with transaction.atomic():
                    answer.save()
            except IntegrityError as error:
                # Someone else saved the first answer to this item at the same moment.
                existing = Answer.objects.select_related("item", "updated_by").get(
                    assessment=assessment, item=item
                )
                raise AnswerConflict(existing) from error
            AnswerRevision.objects.create(
                answer=answer,
                version=answer.version,
                saved_by=user,
                saved_at=now,
                **{name: getattr(answer, name) for name in Answer.VALUE_FIELDS},
            )
            return answer
    except BaseException:
        if stored_name:
            Document.file.field.storage.delete(stored_name)
        raise


def _document_store(*, organisation: Organisation, new: NewDocument, user: User) -> Document:
    checked = new.checked
    new.stream.seek(0)
    document = Document(
        organisation=organisation,
        original_name=checked.safe_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    document.file.save(checked.safe_name, new.stream, save=False)
    document.save()
    return document
