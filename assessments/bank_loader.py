"""Writing a validated question bank (see assessments.bank) into the database.

One transaction per bank, bulk writes, and existing rows matched by section key and item ref, so
that answers already given stay attached to their items when a bank file is corrected. Loading the
same file again writes nothing at all. An item that disappears from the file is deleted only if
nobody has answered it: answers are never thrown away by a bank load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db import transaction
from django.db.models import Count, F, ProtectedError

from dspt_portal.wording import counted

from .bank import BankDefinition, BankError, ItemDefinition
from .models import Answer, EvidenceItem, QuestionBank, Section

BATCH_SIZE = 500

# Moving sections to positions above this before giving them their new ones keeps the
# (bank, position) unique constraint satisfied row by row while sections swap places.
SECTION_POSITION_SHIFT = 1000

# EvidenceItem columns that come straight from the file (depends_on is set in a second pass,
# once every item has an id).
ITEM_FIELDS = (
    "section_id",
    "text",
    "guidance",
    "answer_type",
    "options",
    "level",
    "depends_on_answers",
    "meets_when",
    "condition_text",
    "ndg_standard",
    "position",
    "answer_format",
    "example_response",
    "example_comment",
    "policy_templates",
    "guidance_links",
)


@dataclass(frozen=True)
class LoadReport:
    year: str
    bank_created: bool
    # The bank's own details (deadline, sector, source file...) changed.
    bank_updated: bool
    sections_created: int
    sections_updated: int
    sections_removed: int
    created: int
    updated: int
    unchanged: int
    removed: int
    # Changes that may leave existing answers not fitting their item, for a person to look at.
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(
            self.bank_created
            or self.bank_updated
            or self.sections_created
            or self.sections_updated
            or self.sections_removed
            or self.created
            or self.updated
            or self.removed
        )

    @property
    def status(self) -> str:
        if self.bank_created:
            return "created"
        return "updated" if self.changed else "unchanged"

    def summary(self) -> str:
        return (
            f"Items: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed."
        )


def question_bank_load(*, definition: BankDefinition, source_sha256: str) -> LoadReport:
    """Create or update the year's QuestionBank, Sections and EvidenceItems from `definition`.

    Raises BankError, with nothing written, when an item that has answers is no longer in the file.
    """
    with transaction.atomic():
        return _Load(definition=definition, source_sha256=source_sha256).run()


def _option_dicts(item: ItemDefinition) -> list[dict[str, str]]:
    return [{"value": option.value, "label": option.label} for option in item.options]


class _Load:
    def __init__(self, *, definition: BankDefinition, source_sha256: str) -> None:
        self.definition = definition
        self.bank_values: dict[str, Any] = {
            "sector": definition.sector,
            "toolkit_version": definition.toolkit_version,
            "publication_deadline": definition.publication_deadline,
            "previous_year": definition.previous_year,
            # The file's name, not the path it was loaded from: loading the same file from another
            # directory is not a change.
            "source_name": PurePath(definition.source_name).name[:255],
            "source_sha256": source_sha256,
        }

    def run(self) -> LoadReport:
        definition = self.definition
        # Locking the row makes two loads of the same year run one after the other.
        bank = QuestionBank.objects.select_for_update().filter(year=definition.year).first()
        bank_created = bank is None
        if bank is None:
            bank = QuestionBank.objects.create(year=definition.year, **self.bank_values)
            bank_changes: list[str] = []
        else:
            bank_changes = [
                name for name, value in self.bank_values.items() if getattr(bank, name) != value
            ]

        existing_items = {item.ref: item for item in EvidenceItem.objects.filter(bank=bank)}
        wanted_refs = {item.ref for item in definition.items}
        removed_refs = [ref for ref in existing_items if ref not in wanted_refs]
        # Checked before anything is written, so a refused load leaves the database as it was.
        self.refuse_removing_answered_items(bank, removed_refs)
        warnings = self.answers_that_may_not_fit(existing_items)

        sections, sections_created, sections_updated, removed_sections = self.sync_sections(bank)
        created_refs, updated_refs = self.sync_items(bank, sections, existing_items)
        items_by_ref = {**existing_items, **created_refs}
        updated_refs |= self.sync_dependencies(items_by_ref, existing_items)

        if removed_refs:
            removed = EvidenceItem.objects.filter(bank=bank, ref__in=removed_refs)
            # depends_on is PROTECT: removed items may point at each other. Items that stay no
            # longer point at them after the dependency pass.
            removed.update(depends_on=None)
            try:
                removed.delete()
            except ProtectedError:
                # Someone answered one of them after the check above; the transaction rolls back.
                self.refuse_removing_answered_items(bank, removed_refs)
                raise
        if removed_sections:
            Section.objects.filter(pk__in=[section.pk for section in removed_sections]).delete()

        report = LoadReport(
            year=definition.year,
            bank_created=bank_created,
            bank_updated=bool(bank_changes),
            sections_created=sections_created,
            sections_updated=sections_updated,
            sections_removed=len(removed_sections),
            created=len(created_refs),
            updated=len(updated_refs),
            unchanged=len(wanted_refs) - len(created_refs) - len(updated_refs),
            removed=len(removed_refs),
            warnings=tuple(warnings),
        )
        if not bank_created and report.changed:
            # Saved last, and only when something changed, so that `loaded_at` says when the bank
            # last changed and a repeated load writes nothing.
            for name in bank_changes:
                setattr(bank, name, self.bank_values[name])
            bank.save(update_fields=[*bank_changes, "loaded_at"])
        return report

    def refuse_removing_answered_items(self, bank: QuestionBank, removed_refs: list[str]) -> None:
        if not removed_refs:
            return
        answered = list(
            Answer.objects.filter(item__bank=bank, item__ref__in=removed_refs)
            .values_list("item__ref")
            .annotate(answers=Count("pk"))
            .order_by("item__position")
        )
        if not answered:
            return
        refs = ", ".join(ref for ref, _ in answered)
        raise BankError(
            [
                f"item {ref} is not in the file any more, but it has {count} "
                f"answer{'s' if count != 1 else ''}: put it back in the file, or deal with its "
                f"answers first"
                for ref, count in answered
            ],
            source_name=self.definition.source_name,
            heading=(
                f"Nothing was loaded from {self.definition.source_name or 'the question bank'}: "
                f"answered items cannot be removed ({refs})"
            ),
        )

    def answers_that_may_not_fit(self, existing_items: dict[str, EvidenceItem]) -> list[str]:
        """Warn where an answered item's answer type or options change under its answers."""
        concerns: dict[int, str] = {}
        dropped_options: dict[int, list[str]] = {}
        for item in self.definition.items:
            current = existing_items.get(item.ref)
            if current is None:
                continue
            if current.answer_type != item.answer_type:
                concerns[current.pk] = (
                    f"{item.ref}: the answer type changed from {current.answer_type} to "
                    f"{item.answer_type}"
                )
                continue
            kept = {option.value for option in item.options}
            gone = [option["value"] for option in current.options if option["value"] not in kept]
            if gone:
                dropped_options[current.pk] = gone
                concerns[current.pk] = (
                    f"{item.ref}: {'option' if len(gone) == 1 else 'options'} "
                    f"{', '.join(gone)} removed"
                )
        if not concerns:
            return []
        counts = dict(
            Answer.objects.filter(item_id__in=concerns)
            .values_list("item_id")
            .annotate(answers=Count("pk"))
        )
        for item_id, values in dropped_options.items():
            # Only the answers that chose a removed option are affected.
            counts[item_id] = Answer.objects.filter(item_id=item_id, choice__in=values).count()
        return [
            f"{message}; {counted(counts[item_id], 'existing answer')} may no longer fit and "
            "should be checked"
            for item_id, message in concerns.items()
            if counts.get(item_id)
        ]

    def sync_sections(
        self, bank: QuestionBank
    ) -> tuple[dict[str, Section], int, int, list[Section]]:
        existing = {section.key: section for section in Section.objects.filter(bank=bank)}
        wanted = {
            section.key: (position, section.title)
            for position, section in enumerate(self.definition.sections, start=1)
        }
        removed = [section for key, section in existing.items() if key not in wanted]
        taken_positions = {section.position: key for key, section in existing.items()}
        if any(taken_positions.get(position, key) != key for key, (position, _) in wanted.items()):
            # Some section is moving, or a new one needs a position an old one holds.
            shifted = F("position") + SECTION_POSITION_SHIFT
            Section.objects.filter(bank=bank).update(position=shifted)
            for section in existing.values():
                section.position += SECTION_POSITION_SHIFT

        updated: list[Section] = []
        created: list[Section] = []
        for key, (position, title) in wanted.items():
            section = existing.get(key)
            if section is None:
                created.append(Section(bank=bank, key=key, title=title, position=position))
            elif (section.position, section.title) != (position, title):
                section.position, section.title = position, title
                updated.append(section)
        if updated:
            Section.objects.bulk_update(updated, ["position", "title"])
        Section.objects.bulk_create(created)
        sections = {**existing, **{section.key: section for section in created}}
        return sections, len(created), len(updated), removed

    def sync_items(
        self,
        bank: QuestionBank,
        sections: dict[str, Section],
        existing: dict[str, EvidenceItem],
    ) -> tuple[dict[str, EvidenceItem], set[str]]:
        to_create: list[EvidenceItem] = []
        to_update: list[EvidenceItem] = []
        # Only the columns that differ somewhere are rewritten: bulk_update builds a CASE per
        # column, so fixing one typo in every text should not rewrite ten columns of every row.
        changed_fields: set[str] = set()
        position = 0
        for section in self.definition.sections:
            for item in section.items:
                position += 1  # one order across the whole bank, as the file lists them
                values = {
                    "section_id": sections[section.key].pk,
                    "text": item.text,
                    "guidance": item.guidance,
                    "answer_type": item.answer_type,
                    "options": _option_dicts(item),
                    "level": item.level,
                    "depends_on_answers": list(item.depends_on_answers),
                    "meets_when": item.meets_when.to_dict(),
                    "condition_text": item.condition_text,
                    "ndg_standard": item.ndg_standard,
                    "position": position,
                    "answer_format": item.answer_format,
                    "example_response": item.example_response,
                    "example_comment": item.example_comment,
                    "policy_templates": list(item.policy_templates),
                    "guidance_links": [
                        {"title": link.title, "url": link.url} for link in item.guidance_links
                    ],
                }
                current = existing.get(item.ref)
                if current is None:
                    to_create.append(EvidenceItem(bank=bank, ref=item.ref, **values))
                    continue
                differences = [n for n, value in values.items() if getattr(current, n) != value]
                if differences:
                    for name in differences:
                        setattr(current, name, values[name])
                    changed_fields.update(differences)
                    to_update.append(current)
        created = EvidenceItem.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            fields = [name for name in ITEM_FIELDS if name in changed_fields]  # a stable order
            EvidenceItem.objects.bulk_update(to_update, fields, batch_size=BATCH_SIZE)
        return {item.ref: item for item in created}, {item.ref for item in to_update}

    def sync_dependencies(
        self, items_by_ref: dict[str, EvidenceItem], existing: dict[str, EvidenceItem]
    ) -> set[str]:
        """Point depends_on at the right rows; returns the refs of existing items that changed."""
        changed: list[EvidenceItem] = []
        for item in self.definition.items:
            row = items_by_ref[item.ref]
            target = items_by_ref[item.depends_on_ref].pk if item.depends_on_ref else None
            if row.depends_on_id != target:
                row.depends_on_id = target
                changed.append(row)
        if changed:
            EvidenceItem.objects.bulk_update(changed, ["depends_on"], batch_size=BATCH_SIZE)
        return {row.ref for row in changed if row.ref in existing}
