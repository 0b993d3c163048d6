"""What each document is made from: read from the database into the builders' plain data.

The builders (`documents.builders`) never touch the database; these functions are the only place
a document's content is read.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.models import Assessment
from assessments.presenters import NOT_MET_LABEL, answer_text
from assessments.vocabulary import item_level_label, level_label
from organisations.models import Organisation
from publishing import inputs
from publishing.models import Publication
from publishing.snapshot import AnswersSnapshot

from .builders import excel
from .builders.action_plan import ActionPlanWorkbook, PlanRow
from .builders.certificate import CertificateData


def _local_now() -> datetime:
    return timezone.localtime().replace(tzinfo=None)


def _workbook_organisation(organisation: Organisation) -> excel.WorkbookOrganisation:
    return excel.WorkbookOrganisation(
        name=organisation.name,
        ods_code=organisation.ods_code,
        address_lines=tuple(organisation.address_lines),
        sector=organisation.get_primary_sector_display() or "",
    )


def assessment_workbook(*, assessment: Assessment) -> excel.AssessmentWorkbook:
    """The assessment as it stands: every item, its answer, who changed it last."""
    view = assessment_selectors.assessment_view(assessment=assessment)
    sections = []
    for group in view.sections():
        rows = []
        for row in group.rows:
            answer = row.answer
            rows.append(
                excel.WorkbookRow(
                    ref=row.item.ref,
                    section=group.section.title,
                    question=row.item.text,
                    level_label=item_level_label(row.item.level),
                    answer=_answer_text(row.item, answer)
                    if row.status.applies
                    else excel.NOT_APPLICABLE,
                    comments=answer.comments if answer else "",
                    document=(
                        assessment_selectors.document_name(answer)
                        or (answer.document_location if answer else "")
                    ),
                    last_changed_by=str(answer.updated_by or "") if answer else "",
                    last_changed_at=(
                        timezone.localtime(answer.updated_at).replace(tzinfo=None)
                        if answer
                        else None
                    ),
                    review_state=(
                        excel.CARRIED_FORWARD
                        if answer and answer.needs_review
                        else (
                            NOT_MET_LABEL
                            if row.status.not_met
                            else (
                                excel.REVIEWED if answer and answer.carried_forward_from_id else ""
                            )
                        )
                    ),
                )
            )
        sections.append((group.section.title, rows))
    progress_figures = view.progress
    return excel.AssessmentWorkbook(
        organisation=_workbook_organisation(assessment.organisation),
        summary=excel.WorkbookSummary(
            year=assessment.bank.year,
            progress_text=(
                f"Progress: {progress_figures.mandatory_done} of "
                f"{progress_figures.mandatory_total} mandatory evidence items provided"
                + _not_met_text(progress_figures.mandatory_not_met, ", {} of them")
            ),
            met_text=(
                f"Standards Met: {progress_figures.met_done} of {progress_figures.met_total} "
                "evidence items provided" + _not_met_text(progress_figures.met_not_met, "; {}")
            ),
            generated_at=_local_now(),
            title=f"Data security assessment {assessment.bank.year}",
        ),
        sections=sections,
    )


def _not_met_text(count: int, template: str) -> str:
    return template.format(count) + " answered – not met" if count else ""


def _answer_text(item, answer) -> str:
    if answer is None:
        return ""
    return answer_text(
        assessment_selectors.rule_item(item),
        assessment_selectors.rule_answer(answer),
        document_name=assessment_selectors.document_name(answer),
    )


def publication_workbook(*, publication: Publication) -> excel.AssessmentWorkbook:
    """The answers exactly as published, from the publication's snapshot."""
    return excel.AssessmentWorkbook(
        organisation=_workbook_organisation(publication.organisation),
        summary=excel.WorkbookSummary(
            year=publication.bank.year,
            progress_text=publication.status_text,
            met_text=f"Published {timezone.localtime(publication.published_at):%d/%m/%Y %H:%M}",
            generated_at=_local_now(),
            title=f"{publication.status_text} – answers as published",
        ),
        sections=excel.rows_from_snapshot(AnswersSnapshot.from_json(publication.answers_snapshot)),
    )


def certificate_data(*, publication: Publication) -> CertificateData:
    organisation = publication.organisation
    sites = tuple(
        (site.name, site.ods_code) for site in publication.sites.order_by("name", "ods_code")
    )
    return CertificateData(
        organisation_name=publication.published_as_name,
        ods_code=publication.published_as_ods_code,
        address_lines=tuple(organisation.address_lines),
        level_label=level_label(publication.level),
        year=publication.bank.year,
        published_on=timezone.localtime(publication.published_at).date(),
        verification_code=publication.verification_code,
        verification_url=settings.DSPT_SITE_URL.rstrip("/")
        + reverse("certificate-verify", args=[publication.verification_code]),
        sites=sites,
    )


def action_plan_workbook(
    *, organisation: Organisation, assessment: Assessment, today: date
) -> ActionPlanWorkbook:
    """The items the action plan must cover, with whatever plan is saved for them."""
    outstanding = inputs.action_plan_items(assessment=assessment, today=today)
    entries = {
        entry.item.ref: entry for entry in assessment.action_plan_entries.select_related("item")
    }
    rows = []
    for item in outstanding:
        entry = entries.get(item.ref)
        rows.append(
            PlanRow(
                ref=item.ref,
                section=item.section.title,
                requirement=item.text,
                level_label="Mandatory" if item.is_mandatory else "Standards Met",
                action=entry.action if entry else "",
                responsible_person=entry.responsible_person if entry else "",
                target_date=entry.target_date if entry else None,
            )
        )
    return ActionPlanWorkbook(
        organisation_name=organisation.name,
        ods_code=organisation.ods_code,
        year=assessment.bank.year,
        rows=rows,
        today=today,
    )
