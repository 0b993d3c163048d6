"""What the frontline quiz's pages show: links with their state, attempts with their score, and
a finished attempt's result with the explanation for each wrong answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from . import quiz_rules
from .models import QuizAttempt, QuizLink
from .quiz_file import Quiz
from .quiz_rules import LinkState

STATE_TAGS = {
    LinkState.OPEN: ("Not used yet", "nhsuk-tag--blue"),
    LinkState.USED: ("Used", "nhsuk-tag--green"),
    LinkState.REVOKED: ("Revoked", "nhsuk-tag--grey"),
    LinkState.EXPIRED: ("Expired", "nhsuk-tag--grey"),
}
STARTED_TAG = ("Started", "nhsuk-tag--yellow")


@dataclass(frozen=True)
class LinkRow:
    pk: int
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime
    state_label: str
    tag_class: str
    can_revoke: bool


def link_rows(links: Iterable[QuizLink], *, now: dt.datetime) -> list[LinkRow]:
    rows = []
    for link in links:
        state = quiz_rules.link_state(
            expires_at=link.expires_at, used_at=link.used_at, revoked_at=link.revoked_at, now=now
        )
        label, tag = STATE_TAGS[state]
        if state is LinkState.OPEN and _has_attempt(link):
            label, tag = STARTED_TAG
        rows.append(
            LinkRow(
                pk=link.pk,
                created_at=link.created_at,
                created_by=(link.created_by.full_name or link.created_by.email)
                if link.created_by
                else "Someone no longer here",
                expires_at=link.expires_at,
                state_label=label,
                tag_class=tag,
                can_revoke=state is LinkState.OPEN,
            )
        )
    return rows


def _has_attempt(link: QuizLink) -> bool:
    try:
        return link.attempt is not None
    except QuizAttempt.DoesNotExist:
        return False


@dataclass(frozen=True)
class AttemptRow:
    staff_id: int
    staff_name: str
    finished_at: dt.datetime | None
    score_text: str
    passed: bool
    revisit: tuple[str, ...]  # outcome titles to go over again


def score_text(score: int | None, out_of: int | None) -> str:
    if score is None or not out_of:
        return ""
    return f"{score} out of {out_of} ({quiz_rules.percent(score, out_of)}%)"


def attempt_rows(attempts: Iterable[QuizAttempt], *, quiz: Quiz) -> list[AttemptRow]:
    return [
        AttemptRow(
            staff_id=attempt.staff_member_id,
            staff_name=attempt.staff_member.name,
            finished_at=attempt.finished_at,
            score_text=score_text(attempt.score, attempt.out_of),
            passed=bool(attempt.passed),
            revisit=tuple(quiz.outcome_title(key) for key in attempt.revisit or ()),
        )
        for attempt in attempts
    ]


@dataclass(frozen=True)
class WrongAnswer:
    number: int
    question: str
    chosen: str
    right: str
    explanation: str


@dataclass(frozen=True)
class Result:
    score_text: str
    passed: bool
    pass_percent: int
    wrong: tuple[WrongAnswer, ...]
    revisit: tuple[str, ...]  # what to go over again, one sentence per outcome


def result_for(attempt: QuizAttempt, *, quiz: Quiz) -> Result:
    """A finished attempt's result. Questions are numbered as the quiz asked them; a question
    no longer in the file (a later version) is left out of the explanations, never guessed."""
    answers = attempt.answers or {}
    wrong = []
    for number, question in enumerate(quiz.questions, start=1):
        chosen = answers.get(question.key)
        if chosen is None or chosen == question.answer:
            continue
        wrong.append(
            WrongAnswer(
                number=number,
                question=question.text,
                chosen=question.option_text(chosen),
                right=question.right_text,
                explanation=question.explanation,
            )
        )
    return Result(
        score_text=score_text(attempt.score, attempt.out_of),
        passed=bool(attempt.passed),
        pass_percent=quiz_rules.PASS_PERCENT,
        wrong=tuple(wrong),
        revisit=tuple(quiz.outcome_revisit(key) for key in attempt.revisit or ()),
    )
