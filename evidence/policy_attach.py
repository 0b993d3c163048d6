""" "Use as evidence": a policy made by the builder attached to every item it serves, in one step.

ONE function, `policy_attach`, writes through today's `assessments.services.answer_save` (the lead
re-points it at the evidence library once that is merged). The PDF is attached, not the Word
document: evidence is a record of what the policy said at that version, which a PDF keeps and
anyone can open; the Word document is for editing, and an edited copy is uploaded like any file.

All items or none: the versions the confirmation page showed are checked first, with every
answer locked, so a change by someone else since then stops everything before anything is
written; any later failure rolls back the answers and removes the files already stored.
"""

from __future__ import annotations

import datetime
import io
import logging

from django.db import transaction

from assessments import services as assessment_services
from assessments.models import Answer, Assessment, Document
from assessments.selectors import document_name
from assessments.uploads import check_upload
from assessments.vocabulary import format_date
from audit.models import Event
from audit.services import Actor, audit_record
from documents.models import DocumentJob
from organisations.models import User

from .policy_rules import AttachPlan, ItemState, attach_plan, comment_with_note, policy_note

logger = logging.getLogger(__name__)


class PolicyAttachConflict(Exception):
    """Someone changed an answer after the confirmation page was opened: nothing was attached."""

    def __init__(self, ref: str, answer: Answer | None):
        super().__init__(f"The answer to {ref} changed")
        self.ref = ref
        self.answer = answer


def policy_attach_items(*, assessment: Assessment, refs: tuple[str, ...]) -> dict[str, ItemState]:
    """The assessment's items among `refs`, with their answers' versions (for the plan and the
    confirmation page's hidden versions)."""
    items = {item.ref: item for item in assessment.bank.items.filter(ref__in=refs)}
    answers = {
        answer.item.ref: answer
        for answer in Answer.objects.filter(assessment=assessment, item__ref__in=refs)
        .select_related("item", "library_document__current_version")
        .order_by("item__ref")
    }
    return {ref: _state(item, answers.get(ref)) for ref, item in items.items()}


def _state(item, answer: Answer | None) -> ItemState:
    return ItemState(
        ref=item.ref,
        text=item.text,
        answer_type=item.answer_type,
        version=answer.version if answer else 0,
        needs_review=bool(answer and answer.needs_review),
        document_name=document_name(answer),
    )


def policy_attach(
    *,
    assessment: Assessment,
    job: DocumentJob,
    served_refs: tuple[str, ...],
    expected_versions: dict[str, int],
    user: User,
    actor: Actor | None = None,
) -> AttachPlan:
    """Attaches the finished policy PDF `job` to every document item of `served_refs` and adds a
    note to the comments of the others; returns what was done. Raises PolicyAttachConflict if
    any answer's version is not the one in `expected_versions` (nothing is written)."""
    parameters = job.parameters
    data = job.file.open("rb").read()
    job.file.close()
    note = policy_note(
        title=parameters["title"],
        version=parameters["version"],
        review_date_text=format_date(datetime.date.fromisoformat(parameters["review_date"])),
        file_name=job.file_name,
    )
    stored: list[str] = []
    try:
        with transaction.atomic():
            answers = {
                answer.item.ref: answer
                for answer in Answer.objects.select_for_update(of=("self",))
                .filter(assessment=assessment, item__ref__in=served_refs)
                .select_related("item", "library_document__current_version", "updated_by")
                .order_by("item__ref")
            }
            items = {item.ref: item for item in assessment.bank.items.filter(ref__in=served_refs)}
            for ref in served_refs:
                if ref not in items:
                    continue
                current = answers[ref].version if ref in answers else 0
                if expected_versions.get(ref) != current:
                    raise PolicyAttachConflict(ref, answers.get(ref))
            plan = attach_plan(
                served_refs, {ref: _state(item, answers.get(ref)) for ref, item in items.items()}
            )
            for state in plan.changes:
                answer = answers.get(state.ref)
                new_document = None
                if state in plan.attach_file:
                    stream = io.BytesIO(data)
                    checked = check_upload(name=job.file_name, stream=stream)
                    new_document = assessment_services.NewDocument(stream=stream, checked=checked)
                saved = assessment_services.answer_save(
                    assessment=assessment,
                    item=items[state.ref],
                    values={"comments": comment_with_note(answer.comments if answer else "", note)},
                    expected_version=state.version,
                    user=user,
                    new_document=new_document,
                )
                if new_document is not None and saved.library_document is not None:
                    # answer_save put the PDF in the library as a new document of its own.
                    stored.append(saved.library_document.current_version.file.name)
            refs = ", ".join(state.ref for state in plan.changes) or "no items"
            audit_record(
                actor=actor,
                user=user,
                event=Event.POLICY_ATTACHED,
                organisation=assessment.organisation,
                detail=f"{parameters['title']} version {parameters['version']} used as evidence "
                f"for {refs} ({assessment.bank.year})"[:500],
            )
            return plan
    except BaseException:
        # The answers were rolled back; the files they named must go too.
        storage = Document.file.field.storage
        for name in stored:
            try:
                storage.delete(name)
            except Exception as error:  # the orphan sweep removes it later
                logger.warning("Could not remove %s after a failed attach: %r", name, error)
        raise
