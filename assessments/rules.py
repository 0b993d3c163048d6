"""Which items apply, which are answered, and progress: plain functions over plain data.

No Django imports: the publishing rules and the pages both build on these, and they are tested
as tables without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

APPROACHING = "approaching"
MET = "met"
OPTIONAL = "optional"


@dataclass(frozen=True)
class Item:
    ref: str
    level: str  # approaching / met / optional
    answer_type: str
    section: str = ""
    depends_on: str | None = None
    # Answers of `depends_on` that make this item apply; empty means "any answer".
    depends_on_answers: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerValues:
    text: str = ""
    choice: str = ""
    date: date | None = None
    number: Decimal | None = None
    has_document: bool = False
    document_location: str = ""
    needs_review: bool = False


def is_answered(answer_type: str, values: AnswerValues | None) -> bool:
    """Whether the answer gives what the item asks for. Comments alone are not an answer."""
    if values is None:
        return False
    if answer_type == "text":
        return bool(values.text.strip())
    if answer_type in ("yes_no", "yes_no_text", "choice"):
        return bool(values.choice)
    if answer_type == "date":
        return values.date is not None
    if answer_type == "number":
        return values.number is not None
    if answer_type == "document":
        return values.has_document or bool(values.document_location.strip())
    raise ValueError(f"Unknown answer type {answer_type!r}")


def item_applies(
    item: Item, answers: Mapping[str, AnswerValues], items: Mapping[str, Item]
) -> bool:
    """A conditional item applies only when the item it depends on is answered the right way."""
    if item.depends_on is None:
        return True
    parent = items.get(item.depends_on)
    if parent is None:
        return True
    if not item_applies(parent, answers, items):
        return False
    parent_answer = answers.get(parent.ref)
    if not is_answered(parent.answer_type, parent_answer):
        return False
    if not item.depends_on_answers:
        return True
    return parent_answer.choice in item.depends_on_answers


@dataclass(frozen=True)
class ItemStatus:
    ref: str
    applies: bool
    answered: bool
    needs_review: bool

    @property
    def done(self) -> bool:
        """Provided and, if carried forward from last year, looked at again."""
        return self.answered and not self.needs_review


def item_statuses(
    items: Iterable[Item], answers: Mapping[str, AnswerValues]
) -> dict[str, ItemStatus]:
    by_ref = {item.ref: item for item in items}
    statuses = {}
    for item in by_ref.values():
        values = answers.get(item.ref)
        statuses[item.ref] = ItemStatus(
            ref=item.ref,
            applies=item_applies(item, answers, by_ref),
            answered=is_answered(item.answer_type, values),
            needs_review=bool(values and values.needs_review),
        )
    return statuses


@dataclass(frozen=True)
class Progress:
    mandatory_done: int
    mandatory_total: int
    met_done: int
    met_total: int
    to_review: int
    outstanding_refs: tuple[str, ...] = field(default=())

    @property
    def mandatory_complete(self) -> bool:
        return self.mandatory_done == self.mandatory_total

    @property
    def met_complete(self) -> bool:
        return self.met_done == self.met_total


def progress(items: Iterable[Item], answers: Mapping[str, AnswerValues]) -> Progress:
    """Counts for "Progress: N of M mandatory evidence items provided" and for Standards Met.

    Mandatory means needed for Approaching Standards; the Standards Met figure counts approaching
    and met items that apply. A carried-forward answer not yet reviewed is not counted as provided.
    """
    items = list(items)
    statuses = item_statuses(items, answers)
    mandatory = [i for i in items if i.level == APPROACHING and statuses[i.ref].applies]
    met = [i for i in items if i.level in (APPROACHING, MET) and statuses[i.ref].applies]
    return Progress(
        mandatory_done=sum(statuses[i.ref].done for i in mandatory),
        mandatory_total=len(mandatory),
        met_done=sum(statuses[i.ref].done for i in met),
        met_total=len(met),
        to_review=sum(s.needs_review for s in statuses.values()),
        outstanding_refs=tuple(i.ref for i in met if not statuses[i.ref].done),
    )
