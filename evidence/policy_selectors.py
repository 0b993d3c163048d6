"""Reads for the policy builder's pages: the documents it made, and the assessment "Use as
evidence" adds them to. Everything is found through the organisation, so another
organisation's job id is simply not found."""

from __future__ import annotations

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from documents.models import DocumentJob
from organisations.models import Organisation

POLICY_KINDS = (DocumentJob.Kind.POLICY_DOCX, DocumentJob.Kind.POLICY_PDF)


def policy_job_pair(
    *, organisation: Organisation, job_id: int
) -> tuple[DocumentJob, DocumentJob | None]:
    """The Word document job `job_id` of the organisation and the PDF made from the same
    answers (None if it has been replaced since). Raises DocumentJob.DoesNotExist."""
    word = organisation.document_jobs.get(pk=job_id, kind=DocumentJob.Kind.POLICY_DOCX)
    pdf = organisation.document_jobs.filter(
        kind=DocumentJob.Kind.POLICY_PDF, subject=word.subject, fingerprint=word.fingerprint
    ).first()
    return word, pdf


def policy_latest_jobs(*, organisation: Organisation) -> dict[str, DocumentJob]:
    """The latest Word document made for each policy, by policy key."""
    latest: dict[str, DocumentJob] = {}
    for job in organisation.document_jobs.filter(
        kind=DocumentJob.Kind.POLICY_DOCX, subject__startswith=f"policy:{organisation.pk}:"
    ).order_by("-created_at"):
        latest.setdefault(job.parameters.get("key", ""), job)
    return latest


def policy_assessment(*, organisation: Organisation) -> tuple[str | None, Assessment | None]:
    """The latest year and the organisation's assessment for it (None before it is started)."""
    bank = assessment_selectors.bank_latest()
    if bank is None:
        return None, None
    assessment = assessment_selectors.assessment_find(organisation=organisation, bank=bank)
    if assessment is not None:
        assessment.bank, assessment.organisation = bank, organisation
    return bank.year, assessment


def policy_item_texts(*, year: str | None) -> dict[str, str]:
    bank = assessment_selectors.bank_get(year=year) if year else None
    return assessment_selectors.item_texts(bank=bank) if bank is not None else {}
