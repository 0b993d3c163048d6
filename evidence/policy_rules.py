"""The policy builder's rules: plain functions over plain data, tested by tables.

- `review_date_problem`: the review date a person chose, judged on a day.
- `version_problem`: the version label they typed.
- `attach_plan`: what "Use as evidence" does to each evidence item a policy serves.
- `attach_refusal`: when it refuses altogether.
- `comment_with_note`: the line it adds to an answer's comments.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

REVIEW_YEARS_MAX = 3
VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .\-]{0,19}")
DOCUMENT = "document"  # the one answer type that takes a file


def default_review_date(today: datetime.date) -> datetime.date:
    """A year from today (28 February when today is 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def review_date_problem(review_date: datetime.date, *, today: datetime.date) -> str | None:
    """Why the date cannot be the next review date, or None: not in the past, not more than
    three years ahead (a policy unreviewed for longer would no longer count)."""
    if review_date < today:
        return "The review date must be today or in the future"
    if review_date > _years_later(today, REVIEW_YEARS_MAX):
        return f"The review date must be within {REVIEW_YEARS_MAX} years of today"
    return None


def version_problem(version: str) -> str | None:
    if not version.strip():
        return "Enter a version, for example 1.0"
    if not VERSION_PATTERN.fullmatch(version.strip()):
        return (
            "The version must be up to 20 letters, numbers, spaces, dots or dashes, "
            "for example 1.0 or 2"
        )
    return None


@dataclass(frozen=True)
class ItemState:
    """One evidence item of the assessment, with its saved answer if there is one."""

    ref: str
    text: str
    answer_type: str
    version: int = 0  # 0 when nothing has been saved yet
    needs_review: bool = False  # carried forward from last year, not looked at yet
    document_name: str = ""  # the file attached now


@dataclass(frozen=True)
class AttachPlan:
    attach_file: tuple[ItemState, ...]  # document items: the file is attached, a note added
    add_note: tuple[ItemState, ...]  # other answer types: a note in the comments only
    check_first: tuple[ItemState, ...]  # carried forward, not reviewed: left alone
    not_in_assessment: tuple[str, ...]  # refs the year's assessment does not have

    @property
    def changes(self) -> tuple[ItemState, ...]:
        return self.attach_file + self.add_note


def attach_plan(served_refs: Iterable[str], items: Mapping[str, ItemState]) -> AttachPlan:
    """What attaching does, item by item, in the policy's order. A carried-forward answer is
    left for its owner to check: saving it would mark it reviewed when nobody has."""
    attach_file, add_note, check_first, missing = [], [], [], []
    for ref in served_refs:
        item = items.get(ref)
        if item is None:
            missing.append(ref)
        elif item.needs_review:
            check_first.append(item)
        elif item.answer_type == DOCUMENT:
            attach_file.append(item)
        else:
            add_note.append(item)
    return AttachPlan(tuple(attach_file), tuple(add_note), tuple(check_first), tuple(missing))


def attach_refusal(*, built_for_year: str, latest_year: str | None, started: bool) -> str | None:
    """Why the document cannot be attached at all, or None."""
    if latest_year is None:
        return "There is no assessment to add evidence to yet."
    if built_for_year and built_for_year != latest_year:
        return (
            f"This document was made for the {built_for_year} assessment, which is closed now. "
            f"Make it again to use it in the {latest_year} assessment."
        )
    if not started:
        return f"Start your {latest_year} assessment first, then come back to use this document."
    return None


def policy_note(*, title: str, version: str, review_date_text: str, file_name: str) -> str:
    return (
        f"Policy: {title}, version {version}, next review by {review_date_text} "
        f"({file_name}, made with the policy builder)."
    )


def comment_with_note(comments: str, note: str) -> str:
    """The comments with the note added on a line of its own, once."""
    if note in comments:
        return comments
    return f"{comments.rstrip()}\n{note}" if comments.strip() else note
