"""The policy builder's texts (fixtures/policy-builder.yaml): read, check, and fill them in.

Pure Python (no Django, a test checks): the file is parsed into typed values and checked against
the policy templates list (fixtures/policy-templates.yaml); every problem is reported at once.
`policy_fill` turns one entry, the organisation's details and the answers given on the builder
page into the plain data the document builders take (`documents.builders.policy`).

A value the organisation has not given yet (no Caldicott Guardian in its profile) is filled in as
a marked gap, "[Add your Caldicott Guardian's name]", which the documents highlight.

The file layout is described in its own header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assessments.policy_templates import PolicyTemplate, PolicyTemplateList, policy_templates_load
from documents.builders.policy import (
    PolicyDocumentData,
    PolicyParagraph,
    PolicyRole,
    PolicySection,
    Run,
)

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "policy-builder.yaml"

KINDS = ("policy", "form")
YES_NO, TEXT = "yes_no", "text"
QUESTION_TYPES = (YES_NO, TEXT)
QUESTION_KEY = re.compile(r"[a-z][a-z0-9_]*")
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# A document job's subject is "policy:<organisation id>:<key>", in 64 characters.
KEY_MAX_LENGTH = 40


@dataclass(frozen=True)
class Detail:
    """A value filled in from the organisation's record or profile, or asked on every page."""

    name: str
    label: str
    gap: str  # printed when the organisation has not given it yet


# The placeholders every entry may use, besides its own text questions and {review_date}.
DETAILS: tuple[Detail, ...] = (
    Detail("organisation_name", "Organisation name", "[Add your organisation's name]"),
    Detail("address", "Address", "[Add your organisation's address]"),
    Detail("ods_code", "ODS code", "[Add your ODS code]"),
    Detail("caldicott_guardian", "Caldicott Guardian", "[Add your Caldicott Guardian's name]"),
    Detail(
        "siro",
        "Senior Information Risk Owner (SIRO)",
        "[Add your Senior Information Risk Owner's name]",
    ),
    Detail("dpo", "Data Protection Officer (DPO)", "[Add your Data Protection Officer's name]"),
    Detail(
        "ig_lead",
        "Information governance lead",
        "[Add your information governance lead's name]",
    ),
    Detail("data_security_lead", "Data security lead", "[Add your data security lead's name]"),
)
DETAILS_BY_NAME: Mapping[str, Detail] = {detail.name: detail for detail in DETAILS}
# The named roles, in the order the documents' table lists them.
ROLES = ("caldicott_guardian", "siro", "dpo", "ig_lead", "data_security_lead")
REVIEW_DATE = "review_date"
BUILT_IN = frozenset(DETAILS_BY_NAME) | {REVIEW_DATE}


class PolicyTextError(Exception):
    """The file is not usable; `problems` lists every reason, each saying where."""

    def __init__(self, problems: list[str], *, source_name: str = ""):
        self.problems = problems
        self.source_name = source_name
        count = len(problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the policy builder texts"
        heading += f" {source_name}" if source_name else ""
        super().__init__(heading + ":\n" + "\n".join(f"- {problem}" for problem in problems))
        self.message = str(self)


@dataclass(frozen=True)
class Question:
    key: str
    type: str  # YES_NO or TEXT
    ask: str
    hint: str = ""


@dataclass(frozen=True)
class Paragraph:
    text: str
    when: str = ""  # shown only when this yes/no question is answered Yes
    unless: str = ""  # shown only when this yes/no question is answered No

    def shown(self, answers: Mapping[str, object]) -> bool:
        if self.when and answers.get(self.when) is not True:
            return False
        return not (self.unless and answers.get(self.unless) is not False)


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[Paragraph, ...] = ()
    bullets: tuple[Paragraph, ...] = ()
    fields: tuple[str, ...] = ()
    when: str = ""
    unless: str = ""

    def shown(self, answers: Mapping[str, object]) -> bool:
        return Paragraph("", self.when, self.unless).shown(answers)


@dataclass(frozen=True)
class PolicyText:
    template: PolicyTemplate  # title, group, purpose and the items it serves
    kind: str  # "policy" or "form"
    questions: tuple[Question, ...]
    sections: tuple[Section, ...]

    @property
    def key(self) -> str:
        return self.template.key

    @property
    def title(self) -> str:
        return self.template.title

    @property
    def details_used(self) -> tuple[str, ...]:
        """The details (DETAILS) its text fills in, in DETAILS' order."""
        used: set[str] = set()
        for section in self.sections:
            for text in _texts(section):
                used.update(PLACEHOLDER.findall(text))
        return tuple(detail.name for detail in DETAILS if detail.name in used)


@dataclass(frozen=True)
class PolicyTexts:
    version: int
    policies: tuple[PolicyText, ...]

    @property
    def by_key(self) -> dict[str, PolicyText]:
        return {policy.key: policy for policy in self.policies}


def _texts(section: Section) -> list[str]:
    return [
        section.heading,
        *(paragraph.text for paragraph in section.paragraphs + section.bullets),
        *section.fields,
    ]


def parse_policy_texts(
    text: str, *, source_name: str, templates: PolicyTemplateList
) -> PolicyTexts:
    """Parse and check the file; raise PolicyTextError listing every problem found."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyTextError([f"not valid YAML: {error}"], source_name=source_name) from None
    if not isinstance(document, dict) or not isinstance(document.get("policies"), dict):
        raise PolicyTextError(
            ["the file must be a mapping with version: and policies: {key: entry, ...}"],
            source_name=source_name,
        )
    problems: list[str] = []
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append("version must be a whole number, 1 or more")
        version = 0
    for name in document:
        if name not in ("version", "policies"):
            problems.append(f"unknown top-level field {name!r} (fields: version, policies)")
    by_key = templates.by_key
    policies: list[PolicyText] = []
    for key, raw in document["policies"].items():
        template = by_key.get(key) if isinstance(key, str) else None
        if template is None:
            problems.append(
                f"policy {key!r}: not a key of the policy templates list "
                "(fixtures/policy-templates.yaml)"
            )
            continue
        if len(key) > KEY_MAX_LENGTH:
            problems.append(f"policy {key}: the key is longer than {KEY_MAX_LENGTH} characters")
            continue
        policy = _policy(template, raw, problems)
        if policy is not None:
            policies.append(policy)
    if problems:
        raise PolicyTextError(problems, source_name=source_name)
    # In the templates list's order, as the Help page shows them.
    order = {template.key: number for number, template in enumerate(templates.templates)}
    policies.sort(key=lambda policy: order[policy.key])
    return PolicyTexts(version=version, policies=tuple(policies))


def _policy(template: PolicyTemplate, raw: Any, problems: list[str]) -> PolicyText | None:
    where = f"policy {template.key}"
    before = len(problems)
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping (kind:, questions:, sections:)")
        return None
    for name in raw:
        if name not in ("kind", "questions", "sections"):
            problems.append(f"{where}: unknown field {name!r} (fields: kind, questions, sections)")
    kind = raw.get("kind")
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    questions = _questions(raw.get("questions"), where, problems)
    by_key = {question.key: question for question in questions}
    raw_sections = raw.get("sections")
    sections: list[Section] = []
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.append(f"{where}: sections must list at least one section")
    else:
        for number, raw_section in enumerate(raw_sections, start=1):
            section = _section(raw_section, f"{where}, section {number}", by_key, problems)
            if section is not None:
                sections.append(section)
    used: set[str] = set()
    for section in sections:
        used.update(name for name in (section.when, section.unless) if name)
        for paragraph in section.paragraphs + section.bullets:
            used.update(name for name in (paragraph.when, paragraph.unless) if name)
        for text in _texts(section):
            used.update(PLACEHOLDER.findall(text))
    for question in questions:
        if question.key not in used:
            problems.append(f"{where}: question {question.key} is asked but never used")
    if len(problems) > before:
        return None
    return PolicyText(
        template=template, kind=kind, questions=tuple(questions), sections=tuple(sections)
    )


def _questions(raw: Any, where: str, problems: list[str]) -> list[Question]:
    if not isinstance(raw, list):
        problems.append(f"{where}: questions must be a list (write [] for none)")
        return []
    questions: list[Question] = []
    for number, entry in enumerate(raw, start=1):
        at = f"{where}, question {number}"
        if not isinstance(entry, dict):
            problems.append(f"{at}: must be a mapping (key:, type:, ask:)")
            continue
        for name in entry:
            if name not in ("key", "type", "ask", "hint"):
                problems.append(f"{at}: unknown field {name!r} (fields: key, type, ask, hint)")
        key = entry.get("key")
        if not isinstance(key, str) or not QUESTION_KEY.fullmatch(key):
            problems.append(f"{at}: key {key!r} must be lower-case letters, digits and _")
            continue
        if key in BUILT_IN:
            problems.append(f"{at}: key {key} is already a placeholder filled by the portal")
            continue
        if any(question.key == key for question in questions):
            problems.append(f"{at}: key {key} is asked twice")
            continue
        kind = entry.get("type")
        if kind not in QUESTION_TYPES:
            problems.append(f"{at}: type must be one of {', '.join(QUESTION_TYPES)}")
            continue
        ask = entry.get("ask")
        if not isinstance(ask, str) or not ask.strip():
            problems.append(f"{at}: missing ask (the question as the page shows it)")
            continue
        hint = entry.get("hint", "")
        if not isinstance(hint, str):
            problems.append(f"{at}: hint must be text")
            continue
        questions.append(Question(key=key, type=kind, ask=" ".join(ask.split()), hint=hint))
    return questions


def _condition(raw: dict, where: str, questions: Mapping[str, Question], problems: list[str]):
    names = {}
    for name in ("when", "unless"):
        value = raw.get(name, "")
        if value == "":
            names[name] = ""
            continue
        question = questions.get(value) if isinstance(value, str) else None
        if question is None:
            problems.append(f"{where}: {name}: {value!r} is not one of this policy's questions")
            value = ""
        elif question.type != YES_NO:
            problems.append(f"{where}: {name}: {value} is not a yes/no question")
            value = ""
        names[name] = value
    if names["when"] and names["unless"]:
        problems.append(f"{where}: give when: or unless:, not both")
    return names["when"], names["unless"]


def _placeholders(text: str, where: str, questions: Mapping[str, Question], problems: list[str]):
    for name in PLACEHOLDER.findall(text):
        if name in BUILT_IN:
            continue
        question = questions.get(name)
        if question is None:
            problems.append(
                f"{where}: unknown placeholder {{{name}}} (the portal fills "
                f"{', '.join(sorted(BUILT_IN))}; any other must be one of the policy's text "
                "questions)"
            )
        elif question.type != TEXT:
            problems.append(
                f"{where}: {{{name}}} is a yes/no question: use it in when: or unless:, "
                "not in the text"
            )
    if "{" in PLACEHOLDER.sub("", text) or "}" in PLACEHOLDER.sub("", text):
        problems.append(f"{where}: a brace without its pair in {text[:40]!r}")


def _paragraphs(
    raw: Any, where: str, questions: Mapping[str, Question], problems: list[str]
) -> list[Paragraph]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where}: must be a list of texts")
        return []
    found = []
    for number, entry in enumerate(raw, start=1):
        at = f"{where} {number}"
        if isinstance(entry, dict):
            for name in entry:
                if name not in ("text", "when", "unless"):
                    problems.append(f"{at}: unknown field {name!r} (fields: text, when, unless)")
            text = entry.get("text")
            when, unless = _condition(entry, at, questions, problems)
        else:
            text, when, unless = entry, "", ""
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{at}: missing text")
            continue
        text = " ".join(text.split())
        _placeholders(text, at, questions, problems)
        found.append(Paragraph(text=text, when=when, unless=unless))
    return found


def _section(
    raw: Any, where: str, questions: Mapping[str, Question], problems: list[str]
) -> Section | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping (heading:, paragraphs:, ...)")
        return None
    allowed = ("heading", "paragraphs", "bullets", "fields", "when", "unless")
    for name in raw:
        if name not in allowed:
            problems.append(f"{where}: unknown field {name!r} (fields: {', '.join(allowed)})")
    heading = raw.get("heading")
    if not isinstance(heading, str) or not heading.strip():
        problems.append(f"{where}: missing heading")
        return None
    where = f"{where} ({heading})"
    _placeholders(heading, where, questions, problems)
    when, unless = _condition(raw, where, questions, problems)
    paragraphs = _paragraphs(raw.get("paragraphs"), f"{where}, paragraph", questions, problems)
    bullets = _paragraphs(raw.get("bullets"), f"{where}, bullet", questions, problems)
    fields_raw = raw.get("fields") or []
    fields: list[str] = []
    if not isinstance(fields_raw, list) or not all(
        isinstance(label, str) and label.strip() for label in fields_raw
    ):
        problems.append(f"{where}: fields must be a list of labels")
    else:
        for label in fields_raw:
            _placeholders(label, f"{where}, field", questions, problems)
            fields.append(" ".join(label.split()))
    if not (paragraphs or bullets or fields):
        problems.append(f"{where}: a section needs paragraphs, bullets or fields")
    return Section(
        heading=" ".join(heading.split()),
        paragraphs=tuple(paragraphs),
        bullets=tuple(bullets),
        fields=tuple(fields),
        when=when,
        unless=unless,
    )


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int, templates: PolicyTemplateList) -> PolicyTexts:
    return parse_policy_texts(
        path.read_text(encoding="utf-8"), source_name=path.name, templates=templates
    )


def policy_texts_load(path: Path | None = None) -> PolicyTexts:
    """The portal's texts, read once per version of the file (and of the templates list)."""
    path = path or DEFAULT_PATH
    return _load(path, path.stat().st_mtime_ns, policy_templates_load())


# --- Filling one in ----------------------------------------------------------------------------


def _runs(text: str, values: Mapping[str, str], gaps: Mapping[str, str]) -> tuple[Run, ...]:
    """The text with its placeholders filled: (text, is_gap) pieces, gaps marked."""
    runs: list[Run] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > position:
            runs.append(Run(text[position : match.start()]))
        name = match.group(1)
        value = (values.get(name) or "").strip()
        runs.append(Run(value) if value else Run(gaps[name], gap=True))
        position = match.end()
    if position < len(text):
        runs.append(Run(text[position:]))
    return tuple(runs)


def _plain(runs: tuple[Run, ...]) -> str:
    return "".join(run.text for run in runs)


def policy_fill(
    policy: PolicyText,
    *,
    details: Mapping[str, str],
    answers: Mapping[str, object],
    review_date_text: str,
    version: str,
    made_on_text: str,
    address_lines: tuple[str, ...] = (),
) -> PolicyDocumentData:
    """The document's content: `details` by DETAILS name ("" when not given), `answers` by
    question key (True/False for yes/no, text for text questions)."""
    values = {**details, REVIEW_DATE: review_date_text}
    for question in policy.questions:
        if question.type == TEXT:
            values[question.key] = str(answers.get(question.key) or "")
    gaps = {detail.name: detail.gap for detail in DETAILS}
    gaps[REVIEW_DATE] = "[Add the date of the next review]"
    gaps.update(
        {question.key: f"[Add your answer: {question.ask}]" for question in policy.questions}
    )
    sections = []
    for section in policy.sections:
        if not section.shown(answers):
            continue
        sections.append(
            PolicySection(
                heading=_plain(_runs(section.heading, values, gaps)),
                paragraphs=tuple(
                    PolicyParagraph(_runs(paragraph.text, values, gaps))
                    for paragraph in section.paragraphs
                    if paragraph.shown(answers)
                ),
                bullets=tuple(
                    PolicyParagraph(_runs(bullet.text, values, gaps))
                    for bullet in section.bullets
                    if bullet.shown(answers)
                ),
                fields=tuple(_plain(_runs(label, values, gaps)) for label in section.fields),
            )
        )
    return PolicyDocumentData(
        title=policy.title,
        purpose=policy.template.purpose,
        organisation_name=(details.get("organisation_name") or "").strip()
        or gaps["organisation_name"],
        ods_code=(details.get("ods_code") or "").strip() or gaps["ods_code"],
        address_lines=address_lines,
        version=version,
        review_date=review_date_text,
        made_on=made_on_text,
        roles=tuple(
            PolicyRole(
                role=DETAILS_BY_NAME[name].label,
                name=(details.get(name) or "").strip() or DETAILS_BY_NAME[name].gap,
                gap=not (details.get(name) or "").strip(),
            )
            for name in ROLES
        ),
        sections=tuple(sections),
        is_form=policy.kind == "form",
    )
