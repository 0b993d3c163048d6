"""Writes for assessments. Every answer save keeps the previous values as a revision."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Event
from audit.services import Actor, audit_record
from dspt_portal.wording import counted
from evidence import rules as library_rules
from evidence.models import LibraryDocument
from organisations.models import Organisation, User

from . import selectors
from .models import Answer, AnswerRevision, Assessment, Document, EvidenceItem, QuestionBank
from .uploads import CheckedUpload

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The evidence file could not be written (disk full or read-only, storage service away).

    Nothing was saved: no file is left behind and the answer is as it was.
    """


class QuotaExceeded(Exception):
    """Storing the file would take the organisation past its storage allowance; nothing was
    saved. `message` is the sentence to show."""

    def __init__(self, *, used: int, quota: int):
        self.used = used
        self.quota = quota
        self.message = library_rules.quota_message(used=used, quota=quota)
        super().__init__(self.message)


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
    library_document: LibraryDocument | None = None,
) -> Answer:
    """Saves an answer unless someone else saved it after `expected_version` was read.

    `values` holds the value fields (text, choice, date, number, document_location, comments).
    The answer's document is a library document: `library_document` links one the organisation
    already has; `new_document` puts an uploaded file in the library (titled from its name,
    within the organisation's storage allowance, else QuotaExceeded) and links it, in the same
    transaction: if anything fails the file is removed again, so nothing is half-saved;
    `remove_document` unlinks it (the library keeps it). Anything else keeps the link as it was.
    """
    if (
        library_document is not None
        and library_document.organisation_id != assessment.organisation_id
    ):
        raise ValueError("A library document of another organisation")
    with files_removed_on_failure() as written, transaction.atomic():
        answer = (
            Answer.objects.select_for_update(of=("self",))
            .select_related("item", "updated_by", "library_document__current_version")
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
            answer.library_document = library_document_store(
                organisation=assessment.organisation,
                title=library_rules.title_from_file_name(new_document.checked.safe_name),
                new=new_document,
                user=user,
                written=written,
            )
        elif library_document is not None:
            answer.library_document = library_document
        elif remove_document:
            answer.library_document = None
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


@contextmanager
def files_removed_on_failure() -> Iterator[list[str]]:
    """Collects the names of files written inside the block and removes them again if the block
    (or the commit of a transaction opened inside it) fails: a file is kept only with its row."""
    written: list[str] = []
    try:
        yield written
    except BaseException:
        for name in written:
            _delete_quietly(Document.file.field.storage, name)
        raise


def storage_quota() -> int:
    return int(settings.DSPT_EVIDENCE_QUOTA_BYTES)


def library_document_store(
    *,
    organisation: Organisation,
    title: str,
    new: NewDocument,
    user: User,
    written: list[str],
    owner: str = "",
    review_date: date | None = None,
) -> LibraryDocument:
    """A new library document with the file as its version 1 (inside the caller's transaction
    and `files_removed_on_failure` block, whose list `written` gets the file's name)."""
    library_document = LibraryDocument.objects.create(
        organisation=organisation,
        title=title,
        owner=owner,
        review_date=review_date,
        created_by=user,
        updated_by=user,
    )
    library_version_store(library_document=library_document, new=new, user=user, written=written)
    audit_record(
        event=Event.LIBRARY_DOCUMENT_ADDED,
        organisation=organisation,
        user=user,
        detail=title,
    )
    return library_document


def library_version_store(
    *, library_document: LibraryDocument, new: NewDocument, user: User, written: list[str]
) -> Document:
    """Stores the file as the library document's newest version and makes it current.

    Locks the organisation's row first, so two uploads at once are counted one after the other
    and cannot both slip under the storage allowance (QuotaExceeded, nothing written). Runs in
    the caller's transaction, inside its `files_removed_on_failure` block."""
    organisation = library_document.organisation
    Organisation.objects.select_for_update().filter(pk=organisation.pk).values_list("pk").first()
    used = selectors.storage_used(organisation=organisation)
    quota = storage_quota()
    if not library_rules.fits_quota(used=used, adding=new.checked.size, quota=quota):
        raise QuotaExceeded(used=used, quota=quota)
    latest = library_document.versions.order_by("-version_number").first()
    document = _document_store(
        organisation=organisation,
        new=new,
        user=user,
        library_document=library_document,
        version_number=(latest.version_number + 1) if latest else 1,
        written=written,
    )
    library_document.current_version = document
    LibraryDocument.objects.filter(pk=library_document.pk).update(current_version=document)
    return document


def _document_store(
    *,
    organisation: Organisation,
    new: NewDocument,
    user: User,
    library_document: LibraryDocument,
    version_number: int,
    written: list[str],
) -> Document:
    """Writes the file, then its row (the caller's transaction): a row never names a missing file.

    A write that fails part-way (disk full, storage gone) is removed again here, since the
    storage leaves what it wrote; once written, its name goes on `written`, so the caller's
    `files_removed_on_failure` removes it if anything after it fails.
    """
    checked = new.checked
    new.stream.seek(0)
    document = Document(
        organisation=organisation,
        original_name=checked.safe_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
        library_document=library_document,
        version_number=version_number,
    )
    storage = Document.file.field.storage
    # The name is chosen here (random, nothing the uploader chose) so a failed write can be found.
    name = Document.file.field.generate_filename(document, checked.safe_name)
    try:
        document.file = storage.save(name, new.stream, max_length=Document.file.field.max_length)
    except Exception as error:  # OSError on local disk; an S3 client raises its own errors
        logger.warning("Evidence file %s could not be written: %r", name, error)
        _delete_quietly(storage, name)
        raise StorageUnavailable(f"could not write {name}") from error
    written.append(document.file.name)
    document.save()
    return document


def document_download(*, document: Document, actor: Actor | None = None) -> File:
    """Opens an evidence document's stored file for someone to download, and records that they
    did. Raises FileNotFoundError (and records nothing) when the file is missing."""
    stream = document.file.open("rb")
    audit_record(
        actor=actor,
        event=Event.DOCUMENT_DOWNLOADED,
        organisation=document.organisation,
        detail=document.original_name,
    )
    return stream


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception as error:  # the storage is failing: the orphan sweep removes it later
        logger.warning("Could not remove the partly written file %s: %r", name, error)


EVIDENCE_FOLDER = "evidence"
# A file younger than this may belong to an upload still being saved: never touched.
ORPHAN_MIN_AGE = timedelta(hours=1)
_ORPHAN_BATCH = 500


def evidence_orphans_remove(
    *, now: datetime | None = None, min_age: timedelta = ORPHAN_MIN_AGE
) -> list[str]:
    """Deletes evidence files no Document row names and older than `min_age`; their names.

    What leaves them: a web process killed between writing a file and committing its row, or a
    failed write the storage would not let us remove at the time. Run hourly by Celery beat and
    by `manage.py evidence_remove_orphans`. Rows are looked up after the files are listed, so a
    file whose row commits meanwhile is kept.
    """
    now = now or timezone.now()
    storage = Document.file.field.storage
    old_enough = []
    for name in _storage_walk(storage, EVIDENCE_FOLDER):
        try:
            modified = storage.get_modified_time(name)
        except FileNotFoundError:  # removed meanwhile
            continue
        if now - modified >= min_age:
            old_enough.append(name)
    removed = []
    for start in range(0, len(old_enough), _ORPHAN_BATCH):
        batch = old_enough[start : start + _ORPHAN_BATCH]
        referenced = set(Document.objects.filter(file__in=batch).values_list("file", flat=True))
        for name in batch:
            if name not in referenced:
                storage.delete(name)
                removed.append(name)
    if removed:
        logger.warning("Removed %s no document refers to", counted(len(removed), "evidence file"))
    return removed


def _storage_walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # nothing uploaded yet
        return
    for name in files:
        yield f"{folder}/{name}"
    for child in folders:
        yield from _storage_walk(storage, f"{folder}/{child}")
