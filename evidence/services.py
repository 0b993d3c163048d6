"""Writes for the evidence library: adding documents and versions, changing their details,
confirming them current, using them for items, deleting. Each audited in its transaction.

Public for other features (the policy builder, the training register):

* `library_document_add(*, organisation, title, content, file_name="", user, review_date=None,
  owner="") -> LibraryDocument` — `content` is the file's bytes (checked here exactly like an
  upload; UploadRejected if refused) or an `assessments.services.NewDocument` already checked.
* `library_document_use_for(*, document, assessment, items, user, expected_versions=None)
  -> list[Answer]` — links the document to several items' answers through `answer_save`, so
  each answer's history records it. Only items whose answer type is "document" take one (any
  other raises UseForRefused: a statement or a yes/no is not answered by a file; mention the
  document in the comments instead). All or nothing: an answer changed since `expected_versions`
  was read (ref → version; 0 for no answer yet) raises AnswerConflict and links none.

Storage (quota, writing the file, cleaning up after a failure) is `assessments.services`'s,
shared with uploads on the item page.
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Mapping, Sequence

from django.db import transaction

from assessments import services as assessment_services
from assessments.models import (
    Answer,
    AnswerRevision,
    AnswerType,
    Assessment,
    Document,
    EvidenceItem,
)
from assessments.services import AnswerConflict, NewDocument
from assessments.uploads import check_upload
from audit.models import Event
from audit.services import audit_record
from organisations.models import Organisation, User

from . import rules, selectors
from .models import LibraryDocument

logger = logging.getLogger(__name__)


class LibraryConflict(Exception):
    """Someone changed the document's details after the page was loaded."""

    def __init__(self, current: LibraryDocument):
        super().__init__(f"{current.title} changed since the page was loaded")
        self.current = current


class UseForRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class DeleteRefused(Exception):
    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.message = message
        self.kind = kind


def _new_document(content: bytes | NewDocument, file_name: str) -> NewDocument:
    if isinstance(content, NewDocument):
        return content
    stream = io.BytesIO(content)
    checked = check_upload(name=file_name, stream=stream, declared_size=len(content))
    return NewDocument(stream=stream, checked=checked)


def library_document_add(
    *,
    organisation: Organisation,
    title: str,
    content: bytes | NewDocument,
    user: User,
    file_name: str = "",
    review_date: datetime.date | None = None,
    owner: str = "",
) -> LibraryDocument:
    """A new library document with the file as its version 1. A blank title is taken from the
    file name. Raises UploadRejected, QuotaExceeded or StorageUnavailable (nothing saved)."""
    new = _new_document(content, file_name)
    title = title.strip()[: rules.TITLE_MAX_LENGTH] or rules.title_from_file_name(
        new.checked.safe_name
    )
    with assessment_services.files_removed_on_failure() as written, transaction.atomic():
        return assessment_services.library_document_store(
            organisation=organisation,
            title=title,
            new=new,
            user=user,
            written=written,
            owner=owner.strip(),
            review_date=review_date,
        )


def library_version_add(
    *, document: LibraryDocument, content: bytes | NewDocument, user: User, file_name: str = ""
) -> Document:
    """Stores a new version and makes it current: every item using the document shows it, the
    older versions stay listed and downloadable. Raises as `library_document_add`."""
    new = _new_document(content, file_name)
    with assessment_services.files_removed_on_failure() as written, transaction.atomic():
        version = assessment_services.library_version_store(
            library_document=document, new=new, user=user, written=written
        )
        LibraryDocument.objects.filter(pk=document.pk).update(updated_by=user)
        audit_record(
            event=Event.LIBRARY_VERSION_ADDED,
            organisation=document.organisation,
            user=user,
            detail=f"{document.title}: version {version.version_number} ({version.original_name})",
        )
        return version


def _locked(document: LibraryDocument, expected_version: int) -> LibraryDocument:
    locked = (
        LibraryDocument.objects.select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=document.pk)
    )
    if locked.version != expected_version:
        raise LibraryConflict(locked)
    return locked


def library_document_change(
    *,
    document: LibraryDocument,
    title: str,
    owner: str,
    review_date: datetime.date | None,
    expected_version: int,
    user: User,
) -> LibraryDocument:
    """Changes the title, owner and review date unless someone changed them after
    `expected_version` was read (LibraryConflict)."""
    with transaction.atomic():
        locked = _locked(document, expected_version)
        changes = [
            label
            for label, old, new in (
                ("title", locked.title, title.strip()),
                ("owner", locked.owner, owner.strip()),
                ("review date", locked.review_date, review_date),
            )
            if old != new
        ]
        locked.title = title.strip()[: rules.TITLE_MAX_LENGTH]
        locked.owner = owner.strip()
        locked.review_date = review_date
        locked.version += 1
        locked.updated_by = user
        locked.save()
        audit_record(
            event=Event.LIBRARY_DOCUMENT_CHANGED,
            organisation=locked.organisation,
            user=user,
            detail=f"{locked.title}: " + (", ".join(changes) or "saved without changes"),
        )
        return locked


def library_document_confirm_current(
    *,
    document: LibraryDocument,
    review_date: datetime.date,
    expected_version: int,
    user: User,
) -> LibraryDocument:
    """Records a review that found the document still right: the next review date moves on."""
    with transaction.atomic():
        locked = _locked(document, expected_version)
        previous = locked.review_date
        locked.review_date = review_date
        locked.version += 1
        locked.updated_by = user
        locked.save()
        audit_record(
            event=Event.LIBRARY_DOCUMENT_REVIEWED,
            organisation=locked.organisation,
            user=user,
            detail=f"{locked.title}: still current; next review {review_date.isoformat()}"
            + (f" (was {previous.isoformat()})" if previous else ""),
        )
        return locked


def library_document_use_for(
    *,
    document: LibraryDocument,
    assessment: Assessment,
    items: Sequence[EvidenceItem],
    user: User,
    expected_versions: Mapping[str, int] | None = None,
) -> list[Answer]:
    """Links the document to each item's answer (keeping everything else the answer says)."""
    if document.organisation_id != assessment.organisation_id:
        raise UseForRefused("That document belongs to another organisation")
    refused = [item.ref for item in items if item.answer_type != AnswerType.DOCUMENT]
    if refused:
        raise UseForRefused(
            f"{', '.join(refused)} {'asks' if len(refused) == 1 else 'ask'} for an answer, not a "
            "document. Mention the document in the comments there instead"
        )
    saved = []
    with transaction.atomic():
        for item in items:
            if item.bank_id != assessment.bank_id:
                raise UseForRefused(
                    f"{item.ref} is not an item of the {assessment.bank.year} assessment"
                )
            answer = Answer.objects.filter(assessment=assessment, item=item).first()
            if expected_versions is not None:
                expected = expected_versions.get(item.ref, 0)
            else:
                expected = answer.version if answer is not None else 0
            if answer is not None and answer.library_document_id == document.pk:
                if answer.version != expected:
                    raise AnswerConflict(answer)
                continue  # already uses it: nothing to save
            values = (
                {name: getattr(answer, name) for name in ("document_location", "comments")}
                if answer is not None
                else {}
            )
            saved.append(
                assessment_services.answer_save(
                    assessment=assessment,
                    item=item,
                    values=values,
                    expected_version=expected,
                    user=user,
                    library_document=document,
                )
            )
        if saved:
            audit_record(
                event=Event.LIBRARY_DOCUMENT_USED,
                organisation=assessment.organisation,
                user=user,
                detail=f"{document.title} for "
                + ", ".join(answer.item.ref for answer in saved)
                + f" ({assessment.bank.year})",
            )
    return saved


def _delete_files_after_commit(names: list[str]) -> None:
    storage = Document.file.field.storage

    def remove() -> None:
        for name in names:
            try:
                storage.delete(name)
            except Exception as error:  # the orphan sweep removes it later
                logger.warning("Could not remove the deleted document's file %s: %r", name, error)

    transaction.on_commit(remove)


def library_document_delete(*, document: LibraryDocument, user: User) -> None:
    """Deletes the document and every version's file (after the commit), unless it is evidence in
    a publication or still used for an item (DeleteRefused). Saved answer revisions that used it
    keep their other values and no longer name it."""
    with transaction.atomic():
        locked = LibraryDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
        published = selectors.published_versions(document=locked)
        refusal = rules.delete_refusal(
            title=locked.title,
            published_years=set().union(*published.values()) if published else set(),
            used_for=[used.label for used in selectors.library_used_for(document=locked)],
        )
        if refusal is not None:
            raise DeleteRefused(refusal.message, kind=refusal.kind)
        names = list(locked.versions.values_list("file", flat=True))
        AnswerRevision.objects.filter(library_document=locked).update(library_document=None)
        LibraryDocument.objects.filter(pk=locked.pk).update(current_version=None)
        locked.versions.all().delete()
        locked.delete()
        audit_record(
            event=Event.LIBRARY_DOCUMENT_DELETED,
            organisation=document.organisation,
            user=user,
            detail=f"{document.title} ({len(names)} version{'s' if len(names) != 1 else ''})",
        )
        _delete_files_after_commit(names)


def library_version_delete(*, document: LibraryDocument, version: Document, user: User) -> None:
    """Removes an older version (never the current one, nor one a publication used) to free
    storage."""
    with transaction.atomic():
        locked = LibraryDocument.objects.select_for_update(of=("self",)).get(pk=document.pk)
        if version.library_document_id != locked.pk:
            raise DeleteRefused("That version belongs to another document", kind="other")
        if locked.current_version_id == version.pk:
            raise DeleteRefused(
                f"Version {version.version_number} is the current version of {locked.title}. "
                "Upload a newer version first, or delete the whole document",
                kind="current",
            )
        years = selectors.published_versions(document=locked).get(version.pk)
        if years:
            raise DeleteRefused(
                f"You cannot delete version {version.version_number} of {locked.title}: it is "
                f"evidence in your published assessment ({', '.join(sorted(years))})",
                kind="published",
            )
        name = str(version.file.name)
        version.delete()
        audit_record(
            event=Event.LIBRARY_DOCUMENT_CHANGED,
            organisation=locked.organisation,
            user=user,
            detail=f"{locked.title}: version {version.version_number} deleted",
        )
        _delete_files_after_commit([name])
