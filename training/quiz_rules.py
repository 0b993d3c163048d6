"""The frontline quiz's rules: plain functions over plain data, tested by tables.

What passes (80 % or more, counted exactly in whole numbers, never by rounding a percentage),
how an attempt is marked, which learning outcomes someone should go over again, which questions
of a page are still unanswered, and what state a quiz link is in.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The share of questions to get right to pass, in per cent. 80 % exactly passes.
PASS_PERCENT = 80


def has_passed(score: int, out_of: int, *, pass_percent: int = PASS_PERCENT) -> bool:
    """True when `score` right out of `out_of` is at least `pass_percent` per cent."""
    if out_of <= 0:
        raise ValueError("a quiz asks at least one question")
    if not 0 <= score <= out_of:
        raise ValueError(f"a score of {score} out of {out_of} is impossible")
    return score * 100 >= pass_percent * out_of


def pass_mark(out_of: int, *, pass_percent: int = PASS_PERCENT) -> int:
    """The fewest right answers that pass, out of `out_of` questions."""
    if out_of <= 0:
        raise ValueError("a quiz asks at least one question")
    return -(-pass_percent * out_of // 100)  # rounded up


def percent(score: int, out_of: int) -> int:
    """The score as a whole percentage, rounded down (so 79.9 % never shows as 80 %)."""
    return score * 100 // out_of if out_of else 0


@dataclass(frozen=True)
class AnswerKey:
    """One question as marking needs it: its key, its outcome and the right option."""

    question: str
    outcome: str
    right: str


@dataclass(frozen=True)
class Marked:
    score: int
    out_of: int
    passed: bool
    wrong: tuple[str, ...]  # question keys answered wrongly (or not at all), in quiz order
    revisit: tuple[str, ...]  # outcome keys with at least one wrong answer, in quiz order


def mark(
    answer_key: Sequence[AnswerKey],
    answers: Mapping[str, str],
    *,
    pass_percent: int = PASS_PERCENT,
) -> Marked:
    """Marks `answers` (question key -> chosen option key). A question without an answer counts
    as wrong; answers to questions the quiz does not ask are ignored."""
    wrong = tuple(
        entry.question for entry in answer_key if answers.get(entry.question) != entry.right
    )
    wrong_set = set(wrong)
    revisit: list[str] = []
    for entry in answer_key:
        if entry.question in wrong_set and entry.outcome not in revisit:
            revisit.append(entry.outcome)
    out_of = len(answer_key)
    score = out_of - len(wrong)
    return Marked(
        score=score,
        out_of=out_of,
        passed=has_passed(score, out_of, pass_percent=pass_percent),
        wrong=wrong,
        revisit=tuple(revisit),
    )


def unanswered(options: Mapping[str, Iterable[str]], answers: Mapping[str, str]) -> list[str]:
    """The question keys of `options` (question key -> its option keys, in page order) that have
    no answer among their own options."""
    return [
        question for question, keys in options.items() if answers.get(question) not in set(keys)
    ]


def first_incomplete_page(
    pages: Sequence[Mapping[str, Iterable[str]]], answers: Mapping[str, str]
) -> int | None:
    """The number (from 1) of the first page with an unanswered question, or None when every
    page is answered."""
    for number, options in enumerate(pages, start=1):
        if unanswered(options, answers):
            return number
    return None


class LinkState(enum.Enum):
    OPEN = "open"
    USED = "used"  # the quiz was finished with it
    REVOKED = "revoked"
    EXPIRED = "expired"


def link_state(
    *,
    expires_at: dt.datetime,
    used_at: dt.datetime | None,
    revoked_at: dt.datetime | None,
    now: dt.datetime,
) -> LinkState:
    """What a quiz link is now. Used comes first (a finished quiz stays finished, whatever
    happened to the link later), then revoked, then expired; a link expires at `expires_at`."""
    if used_at is not None:
        return LinkState.USED
    if revoked_at is not None:
        return LinkState.REVOKED
    if now >= expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN


def link_expires_at(created_at: dt.datetime, *, days: int) -> dt.datetime:
    if days < 1:
        raise ValueError("a quiz link lasts at least a day")
    return created_at + dt.timedelta(days=days)


def first_name(name: str) -> str:
    """The first word of a person's name: all that the quiz pages show of it."""
    words = name.split()
    return words[0] if words else ""
