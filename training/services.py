"""Writes for the staff training register. Each one is keyword-only, runs in one transaction and
records its audit event inside it (there is never a change without its event).

A person's details carry a `version`: a save from a page showing an older version is refused
with `StaffConflict` (holding what is saved now), never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from assessments.vocabulary import format_date
from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Organisation

from . import rules
from .imports import ImportedPerson
from .models import StaffMember, StaffRole, TrainingRecord, TrainingSource


class StaffConflict(Exception):
    """Someone changed the person after the page was loaded; `current` is what is saved now
    (None when they were removed)."""

    def __init__(self, current: StaffMember | None):
        super().__init__("The person changed since the page was loaded")
        self.current = current


class ImportDuplicates(Exception):
    """People in the file were added to the register by someone else meanwhile."""

    def __init__(self, names: list[str]):
        super().__init__(", ".join(names))
        self.names = names


@dataclass(frozen=True)
class StaffDetails:
    name: str
    job_title: str
    role: str
    start_date: dt.date | None
    leaving_date: dt.date | None


def _locked(*, organisation: Organisation, staff_id: int, expected_version: int) -> StaffMember:
    member = (
        StaffMember.objects.select_for_update()
        .filter(organisation=organisation, pk=staff_id)
        .first()
    )
    if member is None or member.version != expected_version:
        raise StaffConflict(member)
    return member


def staff_member_create(
    *, organisation: Organisation, details: StaffDetails, actor: Actor
) -> StaffMember:
    with transaction.atomic():
        member = StaffMember.objects.create(
            organisation=organisation,
            name=details.name,
            job_title=details.job_title,
            role=details.role,
            start_date=details.start_date,
            leaving_date=details.leaving_date,
        )
        audit_record(
            event=Event.STAFF_ADDED, organisation=organisation, actor=actor, detail=member.name
        )
    return member


def staff_member_update(
    *,
    organisation: Organisation,
    staff_id: int,
    expected_version: int,
    details: StaffDetails,
    actor: Actor,
) -> StaffMember:
    with transaction.atomic():
        member = _locked(
            organisation=organisation, staff_id=staff_id, expected_version=expected_version
        )
        member.name = details.name
        member.job_title = details.job_title
        member.role = details.role
        member.start_date = details.start_date
        member.leaving_date = details.leaving_date
        member.version += 1
        member.save()
        audit_record(
            event=Event.STAFF_CHANGED, organisation=organisation, actor=actor, detail=member.name
        )
    return member


def staff_member_leave(
    *,
    organisation: Organisation,
    staff_id: int,
    expected_version: int,
    leaving_date: dt.date,
    actor: Actor,
) -> StaffMember:
    """Marks the person as leaving on `leaving_date`: kept in the register (their training is
    still the record of what they did), no longer counted after that day."""
    with transaction.atomic():
        member = _locked(
            organisation=organisation, staff_id=staff_id, expected_version=expected_version
        )
        if problem := rules.leaving_date_problem(member.start_date, leaving_date):
            raise ValueError(problem)
        member.leaving_date = leaving_date
        member.version += 1
        member.save(update_fields=["leaving_date", "version", "updated_at"])
        audit_record(
            event=Event.STAFF_LEFT,
            organisation=organisation,
            actor=actor,
            detail=f"{member.name}, leaving on {format_date(leaving_date)}",
        )
    return member


def staff_member_remove(
    *, organisation: Organisation, staff_id: int, expected_version: int, actor: Actor
) -> str:
    """Deletes the person and their training records (someone added by mistake). Returns the
    name."""
    with transaction.atomic():
        member = _locked(
            organisation=organisation, staff_id=staff_id, expected_version=expected_version
        )
        name = member.name
        records = member.training_records.count()
        member.delete()
        audit_record(
            event=Event.STAFF_REMOVED,
            organisation=organisation,
            actor=actor,
            detail=f"{name} and {records} training record{'' if records == 1 else 's'}",
        )
    return name


def training_record_add(
    *,
    organisation: Organisation,
    staff_id: int,
    completed_on: dt.date,
    course: str,
    provider: str,
    actor: Actor,
    today: dt.date,
    source: str = TrainingSource.RECORDED,
) -> TrainingRecord:
    """Raises StaffMember.DoesNotExist for someone not in this organisation's register, and
    ValueError for a date that cannot be right."""
    if problem := rules.training_date_problem(completed_on, today=today):
        raise ValueError(problem)
    with transaction.atomic():
        member = StaffMember.objects.get(organisation=organisation, pk=staff_id)
        record = TrainingRecord.objects.create(
            staff_member=member,
            completed_on=completed_on,
            course=course,
            provider=provider,
            source=source,
            recorded_by=actor.user,
        )
        audit_record(
            event=Event.TRAINING_RECORDED,
            organisation=organisation,
            actor=actor,
            detail=f"{member.name}: {course} on {format_date(completed_on)}",
        )
    return record


def training_record_delete(
    *, organisation: Organisation, staff_id: int, record_id: int, actor: Actor
) -> None:
    """Raises TrainingRecord.DoesNotExist when it is not there (already deleted, or not this
    organisation's)."""
    with transaction.atomic():
        record = (
            TrainingRecord.objects.select_for_update()
            .select_related("staff_member")
            .get(pk=record_id, staff_member_id=staff_id, staff_member__organisation=organisation)
        )
        detail = (
            f"{record.staff_member.name}: {record.course} on {format_date(record.completed_on)}"
        )
        record.delete()
        audit_record(
            event=Event.TRAINING_DELETED, organisation=organisation, actor=actor, detail=detail
        )


def staff_import(
    *, organisation: Organisation, people: list[ImportedPerson], actor: Actor, file_name: str
) -> tuple[int, int]:
    """Adds every person read from a file, with their last training, all or nothing. Returns
    (people added, training records added). Raises ImportDuplicates if someone added one of
    them since the file was checked."""
    with transaction.atomic():
        # One import (or fill) at a time per organisation, so two uploads of the same file cannot
        # both pass the duplicate check.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        existing = {
            rules.same_person_key(name, start)
            for name, start in StaffMember.objects.filter(organisation=organisation).values_list(
                "name", "start_date"
            )
        }
        clashes = [
            person.name
            for person in people
            if rules.same_person_key(person.name, person.start_date) in existing
        ]
        if clashes:
            raise ImportDuplicates(clashes)
        members = StaffMember.objects.bulk_create(
            StaffMember(
                organisation=organisation,
                name=person.name,
                job_title=person.job_title,
                role=person.role or StaffRole.STAFF,
                start_date=person.start_date,
                leaving_date=person.leaving_date,
            )
            for person in people
        )
        records = TrainingRecord.objects.bulk_create(
            TrainingRecord(
                staff_member=member,
                completed_on=person.training_date,
                course=person.course,
                provider=person.provider,
                source=TrainingSource.IMPORTED,
                recorded_by=actor.user,
            )
            for member, person in zip(members, people, strict=True)
            if person.training_date is not None
        )
        audit_record(
            event=Event.STAFF_IMPORTED,
            organisation=organisation,
            actor=actor,
            detail=f"{len(members)} people and {len(records)} training records from {file_name}",
        )
    return len(members), len(records)
