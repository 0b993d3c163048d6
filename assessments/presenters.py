"""What the assessment pages, spreadsheets and published snapshots show for rule results.

Plain functions over the rules' plain data (`assessments.rules.Item`, `AnswerValues`,
`ItemStatus`): no ORM, so documents and dev data can use them without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessments.policy_templates import PolicyTemplate, PolicyTemplateList
from assessments.rules import AnswerValues, Item, ItemStatus

NOT_MET_LABEL = "Answered – not met"


@dataclass(frozen=True)
class Tag:
    """An NHS.UK tag: the words and the modifier classes that colour it."""

    label: str
    classes: str
    # Short tags keep their last two words together, so a narrow column never strands one word.
    keep_together: bool = False

    @property
    def display_label(self) -> str:
        head, _, tail = self.label.rpartition(" ")
        return f"{head}\u00a0{tail}" if self.keep_together and head else self.label


_PLAIN = "nhsuk-tag--no-colour nhsuk-tag--no-border nhsuk-u-font-weight-normal"
TAG_COMPLETED = Tag("Completed", _PLAIN)
TAG_NOT_MET = Tag(NOT_MET_LABEL, "nhsuk-tag--orange", keep_together=True)
TAG_REVIEW = Tag("Carried forward – review", "nhsuk-tag--yellow")
TAG_NOT_APPLICABLE = Tag("Not applicable", f"{_PLAIN} nhsuk-u-secondary-text-colour")
TAG_IN_PROGRESS = Tag("In progress", "nhsuk-tag--blue", keep_together=True)
TAG_NOT_STARTED = Tag("Not started", "nhsuk-tag--blue", keep_together=True)


SHORT_TITLE_CHARS = 30


def item_short_name(ref: str, text: str) -> str:
    """A requirement named briefly, for messages that must say which one they are about without
    quoting all of it: ("1.2.3", "Staff are trained in data security every year") →
    "1.2.3 (Staff are trained in data…)". Cut at a word, never inside one."""
    words = " ".join(text.split())
    if not words:
        return ref
    if len(words) > SHORT_TITLE_CHARS:
        cut = words[: SHORT_TITLE_CHARS + 1].rsplit(" ", 1)[0] or words[:SHORT_TITLE_CHARS]
        words = cut.rstrip(" ,;:.?!-–") + "…"
    return f"{ref} ({words})"


_YES_NO = {"yes": "Yes", "no": "No"}


def answer_text(item: Item, values: AnswerValues | None, *, document_name: str = "") -> str:
    """An answer as one line of text (a yes/no with text keeps the text on a second line), the
    way spreadsheets and the answers as published show it."""
    if values is None:
        return ""
    kind = item.answer_type
    if kind == "text":
        return values.text
    if kind in ("yes_no", "yes_no_text"):
        choice = _YES_NO.get(values.choice, "")
        return f"{choice}\n{values.text}".strip() if values.text else choice
    if kind == "choice":
        return dict(item.option_labels).get(values.choice, "")
    if kind == "date":
        return values.date.isoformat() if values.date else ""
    if kind == "number":
        return "" if values.number is None else str(values.number)
    if kind == "document":
        return document_name or values.document_location
    return ""


def item_tag(status: ItemStatus, *, has_answer: bool) -> Tag:
    """The tag an item's row shows on the overview: `has_answer` tells "In progress" (something
    saved, not yet enough) from "Not started"."""
    if not status.applies:
        return TAG_NOT_APPLICABLE
    if status.answered and status.needs_review:
        return TAG_REVIEW
    if status.not_met:
        return TAG_NOT_MET
    if status.answered:
        return TAG_COMPLETED
    return TAG_IN_PROGRESS if has_answer else TAG_NOT_STARTED


# --- the policy templates Help page ---------------------------------------------------------------


@dataclass(frozen=True)
class ServedItem:
    ref: str
    text: str  # the item's question in the latest loaded bank; "" when that bank lacks the ref
    linked: bool  # the reader has an assessment for that bank, so the ref links to its item page


@dataclass(frozen=True)
class TemplateEntry:
    template: PolicyTemplate
    items: tuple[ServedItem, ...]


@dataclass(frozen=True)
class TemplateGroup:
    key: str
    title: str
    entries: tuple[TemplateEntry, ...]


def policy_template_groups(
    templates: PolicyTemplateList, *, item_texts: Mapping[str, str], link_items: bool
) -> list[TemplateGroup]:
    """The Help page's three lists, each entry with the items it serves. `item_texts`: ref →
    question in the latest bank; `link_items`: whether the reader can open those items."""
    return [
        TemplateGroup(
            key=group,
            title=title,
            entries=tuple(
                TemplateEntry(
                    template=template,
                    items=tuple(
                        ServedItem(
                            ref=ref,
                            text=item_texts.get(ref, ""),
                            linked=link_items and ref in item_texts,
                        )
                        for ref in template.items
                    ),
                )
                for template in entries
            ),
        )
        for group, title, entries in templates.groups()
    ]


def item_policy_templates(
    templates: PolicyTemplateList, keys: Iterable[str]
) -> list[PolicyTemplate]:
    """The entries an item names, in the item's order; a key the list no longer has is left out
    (the bank was checked against the list when it was loaded)."""
    by_key = templates.by_key
    return [by_key[key] for key in keys if key in by_key]
