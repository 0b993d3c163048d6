"""Reads for the assessment pages. A fixed number of queries however many items a bank has."""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Sum
from django.utils import timezone

from dspt_portal.compiled_queries import instance_from, prepared_cursor
from organisations.models import Organisation

from . import presenters, rules
from .models import Answer, Assessment, Document, EvidenceItem, Level, QuestionBank, Section


def bank_latest() -> QuestionBank | None:
    return QuestionBank.objects.order_by("-year").first()


def bank_get(*, year: str) -> QuestionBank | None:
    return QuestionBank.objects.filter(year=year).first()


# A bank's items change only through the bank loader (assessments/bank_loader.py), which moves
# the bank's `loaded_at` whenever it changes anything. So each process keeps the items it read, by
# bank and `loaded_at`, and every page gets its own copies of them. A save or delete of an item,
# section or bank through the ORM forgets them too (assessments/signals.py).
_kept_items: dict[int, tuple[datetime.datetime, list[EvidenceItem]]] = {}


def bank_items_forget() -> None:
    """Forgets the items this process keeps (the next read goes to the database)."""
    _kept_items.clear()


def _bank_items_read(bank: QuestionBank) -> list[EvidenceItem]:
    return list(bank.items.select_related("section").order_by("section__position", "position"))


def _item_copy(item: EvidenceItem) -> EvidenceItem:
    # What Django's own pickling copies (the fields, and the state with its related-object
    # cache), without the round trip through pickle's protocol.
    twin = EvidenceItem.__new__(EvidenceItem)
    twin.__dict__.update(item.__dict__)
    twin._state = copy.copy(item._state)
    twin._state.fields_cache = dict(item._state.fields_cache)
    return twin


def bank_items(*, bank: QuestionBank) -> list[EvidenceItem]:
    """The bank's items in order, each with its section and the item it depends on (at most one
    query: an item depends on another of its own bank, linked here rather than read twice)."""
    kept = _kept_items.get(bank.pk)
    if kept is not None and kept[0] == bank.loaded_at:
        originals = kept[1]
    else:
        originals = _bank_items_read(bank)
        _kept_items[bank.pk] = (bank.loaded_at, originals)
    # Copies: a caller may set attributes on its items (or cache related objects on them)
    # without another request seeing it. Sections are shared; nothing changes them.
    items = [_item_copy(item) for item in originals]
    by_id = {item.pk: item for item in items}
    for item in items:
        if item.depends_on_id is not None and item.depends_on_id in by_id:
            item.depends_on = by_id[item.depends_on_id]
    return items


def answers_by_ref(
    *,
    assessment: Assessment,
    items: list[EvidenceItem] | None = None,
    with_people_and_files: bool = True,
) -> dict[str, Answer]:
    """ref → the assessment's answer. `items`: the bank's items when read already (bank_items),
    linked to their answers instead of read again with them. `with_people_and_files`: read who
    saved each answer and its library document with it (pages that show them); without, the
    answers alone (a page that shows only statuses)."""
    if items is None:
        answers = assessment.answers.select_related(
            "item", "updated_by", "library_document__current_version"
        )
        return {answer.item.ref: answer for answer in answers}
    by_id = {item.pk: item for item in items}
    found = {}
    answers = assessment.answers.all()
    if with_people_and_files:
        answers = answers.select_related("updated_by", "library_document__current_version")
    for answer in answers:
        item = by_id.get(answer.item_id)
        if item is None:  # not of this bank's items: read it with the answer as before
            item = answer.item
        else:
            answer.item = item
        found[item.ref] = answer
    return found


def answer_in_full(*, answer: Answer | None) -> Answer | None:
    """`answer` read again with who saved it and its library document (one query), for a page
    that shows one answer of a view read without them. The answer as given should it have gone."""
    if answer is None:
        return None
    full = (
        Answer.objects.select_related("updated_by", "library_document__current_version")
        .filter(pk=answer.pk)
        .first()
    )
    if full is None:
        return answer
    full.item = answer.item
    return full


def answers_to_carry_forward(*, organisation: Organisation, bank: QuestionBank) -> int:
    """How many of last year's answers starting this year's assessment would carry forward."""
    if not bank.previous_year:
        return 0
    return Answer.objects.filter(
        assessment__organisation=organisation,
        assessment__bank__year=bank.previous_year,
        item__ref__in=bank.items.values("ref"),
    ).count()


def assessment_find(*, organisation: Organisation, bank: QuestionBank) -> Assessment | None:
    return organisation.assessments.filter(bank=bank).first()


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


_bank_and_assessment_sql: dict[str, str] = {}


def bank_and_assessment(
    *, year: str, organisation: Organisation
) -> tuple[QuestionBank | None, Assessment | None]:
    """The year's bank and the organisation's assessment for it (None before it is started), in
    one statement: every assessment page reads both first. Prepared on PostgreSQL
    (dspt_portal/compiled_queries.py): the ORM took longer to build the two queries than the
    database took to answer them."""
    bank, assessment, _ = bank_and_assessment_with(year=year, organisation=organisation)
    return bank, assessment


def bank_and_assessment_with(
    *, year: str, organisation: Organisation, also: str = "NULL", params: dict | None = None
) -> tuple[QuestionBank | None, Assessment | None, object]:
    """`bank_and_assessment`, and the value of `also`, an SQL expression over the bank (`b`) and
    the assessment (`a`) with named `params`, read in the same statement (the kept pages'
    fingerprint: assessments/kept_pages.py)."""
    sql = _bank_and_assessment_sql.get(also)
    if sql is None:
        sql = _bank_and_assessment_sql[also] = (
            f"SELECT {_columns(QuestionBank, 'b')}, {_columns(Assessment, 'a')}, {also} "
            f'FROM "{QuestionBank._meta.db_table}" b '
            f'LEFT JOIN "{Assessment._meta.db_table}" a '
            "ON a.bank_id = b.id AND a.organisation_id = %(organisation)s "
            "WHERE b.year = %(year)s"
        )
    with prepared_cursor() as cursor:
        cursor.execute(sql, {**(params or {}), "organisation": organisation.pk, "year": year})
        row = cursor.fetchone()
    if row is None:
        return None, None, None
    split = len(QuestionBank._meta.concrete_fields)
    bank = instance_from(QuestionBank, row[:split])
    if row[split] is None:  # no assessment: its id is null
        return bank, None, None
    assessment = instance_from(Assessment, row[split:-1])
    assessment.bank, assessment.organisation = bank, organisation
    return bank, assessment, row[-1]


def rule_item(item: EvidenceItem) -> rules.Item:
    return rules.Item(
        ref=item.ref,
        level=item.level,
        answer_type=item.answer_type,
        section=item.section.title,
        depends_on=item.depends_on.ref if item.depends_on_id else None,
        depends_on_answers=tuple(item.depends_on_answers or ()),
        meets_when=rules.MeetsWhen.from_dict(item.meets_when),
        option_labels=tuple((option["value"], option["label"]) for option in item.options or ()),
    )


def rule_answer(answer: Answer) -> rules.AnswerValues:
    return rules.AnswerValues(
        text=answer.text,
        choice=answer.choice,
        date=answer.date,
        number=answer.number,
        has_document=answer.library_document_id is not None,
        document_location=answer.document_location,
        needs_review=answer.needs_review,
    )


@dataclass(frozen=True)
class ItemRow:
    item: EvidenceItem
    answer: Answer | None
    status: rules.ItemStatus

    @cached_property
    def tag(self) -> presenters.Tag:
        return presenters.item_tag(self.status, has_answer=self.answer is not None)

    @property
    def what_meets(self) -> str:
        """ "the answer Yes", "a figure of at least 95" … for "Standards Met needs …"."""
        return rules.what_meets(rule_item(self.item))

    @property
    def left_to_do(self) -> bool:
        """Needed for Standards Met, applies, and not yet met (missing, not yet reviewed, or
        answered in a way that leaves the requirement unmet)."""
        return (
            self.item.level != Level.OPTIONAL and self.status.applies and not self.status.satisfied
        )


@dataclass(frozen=True)
class SectionRows:
    section: Section
    rows: list[ItemRow]


@dataclass(frozen=True)
class AssessmentView:
    """Everything the overview and item pages show, read in one go."""

    assessment: Assessment
    items: list[EvidenceItem]
    answers: dict[str, Answer]
    statuses: dict[str, rules.ItemStatus]
    progress: rules.Progress
    # The same items and answers as the rules see them (plain data), for other rules to reuse.
    rule_items: list[rules.Item]
    rule_answers: dict[str, rules.AnswerValues]

    def sections(self, *, only_left_to_do: bool = False) -> list[SectionRows]:
        grouped: dict[int, SectionRows] = {}
        for item in self.items:
            row = ItemRow(
                item=item, answer=self.answers.get(item.ref), status=self.statuses[item.ref]
            )
            if only_left_to_do and not row.left_to_do:
                continue
            grouped.setdefault(item.section_id, SectionRows(section=item.section, rows=[]))
            grouped[item.section_id].rows.append(row)
        return list(grouped.values())

    def row(self, ref: str) -> ItemRow:
        item = next(i for i in self.items if i.ref == ref)
        return ItemRow(item=item, answer=self.answers.get(ref), status=self.statuses[ref])

    def neighbours(self, ref: str) -> tuple[EvidenceItem | None, EvidenceItem | None]:
        refs = [i.ref for i in self.items]
        index = refs.index(ref)
        previous = self.items[index - 1] if index > 0 else None
        following = self.items[index + 1] if index + 1 < len(self.items) else None
        return previous, following


def assessment_view(
    *,
    assessment: Assessment,
    on: datetime.date | None = None,
    with_people_and_files: bool = True,
) -> AssessmentView:
    """Everything about the assessment, with dates judged on `on` (today unless given).
    `with_people_and_files=False`: the answers without who saved them and their library
    documents (the overview shows statuses only)."""
    on = on or timezone.localdate()
    items = bank_items(bank=assessment.bank)
    answers = answers_by_ref(
        assessment=assessment, items=items, with_people_and_files=with_people_and_files
    )
    rule_items = [rule_item(item) for item in items]
    rule_answers = {ref: rule_answer(answer) for ref, answer in answers.items()}
    return AssessmentView(
        assessment=assessment,
        items=items,
        answers=answers,
        statuses=rules.item_statuses(rule_items, rule_answers, on=on),
        progress=rules.progress(rule_items, rule_answers, on=on),
        rule_items=rule_items,
        rule_answers=rule_answers,
    )


def answer_history(*, answer: Answer):
    return answer.revisions.select_related(
        "saved_by", "library_document__current_version"
    ).order_by("-version")


def document_get(*, organisation: Organisation, document_id: int):
    """Raises Document.DoesNotExist for another organisation's document."""
    return organisation.documents.get(pk=document_id)


def storage_used(*, organisation: Organisation) -> int:
    """Bytes of every stored file (every version of every library document) of the organisation."""
    total = Document.objects.filter(organisation=organisation).aggregate(total=Sum("size"))
    return int(total["total"] or 0)


def library_documents_to_choose(*, organisation: Organisation) -> list:
    """The organisation's library documents, by title, for "Choose from your library"."""
    return list(organisation.library_documents.select_related("current_version"))


def document_name(answer: Answer | None) -> str:
    """The file name of the newest version of the answer's library document, or ""."""
    if answer is None or answer.library_document is None:
        return ""
    version = answer.library_document.current_version
    return version.original_name if version is not None else answer.library_document.title


def assessment_summary(*, organisation: Organisation) -> dict:
    """The latest year's bank and, once the assessment is started, its progress."""
    bank = bank_latest()
    if bank is None:
        return {}
    assessment = assessment_find(organisation=organisation, bank=bank)
    if assessment is None:
        return {"bank": bank, "progress": None}
    return {"bank": bank, "progress": assessment_view(assessment=assessment).progress}


def item_texts(*, bank: QuestionBank) -> dict[str, str]:
    """ref → question text for every item of the bank (one query)."""
    return dict(bank.items.values_list("ref", "text"))


def bank_deadlines() -> dict[str, datetime.date]:
    """DSPT year → publication deadline of every loaded bank (one query)."""
    return dict(QuestionBank.objects.values_list("year", "publication_deadline"))
