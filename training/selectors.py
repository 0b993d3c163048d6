"""Reads for the staff training register. Every read takes the organisation: another
organisation's person or record is never found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from organisations.models import Organisation

from . import presenters, rules, workbooks
from .models import StaffMember, TrainingRecord


def staff_list(*, organisation: Organisation) -> QuerySet[StaffMember]:
    return StaffMember.objects.filter(organisation=organisation)


def staff_get(*, organisation: Organisation, staff_id: int) -> StaffMember:
    """Raises StaffMember.DoesNotExist for an id that is not this organisation's."""
    return staff_list(organisation=organisation).get(pk=staff_id)


def training_record_get(
    *, organisation: Organisation, staff_id: int, record_id: int
) -> TrainingRecord:
    """Raises TrainingRecord.DoesNotExist unless the record is the person's, and the person the
    organisation's."""
    return TrainingRecord.objects.select_related("staff_member").get(
        pk=record_id,
        staff_member_id=staff_id,
        staff_member__organisation=organisation,
    )


def training_records(*, staff_member: StaffMember) -> list[TrainingRecord]:
    return list(staff_member.training_records.select_related("recorded_by"))


@dataclass(frozen=True)
class RegisterRow:
    """One person as the list, the report and the reminder show them, as at `day`."""

    member: StaffMember
    person: rules.Person
    status: rules.Status
    last_training: TrainingRecord | None  # the latest on or before the day

    @property
    def counts_until(self) -> dt.date | None:
        if self.last_training is None:
            return None
        return rules.counts_until(self.last_training.completed_on)


def register_rows(*, organisation: Organisation, day: dt.date) -> list[RegisterRow]:
    """Everyone in the register with where they stand on `day`. Two queries however many
    people and records."""
    members = staff_list(organisation=organisation).prefetch_related(
        Prefetch(
            "training_records",
            queryset=TrainingRecord.objects.only(
                "id", "staff_member_id", "completed_on", "course", "provider", "source"
            ).order_by("-completed_on", "-id"),
        )
    )
    rows = []
    for member in members:
        records = list(member.training_records.all())
        person = rules.Person(
            start_date=member.start_date,
            leaving_date=member.leaving_date,
            completions=tuple(record.completed_on for record in records),
        )
        latest = next((record for record in records if record.completed_on <= day), None)
        rows.append(
            RegisterRow(
                member=member,
                person=person,
                status=rules.status_on(person, day),
                last_training=latest,
            )
        )
    return rows


def register_headline(*, rows: list[RegisterRow], day: dt.date) -> rules.Headline:
    return rules.headline((row.person for row in rows), day)


def job_title_counts(*, organisation: Organisation, day: dt.date) -> list[tuple[str, int]]:
    """(job title, how many people who count on `day` have it), most common first; people with
    no job title are grouped under their role."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for member in staff_list(organisation=organisation):
        person = rules.Person(start_date=member.start_date, leaving_date=member.leaving_date)
        if not rules.counts_on(person, day):
            continue
        title = " ".join(member.job_title.split()) or member.get_role_display()
        key = title.casefold()
        labels.setdefault(key, title)
        counts[key] = counts.get(key, 0) + 1
    return sorted(
        ((labels[key], count) for key, count in counts.items()),
        key=lambda pair: (-pair[1], pair[0].casefold()),
    )


def existing_people_keys(*, organisation: Organisation) -> set[tuple[str, dt.date | None]]:
    return {
        rules.same_person_key(name, start)
        for name, start in staff_list(organisation=organisation).values_list("name", "start_date")
    }


def training_report_data(*, organisation: Organisation, day: dt.date) -> workbooks.TrainingReport:
    """The training report spreadsheet's contents: everyone, as at `day`."""
    rows = register_rows(organisation=organisation, day=day)
    figures = register_headline(rows=rows, day=day)
    return workbooks.TrainingReport(
        organisation_name=organisation.name,
        ods_code=organisation.ods_code,
        as_at=day,
        headline=presenters.fill_comments(figures),
        threshold=presenters.threshold_text(figures),
        rows=[
            workbooks.ReportRow(
                name=row.member.name,
                job_title=row.member.job_title,
                role=row.member.get_role_display(),
                start_date=row.member.start_date,
                leaving_date=row.member.leaving_date,
                last_training=row.last_training.completed_on if row.last_training else None,
                course=row.last_training.course if row.last_training else "",
                provider=row.last_training.provider if row.last_training else "",
                status=presenters.status_label(row.status).text,
            )
            for row in rows
        ],
    )
