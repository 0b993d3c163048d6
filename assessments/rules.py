"""Which items apply, which are answered, which are met, and progress: plain functions over
plain data.

"Answered" and "met" are different things: "No" to "Do you have up-to-date antivirus?" is an honest
answer that leaves the requirement unmet. Each item says what meets it (`MeetsWhen`, from the bank
file's `meets_when`); see docs/adr/0004-what-counts-as-met.md.

No Django imports: the publishing rules and the pages both build on these, and they are tested
as tables without a database.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

APPROACHING = "approaching"
MET = "met"
OPTIONAL = "optional"

YES_NO_TYPES = ("yes_no", "yes_no_text")
YES_NO_LABELS = {"yes": "Yes", "no": "No"}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier, when negative); a day the target month lacks
    becomes its last day.

    29 Feb 2028 + 12 months is 28 Feb 2029, and 31 Aug + 6 months is the end of February, so the
    limit is never a date that does not exist (which `date.replace` would raise on).
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class MeetsWhen:
    """What an answer must say for the requirement to be in place.

    Exactly one kind applies, by answer type:
    - `answers`: yes/no, yes/no with details and choice items — the answers that meet it;
    - `at_least`: number items — the smallest figure that meets it (3.2.1: 95 % trained);
    - `within_months`: date items — the date may be at most this many months before the day it is
      judged on (a policy reviewed in the last 12 months), and not after it;
    - none of them ("provided"): text and document items — giving the statement or the document is
      what meets it.
    """

    answers: tuple[str, ...] = ()
    at_least: Decimal | None = None
    within_months: int | None = None

    @property
    def provided(self) -> bool:
        return not self.answers and self.at_least is None and self.within_months is None

    def to_dict(self) -> dict[str, Any]:
        """The stored form (EvidenceItem.meets_when), the same shape as the bank file's."""
        if self.answers:
            return {"answers": list(self.answers)}
        if self.at_least is not None:
            return {"at_least": str(self.at_least)}
        if self.within_months is not None:
            return {"within_months": self.within_months}
        return {"provided": True}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> MeetsWhen:
        """The inverse of `to_dict`. Anything else is a programming or data error, never a guess:
        a guess here could turn "No" into "met"."""
        if not isinstance(value, Mapping) or len(value) != 1:
            raise ValueError(f"Not a meets_when value: {value!r}")
        ((kind, raw),) = value.items()
        if kind == "provided" and raw is True:
            return PROVIDED
        if kind == "answers" and isinstance(raw, list | tuple) and raw:
            return cls(answers=tuple(str(answer) for answer in raw))
        if kind == "at_least" and not isinstance(raw, bool):
            try:
                return cls(at_least=Decimal(str(raw)))
            except InvalidOperation:
                pass
        if (
            kind == "within_months"
            and isinstance(raw, int)
            and not isinstance(raw, bool)
            and raw > 0
        ):
            return cls(within_months=raw)
        raise ValueError(f"Not a meets_when value: {value!r}")


PROVIDED = MeetsWhen()
MEETS_WHEN_YES = MeetsWhen(answers=("yes",))


@dataclass(frozen=True)
class Item:
    ref: str
    level: str  # approaching / met / optional
    answer_type: str
    section: str = ""
    depends_on: str | None = None
    # Answers of `depends_on` that make this item apply; empty means "any answer".
    depends_on_answers: tuple[str, ...] = ()
    # What meets it. None only for items built in code without one: then "Yes" meets a yes/no
    # item and any answer meets the others (bank files must always say; the loader checks).
    meets_when: MeetsWhen | None = None
    # For choice items, (value, label) pairs, so a problem can say which answer is needed.
    option_labels: tuple[tuple[str, str], ...] = ()

    @property
    def meets(self) -> MeetsWhen:
        if self.meets_when is not None:
            return self.meets_when
        return MEETS_WHEN_YES if self.answer_type in YES_NO_TYPES else PROVIDED


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


def is_met(item: Item, values: AnswerValues | None, *, on: date) -> bool:
    """Whether the answer says the requirement is in place, judged on `on` (the publication day,
    or today on the assessment pages). An unanswered item is never met."""
    if not is_answered(item.answer_type, values):
        return False
    assert values is not None
    meets = item.meets
    if meets.answers:
        return values.choice in meets.answers
    if meets.at_least is not None:
        return values.number is not None and values.number >= meets.at_least
    if meets.within_months is not None:
        return values.date is not None and add_months(on, -meets.within_months) <= values.date <= on
    return True


def _quoted_labels(labels: list[str]) -> str:
    quoted = [f"“{label}”" for label in labels]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def what_meets(item: Item) -> str:
    """What the item needs, in words for the person answering: "the answer Yes",
    "a figure of at least 95", "a date in the 12 months before publishing"."""
    meets = item.meets
    if meets.answers:
        labels = dict(item.option_labels) if item.answer_type == "choice" else YES_NO_LABELS
        names = [labels.get(answer, answer) for answer in meets.answers]
        if item.answer_type in YES_NO_TYPES:
            return f"the answer {' or '.join(names)}"
        return f"the answer {_quoted_labels(names)}"
    if meets.at_least is not None:
        figure = meets.at_least.normalize()
        return f"a figure of at least {figure:f}"
    if meets.within_months is not None:
        months = meets.within_months
        return f"a date in the {months} month{'s' if months != 1 else ''} before publishing"
    return "an answer"


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
    if parent_answer is None or not is_answered(parent.answer_type, parent_answer):
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
    met: bool = False  # answered, and the answer says the requirement is in place

    @property
    def done(self) -> bool:
        """Provided and, if carried forward from last year, looked at again."""
        return self.answered and not self.needs_review

    @property
    def not_met(self) -> bool:
        """Answered and reviewed, and the answer leaves the requirement unmet
        ("Answered – not met")."""
        return self.applies and self.done and not self.met

    @property
    def satisfied(self) -> bool:
        """Provided, reviewed and met: what Standards Met needs of each item that applies."""
        return self.done and self.met


def item_statuses(
    items: Iterable[Item], answers: Mapping[str, AnswerValues], *, on: date
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
            met=is_met(item, values, on=on),
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
    # Provided but not met, counted apart from "not answered" (and included in the *_done figures,
    # which count answers provided).
    mandatory_not_met: int = 0
    met_not_met: int = 0

    @property
    def mandatory_complete(self) -> bool:
        """Every mandatory item provided, reviewed and met."""
        return self.mandatory_done == self.mandatory_total and not self.mandatory_not_met

    @property
    def met_complete(self) -> bool:
        """Every item Standards Met needs provided, reviewed and met."""
        return not self.outstanding_refs


def progress(items: Iterable[Item], answers: Mapping[str, AnswerValues], *, on: date) -> Progress:
    """Counts for "Progress: N of M mandatory evidence items provided" and for Standards Met.

    Mandatory means needed for Approaching Standards; the Standards Met figure counts approaching
    and met items that apply. A carried-forward answer not yet reviewed is not counted as provided.
    Answers provided that leave their requirement unmet are counted as provided and, apart, as not
    met; `outstanding_refs` lists every item Standards Met still needs (missing, to review or not
    met).
    """
    items = list(items)
    statuses = item_statuses(items, answers, on=on)
    mandatory = [i for i in items if i.level == APPROACHING and statuses[i.ref].applies]
    met = [i for i in items if i.level in (APPROACHING, MET) and statuses[i.ref].applies]
    return Progress(
        mandatory_done=sum(statuses[i.ref].done for i in mandatory),
        mandatory_total=len(mandatory),
        met_done=sum(statuses[i.ref].done for i in met),
        met_total=len(met),
        to_review=sum(s.needs_review for s in statuses.values()),
        outstanding_refs=tuple(i.ref for i in met if not statuses[i.ref].satisfied),
        mandatory_not_met=sum(statuses[i.ref].not_met for i in mandatory),
        met_not_met=sum(statuses[i.ref].not_met for i in met),
    )


# --- answer formats (bank field `answer_format`) --------------------------------------------------

ICO_REGISTRATION_NUMBER = "ico_registration_number"
ANSWER_FORMATS: tuple[str, ...] = (ICO_REGISTRATION_NUMBER,)
# Which answer types each format can check: the format reads the item's text answer.
ANSWER_FORMAT_TYPES: Mapping[str, tuple[str, ...]] = {ICO_REGISTRATION_NUMBER: ("text",)}

# Two letters then six digits (ZA046070); registrations from before 2011 are Z then seven digits.
_ICO_NUMBER = re.compile(r"[A-Z]{2}[0-9]{6}|Z[0-9]{7}")
_EXEMPT = re.compile(r"exempt\b[\s:;,.\-–—]*(?P<reason>.*)", re.IGNORECASE | re.DOTALL)
ICO_FORMAT_MESSAGE = (
    "Enter your ICO registration number, like ZA046070 (2 letters then 6 numbers), "
    "or write Exempt and say why"
)
ICO_EXEMPT_REASON_MESSAGE = (
    "Say why your organisation does not need to register with the ICO, after the word Exempt"
)


@dataclass(frozen=True)
class FormatCheck:
    """The answer as it is stored (`value`), or why it does not fit the format (`error`)."""

    value: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def check_answer_format(answer_format: str, text: str) -> FormatCheck:
    """Check a text answer against the item's known format and give its stored form.

    ico_registration_number: two letters then six digits (ZA046070), or Z then seven digits for
    older registrations, whatever the case and spaces, stored as capitals without spaces; or
    "Exempt" followed by the reason, stored as "Exempt: <reason>". An empty answer is left to the
    form's own "required" check.
    """
    if answer_format not in ANSWER_FORMATS:
        raise ValueError(f"Unknown answer format {answer_format!r}")
    stripped = text.strip()
    if not stripped:
        return FormatCheck(value="")
    compact = re.sub(r"\s+", "", stripped).upper()
    if _ICO_NUMBER.fullmatch(compact):
        return FormatCheck(value=compact)
    exempt = _EXEMPT.fullmatch(stripped)
    if exempt is not None:
        reason = " ".join(exempt.group("reason").split())
        if not re.search(r"[A-Za-z]{2}", reason):
            return FormatCheck(error=ICO_EXEMPT_REASON_MESSAGE)
        return FormatCheck(value=f"Exempt: {reason}")
    return FormatCheck(error=ICO_FORMAT_MESSAGE)
