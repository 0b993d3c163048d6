"""The frontline quiz file: parse, check and cache it.

The questions are data (fixtures/frontline-quiz.yaml, setting DSPT_QUIZ_FILE), like the incident
scales (ADR 9): read once per process, never loaded into the database, and refused with every
problem listed at once, each saying where. A system check (training/apps.py) reads it at start-up,
so a bad edit stops the portal rather than a care worker halfway through the quiz.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from .quiz_rules import AnswerKey

MAX_QUIZ_BYTES = 128 * 1024
KEY_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KEY_MAX_LENGTH = 40
MIN_QUESTIONS_PER_OUTCOME = 3
MIN_OPTIONS, MAX_OPTIONS = 3, 4
TEXT_MAX_LENGTH = 400


class QuizFileError(Exception):
    """A quiz file that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: Iterable[str], *, source_name: str = "") -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the frontline quiz file"
        if source_name:
            heading += f" {source_name}"
        self.message = "\n".join([f"{heading}:", *self.problems])
        super().__init__(self.message)


@dataclass(frozen=True)
class Option:
    key: str
    text: str


@dataclass(frozen=True)
class Question:
    key: str
    outcome: str
    text: str
    options: tuple[Option, ...]
    answer: str
    explanation: str

    @property
    def option_keys(self) -> tuple[str, ...]:
        return tuple(option.key for option in self.options)

    def option_text(self, key: str | None) -> str:
        return next((option.text for option in self.options if option.key == key), "")

    @property
    def right_text(self) -> str:
        return self.option_text(self.answer)


@dataclass(frozen=True)
class Outcome:
    key: str
    title: str
    revisit: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Quiz:
    version: int
    outcomes: tuple[Outcome, ...]
    source_name: str = ""

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for outcome in self.outcomes for question in outcome.questions)

    @property
    def question_count(self) -> int:
        return len(self.questions)

    @property
    def page_count(self) -> int:
        return len(self.outcomes)

    def page(self, number: int) -> Outcome:
        """The outcome asked on page `number` (from 1); IndexError for no such page."""
        if not 1 <= number <= len(self.outcomes):
            raise IndexError(number)
        return self.outcomes[number - 1]

    def page_options(self) -> list[dict[str, tuple[str, ...]]]:
        """Each page's questions with their option keys, as quiz_rules takes them."""
        return [
            {question.key: question.option_keys for question in outcome.questions}
            for outcome in self.outcomes
        ]

    def answer_key(self) -> tuple[AnswerKey, ...]:
        return tuple(
            AnswerKey(question=question.key, outcome=question.outcome, right=question.answer)
            for question in self.questions
        )

    def outcome_title(self, key: str) -> str:
        """An outcome's title; a key no longer in the file is shown as stored."""
        return next((outcome.title for outcome in self.outcomes if outcome.key == key), key)

    def outcome_revisit(self, key: str) -> str:
        return next((outcome.revisit for outcome in self.outcomes if outcome.key == key), key)

    def question(self, key: str) -> Question | None:
        return next((question for question in self.questions if question.key == key), None)


# --- Reading ---------------------------------------------------------------------------------


def quiz_parse(text: str, *, source_name: str = "") -> Quiz:
    """Parse and check a quiz file's text; raise QuizFileError listing every problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_QUIZ_BYTES:
        raise QuizFileError(
            [f"the file is {size:,} bytes; a quiz file may be at most {MAX_QUIZ_BYTES:,}"],
            source_name=source_name,
        )
    try:
        document = yaml.safe_load(text)  # never constructs Python objects
    except yaml.YAMLError as error:
        raise QuizFileError([f"not valid YAML: {error}"], source_name=source_name) from None
    if not isinstance(document, dict):
        raise QuizFileError(
            ["the file must be a YAML mapping (version:, outcomes:)"], source_name=source_name
        )
    checker = _Checker()
    quiz = checker.quiz(document, source_name)
    if checker.problems:
        raise QuizFileError(checker.problems, source_name=source_name)
    return quiz


def quiz_read(path: Path) -> Quiz:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise QuizFileError(
            [f"cannot read the file: {error.strerror or error}"], source_name=str(path)
        ) from None
    except UnicodeDecodeError:
        raise QuizFileError(["the file is not UTF-8 text"], source_name=str(path)) from None
    return quiz_parse(text, source_name=str(path))


@lru_cache(maxsize=4)
def _quiz_at(path: str) -> Quiz:
    return quiz_read(Path(path))


def quiz_current() -> Quiz:
    """The quiz the portal asks now (setting DSPT_QUIZ_FILE), read once per process."""
    return _quiz_at(str(settings.DSPT_QUIZ_FILE))


def quiz_forget() -> None:
    """Forgets the files read so far (tests that change DSPT_QUIZ_FILE)."""
    _quiz_at.cache_clear()


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.question_keys: set[str] = set()

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.add(where, "must be some text")
            return ""
        value = " ".join(value.split())
        if len(value) > TEXT_MAX_LENGTH:
            self.add(where, f"must be at most {TEXT_MAX_LENGTH} characters")
        return value

    def key(self, value: Any, where: str) -> str | None:
        if (
            not isinstance(value, str)
            or not KEY_PATTERN.fullmatch(value)
            or len(value) > KEY_MAX_LENGTH
        ):
            self.add(where, f"key must be a short lower-case token, not {value!r}")
            return None
        return value

    def quiz(self, document: dict, source_name: str) -> Quiz:
        version = document.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.add("version", f"must be a whole number, 1 or more, not {version!r}")
            version = 0
        outcomes_value = document.get("outcomes")
        outcomes: list[Outcome] = []
        if not isinstance(outcomes_value, list) or not outcomes_value:
            self.add("outcomes", "must be a list of learning outcomes")
        else:
            seen: set[str] = set()
            for number, entry in enumerate(outcomes_value, start=1):
                outcome = self.outcome(entry, f"outcome {number}", seen)
                if outcome is not None:
                    outcomes.append(outcome)
        return Quiz(version=version, outcomes=tuple(outcomes), source_name=source_name)

    def outcome(self, entry: Any, where: str, seen: set[str]) -> Outcome | None:
        if not isinstance(entry, dict):
            self.add(where, "must be a mapping with key, title, revisit and questions")
            return None
        key = self.key(entry.get("key"), where)
        if key is not None:
            if key in seen:
                self.add(where, f"key {key!r} is given to more than one outcome")
            seen.add(key)
            where = f"outcome {key}"
        title = self.text(entry.get("title"), f"{where}, title")
        revisit = self.text(entry.get("revisit"), f"{where}, revisit")
        questions_value = entry.get("questions")
        questions: list[Question] = []
        if not isinstance(questions_value, list):
            self.add(where, "questions must be a list")
        else:
            for number, question_entry in enumerate(questions_value, start=1):
                question = self.question(question_entry, f"{where}, question {number}", key or "")
                if question is not None:
                    questions.append(question)
            if len(questions_value) < MIN_QUESTIONS_PER_OUTCOME:
                self.add(
                    where,
                    f"has {len(questions_value)} question"
                    f"{'s' if len(questions_value) != 1 else ''}; "
                    f"each outcome needs at least {MIN_QUESTIONS_PER_OUTCOME}",
                )
        if key is None:
            return None
        return Outcome(key=key, title=title, revisit=revisit, questions=tuple(questions))

    def question(self, entry: Any, where: str, outcome: str) -> Question | None:
        if not isinstance(entry, dict):
            self.add(where, "must be a mapping with key, question, options, answer, explanation")
            return None
        key = self.key(entry.get("key"), where)
        if key is not None:
            if key in self.question_keys:
                self.add(where, f"key {key!r} is given to more than one question")
            self.question_keys.add(key)
            where = f"question {key}"
        text = self.text(entry.get("question"), f"{where}, question")
        explanation = self.text(entry.get("explanation"), f"{where}, explanation")
        options = self.options(entry.get("options"), where)
        answer = entry.get("answer")
        option_keys = {option.key for option in options}
        if not isinstance(answer, str) or answer not in option_keys:
            self.add(
                where,
                f"answer must be the key of one of its options ({', '.join(sorted(option_keys))}),"
                f" not {answer!r}",
            )
        if key is None:
            return None
        return Question(
            key=key,
            outcome=outcome,
            text=text,
            options=options,
            answer=answer if isinstance(answer, str) else "",
            explanation=explanation,
        )

    def options(self, value: Any, where: str) -> tuple[Option, ...]:
        if not isinstance(value, list):
            self.add(where, "options must be a list of {key, text}")
            return ()
        if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
            self.add(
                where, f"has {len(value)} options; a question has {MIN_OPTIONS} or {MAX_OPTIONS}"
            )
        options: list[Option] = []
        seen: set[str] = set()
        for number, entry in enumerate(value, start=1):
            option_where = f"{where}, option {number}"
            if not isinstance(entry, dict):
                self.add(option_where, "must be a mapping with key and text")
                continue
            key = self.key(entry.get("key"), option_where)
            text = self.text(entry.get("text"), option_where)
            if key is None:
                continue
            if key in seen:
                self.add(where, f"option key {key!r} is given more than once")
                continue
            seen.add(key)
            options.append(Option(key=key, text=text))
        return tuple(options)
