"""The answers and profile exactly as published: a typed, versioned record with one writer and
one reader.

`Publication.answers_snapshot` and `profile_snapshot` are JSON columns written once, when an
organisation publishes, and read for years afterwards (the publication page, the "answers as
published" spreadsheet). Only `to_json` writes them and only `from_json` reads them, so a change
of shape is a new version here, with the reader still understanding every older one.

Version 1 (publications before this module) stored the answers as a bare list of dicts; version 2
wraps them as {"version": 2, "answers": [...]}. The entries are the same. Version 3 (the evidence
library) adds to each entry the version number and SHA-256 of the document's file as published
(`document_version`, `document_sha256`), so the record says exactly which file was evidence even
after a newer version is uploaded; entries of older versions read them as 0 and "".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from typing import Any

from assessments.presenters import answer_text
from assessments.rules import AnswerValues, Item, ItemStatus

ANSWERS_VERSION = 3
# Every version the reader understands (1 is the bare list).
_READABLE_VERSIONS = (2, 3)
PROFILE_VERSION = 1


class SnapshotError(ValueError):
    """Stored JSON this module cannot read: a bug or a damaged row, never user input."""


@dataclass(frozen=True)
class PublishedAnswer:
    ref: str
    section: str
    text: str  # the question as the bank asked it that year
    level: str  # item level: approaching / met / optional
    answer_type: str
    applies: bool
    answered: bool  # provided and reviewed
    met: bool  # provided, reviewed and meeting what the item asks
    answer: str  # as one line of text (assessments.presenters.answer_text)
    comments: str = ""
    document: str = ""  # the uploaded file's name
    document_version: int = 0  # the library document's version published (0: none, or older)
    document_sha256: str = ""  # that version's checksum
    document_location: str = ""
    saved_by: str = ""
    saved_at: datetime | None = None


@dataclass(frozen=True)
class AnswersSnapshot:
    answers: tuple[PublishedAnswer, ...]
    version: int = ANSWERS_VERSION

    def by_section(self) -> list[tuple[str, list[PublishedAnswer]]]:
        """Sections in the order published, each with its answers."""
        sections: dict[str, list[PublishedAnswer]] = {}
        for answer in self.answers:
            sections.setdefault(answer.section, []).append(answer)
        return list(sections.items())

    def to_json(self) -> dict[str, Any]:
        # Field by field rather than `asdict`, which deep-copies and costs ten times as much: the
        # scale data writes tens of thousands of these. Every field is a plain value.
        names = [field.name for field in fields(PublishedAnswer)]
        return {
            "version": ANSWERS_VERSION,
            "answers": [
                {
                    **{name: getattr(answer, name) for name in names},
                    "saved_at": answer.saved_at.isoformat() if answer.saved_at else "",
                }
                for answer in self.answers
            ],
        }

    @classmethod
    def from_json(cls, data: object) -> AnswersSnapshot:
        if isinstance(data, list):  # version 1
            entries: object = data
        elif isinstance(data, dict) and data.get("version") in _READABLE_VERSIONS:
            entries = data.get("answers")
        else:
            raise SnapshotError("Not an answers snapshot this portal wrote")
        if not isinstance(entries, list):
            raise SnapshotError("An answers snapshot without a list of answers")
        return cls(answers=tuple(_published_answer(entry) for entry in entries))


def published_answer(
    *,
    item: Item,
    question: str,
    values: AnswerValues | None,
    status: ItemStatus,
    comments: str = "",
    document_name: str = "",
    document_version: int = 0,
    document_sha256: str = "",
    saved_by: str = "",
    saved_at: datetime | None = None,
) -> PublishedAnswer:
    """One item as published, from the rules' view of it."""
    return PublishedAnswer(
        ref=item.ref,
        section=item.section,
        text=question,
        level=item.level,
        answer_type=item.answer_type,
        applies=status.applies,
        answered=status.done,
        met=status.satisfied,
        answer=answer_text(item, values, document_name=document_name) if values else "",
        comments=comments,
        document=document_name,
        document_version=document_version,
        document_sha256=document_sha256,
        document_location=values.document_location if values else "",
        saved_by=saved_by,
        saved_at=saved_at,
    )


_TEXT_FIELDS = ("ref", "section", "text", "level", "answer_type", "answer", "comments")
_OPTIONAL_TEXT = ("document", "document_sha256", "document_location", "saved_by")


def _published_answer(entry: object) -> PublishedAnswer:
    if not isinstance(entry, Mapping) or not isinstance(entry.get("ref"), str):
        raise SnapshotError("An answers snapshot entry without a ref")
    saved_at = entry.get("saved_at") or ""
    try:
        when = datetime.fromisoformat(saved_at) if saved_at else None
    except (TypeError, ValueError):
        raise SnapshotError(f"Item {entry['ref']}: saved_at is not a date and time") from None
    document_version = entry.get("document_version") or 0
    if not isinstance(document_version, int) or isinstance(document_version, bool):
        raise SnapshotError(f"Item {entry['ref']}: document_version is not a whole number")
    return PublishedAnswer(
        **{name: str(entry.get(name) or "") for name in _TEXT_FIELDS + _OPTIONAL_TEXT},
        # Entries written before "met" existed count as met when answered (the rule then).
        applies=entry.get("applies", True) is not False,
        answered=bool(entry.get("answered")),
        met=bool(entry.get("met", entry.get("answered"))),
        document_version=document_version,
        saved_at=when,
    )


# --- the organisation's profile as published ------------------------------------------------------


@dataclass(frozen=True)
class PublishedProfile:
    caldicott_guardian: str = ""
    senior_information_risk_owner: str = ""
    information_governance_lead: str = ""
    data_protection_officer: str = ""
    nhsmail_only: str = ""
    cyber_essentials_plus: str = ""
    cyber_essentials_plus_certificate_number: str = ""
    cyber_essentials_plus_expires_on: date | None = None
    primary_sector: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = asdict(self)
        expires = self.cyber_essentials_plus_expires_on
        data["cyber_essentials_plus_expires_on"] = expires.isoformat() if expires else None
        data["version"] = PROFILE_VERSION
        return data

    @classmethod
    def from_json(cls, data: object) -> PublishedProfile:
        if not isinstance(data, Mapping):
            raise SnapshotError("Not a profile snapshot this portal wrote")
        if data.get("version", PROFILE_VERSION) != PROFILE_VERSION:
            raise SnapshotError(f"Unknown profile snapshot version {data.get('version')!r}")
        expires = data.get("cyber_essentials_plus_expires_on")
        names = [
            field.name for field in fields(cls) if field.name != "cyber_essentials_plus_expires_on"
        ]
        return cls(
            **{name: str(data.get(name) or "") for name in names},
            cyber_essentials_plus_expires_on=date.fromisoformat(expires) if expires else None,
        )


def published_answers(entries: Iterable[PublishedAnswer]) -> AnswersSnapshot:
    return AnswersSnapshot(answers=tuple(entries))
