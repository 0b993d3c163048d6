"""Question bank files: parse and validate a DSPT year's evidence items from YAML.

Pure Python on purpose (no Django ORM here): a bank file can be checked anywhere — in a test, by a
management command before it touches the database, or by someone editing the file — and every
problem is reported at once, so a person fixing a bank sees the whole list rather than one error
per attempt.

The file layout is described in the header of `fixtures/question-bank-2025-26.yaml`. Fields the
portal does not use (research provenance such as `source` or `confidence`) are ignored, but a field
whose name looks like a misspelling of one the portal reads is reported, because ignoring
`depend_on:` would quietly make a conditional item unconditional.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import yaml

from .rules import ANSWER_FORMAT_TYPES, ANSWER_FORMATS, PROVIDED, MeetsWhen

if TYPE_CHECKING:
    from .policy_templates import PolicyTemplateList

# The toolkit's four headings for adult social care, in the toolkit's order. Every bank must have
# exactly these sections in this order. Kept in one place so that an official list with other
# headings only needs this constant (and the bank file) changed.
SECTION_KEYS: tuple[str, ...] = (
    "staffing-and-roles",
    "policies-and-procedures",
    "data-security",
    "it-systems-and-devices",
)

# Mirrors assessments.models.AnswerType and Level (a test keeps them in step); repeated here
# because this module must not import the ORM.
ANSWER_TYPES: tuple[str, ...] = (
    "text",
    "yes_no",
    "yes_no_text",
    "date",
    "number",
    "document",
    "choice",
)
LEVELS: tuple[str, ...] = ("approaching", "met", "optional")

# What an answer to each type can be matched on by a dependant's `depends_on.answers`. Types not
# listed here have free-form answers, so a dependant can only say "once it is answered".
YES_NO_ANSWERS: tuple[str, ...] = ("yes", "no")
ANSWERS_BY_TYPE: dict[str, tuple[str, ...]] = {
    "yes_no": YES_NO_ANSWERS,
    "yes_no_text": YES_NO_ANSWERS,
}

# A bank is a few hundred items at most (the 2025-26 file is about 50 kB); anything far larger is
# the wrong file, and YAML parsing cost grows with it.
MAX_BANK_BYTES = 2 * 1024 * 1024

NDG_STANDARDS = range(1, 11)
REF_PATTERN = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
VERSION_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")
# Option values are what Answer.choice (64 characters) stores, so they must be short and stable.
OPTION_VALUE_PATTERN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
OPTION_VALUE_MAX_LENGTH = 64
REF_MAX_LENGTH = 16  # EvidenceItem.ref
# YAML 1.1 reads a bare yes, no, on or off as true/false, which is never what a bank means.
BARE_BOOLEAN_HINT = (
    'must be text in quotes, like "yes" or "no" (YAML reads bare yes/no as true/false)'
)

SECTION_TITLE_MAX_LENGTH = 255  # Section.title
SECTOR_MAX_LENGTH = 64  # QuestionBank.sector
TOOLKIT_VERSION_MAX = 32767  # QuestionBank.toolkit_version is a PositiveSmallIntegerField

# The fields the portal reads, used to spot misspellings of them among the ignored extra fields.
TOP_LEVEL_FIELDS = (
    "version",
    "sector",
    "toolkit_version",
    "publication_deadline",
    "previous_year",
    "sections",
)
SECTION_FIELDS = ("key", "title", "items")
ITEM_FIELDS = (
    "ref",
    "level",
    "answer_type",
    "text",
    "guidance",
    "depends_on",
    "ndg_standard",
    "options",
    "meets_when",
    "answer_format",
    "example_response",
    "example_comment",
    "policy_templates",
    "guidance_links",
)
GUIDANCE_LINK_FIELDS = ("title", "url")
# A web address for further guidance: https only, a host name, no spaces or quotes.
GUIDANCE_URL_PATTERN = re.compile(
    r"https://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]{1,5})?(?:/[^\s\"'<>]*)?"
)
GUIDANCE_URL_MAX_LENGTH = 500
GUIDANCE_LINK_TITLE_MAX_LENGTH = 200
EXAMPLE_MAX_LENGTH = 2000
MEETS_WHEN_FIELDS = ("answers", "at_least", "within_months")
# Longest look-back a date item may ask for (ten years).
WITHIN_MONTHS_MAX = 120
DEPENDS_ON_FIELDS = ("ref", "answers", "when")
OPTION_FIELDS = ("value", "label")


_MISSING = object()

# Which meets_when field each answer type takes, and how to write it, for problem messages.
_MEETS_WHEN_KEY = {
    "yes_no": "answers",
    "yes_no_text": "answers",
    "choice": "answers",
    "number": "at_least",
    "date": "within_months",
}
_MEETS_WHEN_HINTS = {
    "yes_no": ', for example meets_when: {answers: ["yes"]}',
    "yes_no_text": ', for example meets_when: {answers: ["yes"]}',
    "choice": ", for example meets_when: {answers: [an-option-value]}",
    "number": ", for example meets_when: {at_least: 95}",
    "date": ", for example meets_when: {within_months: 12}",
    "text": ", which for a text item is meets_when: provided",
    "document": ", which for a document item is meets_when: provided",
}


class BankError(Exception):
    """A bank file that cannot be used. `problems` holds one line per problem, each saying where."""

    def __init__(
        self, problems: Iterable[str], *, source_name: str = "", heading: str = ""
    ) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        self.source_name = source_name
        if not heading:
            count = len(self.problems)
            heading = f"{count} problem{'s' if count != 1 else ''} in the question bank"
            if source_name:
                heading += f" {source_name}"
        self.message = "\n".join([f"{heading}:", *self.problems])
        super().__init__(self.message)


@dataclass(frozen=True)
class ChoiceOption:
    value: str
    label: str


@dataclass(frozen=True)
class GuidanceLink:
    title: str
    url: str


@dataclass(frozen=True)
class ItemDefinition:
    ref: str
    text: str
    guidance: str
    answer_type: str
    level: str
    options: tuple[ChoiceOption, ...]
    depends_on_ref: str | None
    # Answers to `depends_on_ref` that make this item apply; empty means "any answer".
    depends_on_answers: tuple[str, ...]
    condition_text: str
    ndg_standard: int
    meets_when: MeetsWhen = PROVIDED
    # Help shown beside the item (all optional): an example answer in the portal's own words, the
    # policy templates that support it (keys of fixtures/policy-templates.yaml) and further reading.
    answer_format: str = ""  # a known format the answer is checked against (rules.ANSWER_FORMATS)
    example_response: str = ""
    example_comment: str = ""
    policy_templates: tuple[str, ...] = ()
    guidance_links: tuple[GuidanceLink, ...] = ()


@dataclass(frozen=True)
class SectionDefinition:
    key: str
    title: str
    items: tuple[ItemDefinition, ...]


@dataclass(frozen=True)
class BankDefinition:
    year: str
    sector: str
    toolkit_version: int | None
    publication_deadline: dt.date
    previous_year: str  # "" when the file names none
    sections: tuple[SectionDefinition, ...]
    source_name: str = ""

    @property
    def items(self) -> tuple[ItemDefinition, ...]:
        """Every item in file order, across sections."""
        return tuple(item for section in self.sections for item in section.items)


@dataclass(frozen=True)
class LevelCounts:
    approaching: int = 0
    met: int = 0  # needed for Standards Met only
    optional: int = 0

    @property
    def standards_met(self) -> int:
        """Everything needed for Standards Met: the toolkit's own count includes Approaching."""
        return self.approaching + self.met

    @property
    def total(self) -> int:
        return self.approaching + self.met + self.optional

    def __add__(self, other: LevelCounts) -> LevelCounts:
        return LevelCounts(
            approaching=self.approaching + other.approaching,
            met=self.met + other.met,
            optional=self.optional + other.optional,
        )


def counts_by_section_and_level(definition: BankDefinition) -> dict[str, LevelCounts]:
    """Item counts per level for each section key, in section order."""
    counts: dict[str, LevelCounts] = {}
    for section in definition.sections:
        per_level = {level: 0 for level in LEVELS}
        for item in section.items:
            per_level[item.level] += 1
        counts[section.key] = LevelCounts(**per_level)
    return counts


def total_counts(counts: Mapping[str, LevelCounts]) -> LevelCounts:
    return sum(counts.values(), LevelCounts())


def check_bank_size(size: int, *, source_name: str) -> None:
    """Refuse an oversized file before reading or parsing it."""
    if size > MAX_BANK_BYTES:
        raise BankError(
            [
                f"the file is {size:,} bytes; a question bank may be at most "
                f"{MAX_BANK_BYTES:,} bytes (2 MB), so it was not read"
            ],
            source_name=source_name,
        )


def parse_bank(
    text: str, *, source_name: str, policy_templates: PolicyTemplateList | None = None
) -> BankDefinition:
    """Parse and validate a bank file's text; raise BankError listing every problem found.

    `policy_templates` is the list the items' `policy_templates` keys must name; the portal's own
    list (fixtures/policy-templates.yaml) when not given.
    """
    check_bank_size(len(text.encode("utf-8", errors="replace")), source_name=source_name)
    try:
        # safe_load only: a bank file must never be able to construct Python objects.
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BankError([_describe_yaml_error(error)], source_name=source_name) from None
    if not isinstance(document, dict):
        found = "an empty file" if document is None else f"a {_yaml_kind(document)}"
        raise BankError(
            [f"the file must be a YAML mapping (version:, sections:, ...), not {found}"],
            source_name=source_name,
        )
    if policy_templates is None:
        from .policy_templates import policy_templates_load  # it imports this module

        policy_templates = policy_templates_load()
    validator = _Validator(policy_templates=policy_templates)
    definition = validator.bank(document, source_name=source_name)
    if validator.problems:
        raise BankError(validator.problems, source_name=source_name)
    assert definition is not None
    return definition


def parse_year(value: str) -> tuple[int, int] | None:
    """(2025, 2026) for "2025-26"; None unless it is two consecutive years written YYYY-YY."""
    match = VERSION_PATTERN.fullmatch(value)
    if match is None:
        return None
    start = int(match.group(1))
    if (start + 1) % 100 != int(match.group(2)):
        return None
    return start, start + 1


# --- Validation ---------------------------------------------------------------------------------


def _describe_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    detail = f"{context}, {problem}" if context else problem
    if mark is not None:
        # PyYAML counts lines and columns from 0; editors count from 1.
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {detail}"
    return f"not valid YAML: {detail}"


def _yaml_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "piece of text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, dt.date):
        return "date"
    return type(value).__name__


def _quote(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


@dataclass
class _RawItem:
    """An item as read, before the checks that need the whole bank (dependencies)."""

    section_where: str  # "section 'data-security'"
    where: str  # "section 'data-security', item 6.2.1" (or "item #3" while the ref is unusable)
    ref: str | None
    answer_type: str | None
    options: tuple[ChoiceOption, ...]
    depends_on: dict[str, Any] | None
    fields: dict[str, Any]


class _Validator:
    """Collects every problem while building the definition; `bank()` gives None if any."""

    def __init__(self, *, policy_templates: PolicyTemplateList) -> None:
        self.problems: list[str] = []
        self.policy_templates = policy_templates.by_key

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    # -- whole file --

    def bank(self, document: dict[Any, Any], *, source_name: str) -> BankDefinition | None:
        self.misspelt_fields(document, TOP_LEVEL_FIELDS, "")
        year = self.version(document.get("version"))
        deadline = self.deadline(document.get("publication_deadline"), year)
        sector = self.optional_text(document.get("sector"), "sector", SECTOR_MAX_LENGTH)
        toolkit_version = self.toolkit_version(document.get("toolkit_version"))
        previous_year = self.previous_year(document.get("previous_year"), year)

        raw_sections = self.sections(document.get("sections"))
        raw_items = [item for _, _, items in raw_sections for item in items]
        self.check_unique_refs(raw_items)
        by_ref = {item.ref: item for item in raw_items if item.ref is not None}
        dependencies = {item.ref: self.dependency(item, by_ref) for item in raw_items if item.ref}
        self.check_cycles(raw_items, dependencies)

        if self.problems:
            return None
        assert year is not None
        assert deadline is not None
        sections = tuple(
            SectionDefinition(
                key=key,
                title=title,
                items=tuple(self.item_definition(item, dependencies[item.ref]) for item in items),
            )
            for key, title, items in raw_sections
        )
        return BankDefinition(
            year=year,
            sector=sector,
            toolkit_version=toolkit_version,
            publication_deadline=deadline,
            previous_year=previous_year,
            sections=sections,
            source_name=source_name,
        )

    def version(self, value: Any) -> str | None:
        if value is None:
            self.add("version", 'missing (the DSPT year, for example "2025-26")')
            return None
        if not isinstance(value, str) or parse_year(value) is None:
            self.add(
                "version",
                f"{_quote(value)} is not a DSPT year: write two consecutive years as YYYY-YY, "
                f'for example "2025-26"',
            )
            return None
        return value

    def deadline(self, value: Any, year: str | None) -> dt.date | None:
        where = "publication_deadline"
        if value is None:
            self.add(where, 'missing (an ISO date, for example "2026-06-30")')
            return None
        # YAML turns an unquoted 2026-06-30 into a date already; a quoted one stays text.
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            deadline = value
        elif isinstance(value, str):
            try:
                deadline = dt.date.fromisoformat(value.strip())
            except ValueError:
                deadline = None
            if deadline is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value.strip()):
                self.add(where, f"{value!r} is not an ISO date (YYYY-MM-DD, e.g. 2026-06-30)")
                return None
        else:
            self.add(where, f"must be an ISO date (YYYY-MM-DD), not a {_yaml_kind(value)}")
            return None
        if year is not None:
            _, end = parse_year(year) or (0, 0)
            # Deadlines have moved (31 March, 30 June, 30 September) but always fell after the
            # year's end; an earlier date is almost certainly last year's deadline left in place.
            if deadline.year < end:
                self.add(
                    where,
                    f"{deadline.isoformat()} is before {end}, the year in which DSPT {year} ends",
                )
        return deadline

    def optional_text(self, value: Any, where: str, max_length: int | None = None) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(where, f"must be text, not a {_yaml_kind(value)}")
            return ""
        value = value.strip()
        if max_length is not None and len(value) > max_length:
            self.add(where, f"is longer than {max_length} characters")
        return value

    def toolkit_version(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add("toolkit_version", f"must be a whole number, not {_quote(value)}")
            return None
        if not 0 <= value <= TOOLKIT_VERSION_MAX:
            self.add("toolkit_version", f"{value} is out of range (0 to {TOOLKIT_VERSION_MAX})")
            return None
        return value

    def previous_year(self, value: Any, year: str | None) -> str:
        where = "previous_year"
        if value is None:
            return ""
        if not isinstance(value, dict):
            self.add(where, f"must be a mapping with a version (version: ...), not {_quote(value)}")
            return ""
        previous = value.get("version")
        if previous is None:
            return ""
        if not isinstance(previous, str) or parse_year(previous) is None:
            self.add(
                f"{where}.version",
                f'{_quote(previous)} is not a DSPT year like "2024-25"',
            )
            return ""
        if year is not None and previous >= year:
            self.add(f"{where}.version", f"{previous} is not earlier than this bank's {year}")
        return previous

    # -- sections --

    def sections(self, value: Any) -> list[tuple[str, str, list[_RawItem]]]:
        if value is None or value == []:
            self.add("sections", "missing: a bank needs its sections and their items")
            return []
        if not isinstance(value, list):
            self.add("sections", f"must be a list of sections, not a {_yaml_kind(value)}")
            return []

        result: list[tuple[str, str, list[_RawItem]]] = []
        seen_keys: list[str] = []
        for number, raw in enumerate(value, start=1):
            where = f"section #{number}"
            if not isinstance(raw, dict):
                self.add(
                    where, f"must be a mapping (key:, title:, items:), not a {_yaml_kind(raw)}"
                )
                continue
            key = raw.get("key")
            if key is None:
                self.add(where, "missing key")
            elif not isinstance(key, str) or key not in SECTION_KEYS:
                self.add(
                    where,
                    f"unknown section key {_quote(key)} (known: {', '.join(SECTION_KEYS)})",
                )
                key = None
            elif key in seen_keys:
                self.add(f"section '{key}'", f"duplicate section (section #{number})")
                key = None
            if key is not None:
                seen_keys.append(key)
                where = f"section '{key}'"
            self.misspelt_fields(raw, SECTION_FIELDS, where)
            title = self.optional_text(
                raw.get("title"), f"{where}, title", SECTION_TITLE_MAX_LENGTH
            )
            if not title:
                self.add(where, "missing title")
            items = self.section_items(raw.get("items"), where)
            if key is not None:
                result.append((key, title, items))

        missing = [key for key in SECTION_KEYS if key not in seen_keys]
        if missing:
            self.add(
                "sections",
                f"missing section{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(key) for key in missing)}",
            )
        expected_order = [key for key in SECTION_KEYS if key in seen_keys]
        if seen_keys != expected_order:
            self.add(
                "sections",
                f"must be in the toolkit's order ({', '.join(SECTION_KEYS)}); "
                f"found {', '.join(seen_keys)}",
            )
        return result

    def section_items(self, value: Any, where: str) -> list[_RawItem]:
        if value is None or value == []:
            self.add(where, "has no items")
            return []
        if not isinstance(value, list):
            self.add(where, f"items must be a list, not a {_yaml_kind(value)}")
            return []
        items = []
        for number, raw in enumerate(value, start=1):
            item = self.raw_item(raw, section_where=where, number=number)
            if item is not None:
                items.append(item)
        return items

    # -- items, one at a time --

    def raw_item(self, raw: Any, *, section_where: str, number: int) -> _RawItem | None:
        where = f"{section_where}, item #{number}"
        if not isinstance(raw, dict):
            self.add(where, f"must be a mapping (ref:, text:, ...), not a {_yaml_kind(raw)}")
            return None

        ref = raw.get("ref")
        if ref is None:
            self.add(where, "missing ref")
        elif not isinstance(ref, str):
            # An unquoted 1.2 is a number to YAML; 1.2.3 happens to stay text, but quoting is safer.
            self.add(where, f'ref {_quote(ref)} must be text in quotes, like "1.2.3"')
            ref = None
        else:
            ref = ref.strip()
            where = f"{section_where}, item {ref}"  # the ref is what a person searches the file for
            if not REF_PATTERN.fullmatch(ref) or len(ref) > REF_MAX_LENGTH:
                self.add(where, f'malformed ref {ref!r}: expected three numbers like "1.2.3"')
                ref = None
        self.misspelt_fields(raw, ITEM_FIELDS, where)

        text = self.optional_text(raw.get("text"), f"{where}, text")
        if not text and isinstance(raw.get("text"), str | None):  # other types: reported above
            self.add(where, "empty text: every item needs its question or statement")
        guidance = self.optional_text(raw.get("guidance"), f"{where}, guidance")

        level = raw.get("level")
        if level is None:
            self.add(where, f"missing level (one of: {', '.join(LEVELS)})")
        elif level not in LEVELS:
            self.add(where, f"unknown level {_quote(level)} (expected one of: {', '.join(LEVELS)})")

        answer_type = raw.get("answer_type")
        if answer_type is None:
            self.add(where, f"missing answer_type (one of: {', '.join(ANSWER_TYPES)})")
        elif answer_type not in ANSWER_TYPES:
            self.add(
                where,
                f"unknown answer type {_quote(answer_type)} "
                f"(expected one of: {', '.join(ANSWER_TYPES)})",
            )
            answer_type = None

        ndg_standard = self.ndg_standard(raw.get("ndg_standard"), ref, where)
        options = self.options(raw.get("options"), answer_type, where)
        meets_when = self.meets_when(raw.get("meets_when", _MISSING), answer_type, options, where)
        help_fields = self.help_fields(raw, ref, answer_type, where)

        depends_on = raw.get("depends_on")
        if depends_on is not None and not isinstance(depends_on, dict):
            self.add(
                where,
                f'depends_on must be null or a mapping ({{ref: "1.2.3", answers: [...], when: '
                f"...}}), not {_quote(depends_on)}",
            )
            depends_on = None
        if depends_on is not None:
            self.misspelt_fields(depends_on, DEPENDS_ON_FIELDS, f"{where}, depends_on")

        return _RawItem(
            section_where=section_where,
            where=where,
            ref=ref,
            answer_type=answer_type,
            options=options,
            depends_on=depends_on,
            fields={
                "text": text,
                "guidance": guidance,
                "level": level,
                "ndg": ndg_standard,
                "meets_when": meets_when,
                **help_fields,
            },
        )

    # -- help beside the item --

    def help_fields(
        self, raw: dict[str, Any], ref: str | None, answer_type: str | None, where: str
    ) -> dict[str, Any]:
        answer_format = raw.get("answer_format")
        if answer_format is None:
            answer_format = ""
        elif answer_format not in ANSWER_FORMATS:
            self.add(
                where,
                f"unknown answer_format {_quote(answer_format)} "
                f"(known: {', '.join(ANSWER_FORMATS)})",
            )
            answer_format = ""
        elif answer_type is not None and answer_type not in ANSWER_FORMAT_TYPES[answer_format]:
            self.add(
                where,
                f"answer_format {answer_format} is only for "
                f"{' or '.join(ANSWER_FORMAT_TYPES[answer_format])} items, not {answer_type}",
            )
            answer_format = ""
        return {
            "answer_format": answer_format,
            "example_response": self.optional_text(
                raw.get("example_response"), f"{where}, example_response", EXAMPLE_MAX_LENGTH
            ),
            "example_comment": self.optional_text(
                raw.get("example_comment"), f"{where}, example_comment", EXAMPLE_MAX_LENGTH
            ),
            "policy_templates": self.policy_template_keys(raw.get("policy_templates"), ref, where),
            "guidance_links": self.guidance_links(raw.get("guidance_links"), where),
        }

    def policy_template_keys(self, value: Any, ref: str | None, where: str) -> tuple[str, ...]:
        if value is None or value == []:
            return ()
        where = f"{where}, policy_templates"
        if not isinstance(value, list):
            self.add(
                where,
                f"must be a list of policy template keys, like [data-protection-policy], "
                f"not a {_yaml_kind(value)}",
            )
            return ()
        keys: list[str] = []
        for key in value:
            template = self.policy_templates.get(key) if isinstance(key, str) else None
            if template is None:
                close = (
                    difflib.get_close_matches(key, list(self.policy_templates), n=1)
                    if isinstance(key, str)
                    else []
                )
                self.add(
                    where,
                    f"{_quote(key)} is not a policy template in the list"
                    + (f": did you mean {close[0]!r}?" if close else ""),
                )
            elif key in keys:
                self.add(where, f"{key!r} is listed twice")
            elif ref is not None and ref not in template.items:
                self.add(
                    where,
                    f"the policy template {key!r} does not list {ref} among the items it "
                    f"supports: add {ref} to its items, or remove it here",
                )
            else:
                keys.append(key)
        return tuple(keys)

    def guidance_links(self, value: Any, where: str) -> tuple[GuidanceLink, ...]:
        if value is None or value == []:
            return ()
        where = f"{where}, guidance_links"
        if not isinstance(value, list):
            self.add(where, f"must be a list of {{title:, url:}}, not a {_yaml_kind(value)}")
            return ()
        links: list[GuidanceLink] = []
        for number, raw in enumerate(value, start=1):
            link_where = f"{where} #{number}"
            if not isinstance(raw, dict):
                self.add(link_where, f"must be a mapping (title:, url:), not {_quote(raw)}")
                continue
            for name in raw:
                if name not in GUIDANCE_LINK_FIELDS:
                    self.add(link_where, f"unknown field {name!r} (a link has title and url)")
            title = self.optional_text(
                raw.get("title"), f"{link_where}, title", GUIDANCE_LINK_TITLE_MAX_LENGTH
            )
            if not title and isinstance(raw.get("title"), str | None):
                self.add(link_where, "missing title (the words of the link)")
            url = raw.get("url")
            if not isinstance(url, str) or not url.strip():
                self.add(link_where, "missing url (a web address starting https://)")
                continue
            url = url.strip()
            if len(url) > GUIDANCE_URL_MAX_LENGTH or not GUIDANCE_URL_PATTERN.fullmatch(url):
                self.add(
                    link_where,
                    f"url {url!r} is not a web address starting https:// (with no spaces or "
                    f"quotes, at most {GUIDANCE_URL_MAX_LENGTH} characters)",
                )
                continue
            if title:
                links.append(GuidanceLink(title=title, url=url))
        return tuple(links)

    def ndg_standard(self, value: Any, ref: str | None, where: str) -> int | None:
        if value is None:
            self.add(where, "missing ndg_standard (the National Data Guardian standard, 1 to 10)")
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value not in NDG_STANDARDS:
            self.add(where, f"ndg_standard {_quote(value)} is not a standard from 1 to 10")
            return None
        if ref is not None and int(ref.split(".", 1)[0]) != value:
            self.add(
                where,
                f"ndg_standard {value} does not match the ref: the first number of a ref is its "
                f"National Data Guardian standard",
            )
        return value

    def options(self, value: Any, answer_type: str | None, where: str) -> tuple[ChoiceOption, ...]:
        if answer_type != "choice":
            if value not in (None, []) and answer_type is not None:
                self.add(where, f"options are only for choice items, not {answer_type}")
            return ()
        if not isinstance(value, list) or len(value) < 2:
            self.add(where, "a choice item needs options: at least two, each with value and label")
            return ()
        options: list[ChoiceOption] = []
        seen: set[str] = set()
        for number, raw in enumerate(value, start=1):
            option_where = f"{where}, option #{number}"
            if not isinstance(raw, dict):
                self.add(option_where, f"must be a mapping (value:, label:), not {_quote(raw)}")
                continue
            self.misspelt_fields(raw, OPTION_FIELDS, option_where)
            option_value = raw.get("value")
            label = self.optional_text(raw.get("label"), f"{option_where}, label")
            if not label:
                self.add(option_where, "missing label (the words the person answering sees)")
            if isinstance(option_value, bool):
                self.add(option_where, f"value {option_value} {BARE_BOOLEAN_HINT}")
                continue
            if (
                not isinstance(option_value, str)
                or not OPTION_VALUE_PATTERN.fullmatch(option_value)
                or len(option_value) > OPTION_VALUE_MAX_LENGTH
            ):
                self.add(
                    option_where,
                    f"value {_quote(option_value)} must be a short lower-case token of letters, "
                    f"digits, - and _ (like unsupported-managed)",
                )
                continue
            if option_value in seen:
                self.add(option_where, f"duplicate option value {option_value!r}")
                continue
            seen.add(option_value)
            options.append(ChoiceOption(value=option_value, label=label))
        return tuple(options)

    def meets_when(
        self,
        value: Any,
        answer_type: str | None,
        options: tuple[ChoiceOption, ...],
        where: str,
    ) -> MeetsWhen:
        """What meets the item, by answer type. Required for every item: a yes/no item that did
        not say would let "No" count as met."""
        where_field = f"{where}, meets_when"
        hint = _MEETS_WHEN_HINTS.get(answer_type or "", "")
        if value is _MISSING or value is None:
            self.add(where, f"missing meets_when (what counts as meeting the item{hint})")
            return PROVIDED
        if answer_type is None:
            return PROVIDED  # the answer type is already reported
        if answer_type in ("text", "document"):
            if value != "provided":
                self.add(
                    where_field,
                    f'must be "provided" for a {answer_type} item (giving it is what meets it), '
                    f"not {_quote(value)}",
                )
            return PROVIDED
        if not isinstance(value, dict):
            self.add(where_field, f"must be a mapping{hint}, not {_quote(value)}")
            return PROVIDED
        self.misspelt_fields(value, MEETS_WHEN_FIELDS, where_field)
        expected = _MEETS_WHEN_KEY[answer_type]
        others = [key for key in value if key in MEETS_WHEN_FIELDS and key != expected]
        for key in others:
            self.add(where_field, f"{key} is not for {answer_type} items{hint}")
        if expected not in value:
            if not others:
                self.add(where_field, f"missing {expected}{hint}")
            return PROVIDED
        raw = value[expected]
        if expected == "answers":
            return self.meets_when_answers(raw, answer_type, options, where_field)
        if expected == "at_least":
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                self.add(where_field, f"at_least must be a number of 0 or more, not {_quote(raw)}")
                return PROVIDED
            return MeetsWhen(at_least=Decimal(str(raw)))
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= WITHIN_MONTHS_MAX:
            self.add(
                where_field,
                f"within_months must be a whole number of months from 1 to {WITHIN_MONTHS_MAX}, "
                f"not {_quote(raw)}",
            )
            return PROVIDED
        return MeetsWhen(within_months=raw)

    def meets_when_answers(
        self, raw: Any, answer_type: str, options: tuple[ChoiceOption, ...], where: str
    ) -> MeetsWhen:
        if answer_type == "choice":
            allowed: tuple[str, ...] = tuple(option.value for option in options)
            if not allowed:
                return PROVIDED  # the missing options are already reported
        else:
            allowed = ANSWERS_BY_TYPE[answer_type]
        if not isinstance(raw, list) or not raw:
            self.add(
                where,
                f"answers must be a list of the answers that meet the item, from: "
                f"{', '.join(allowed)}",
            )
            return PROVIDED
        answers = self.answer_list(raw, allowed, where, of="this item")
        if answers and set(answers) == set(allowed) and answer_type != "choice":
            # "Yes" and "No" both meeting it would make the question pointless.
            self.add(where, "every answer would meet the item: list only the compliant ones")
        return MeetsWhen(answers=tuple(answers)) if answers else PROVIDED

    # -- checks across items --

    def check_unique_refs(self, items: list[_RawItem]) -> None:
        first_seen: dict[str, _RawItem] = {}
        for item in items:
            if item.ref is None:
                continue
            earlier = first_seen.setdefault(item.ref, item)
            if earlier is not item:
                self.add(
                    item.where,
                    f"duplicate ref: {item.ref} is already used in {earlier.section_where}",
                )

    def dependency(
        self, item: _RawItem, by_ref: dict[str, _RawItem]
    ) -> tuple[str | None, tuple[str, ...], str]:
        """(ref, answers, condition text) of an item's depends_on, once it has been checked."""
        if item.depends_on is None:
            return None, (), ""
        where = f"{item.where}, depends_on"
        target_ref = item.depends_on.get("ref")
        condition = self.optional_text(item.depends_on.get("when"), f"{where}.when")
        if not condition:
            self.add(
                where, "missing when: describe the condition in words for the person answering"
            )

        if not isinstance(target_ref, str) or not target_ref.strip():
            self.add(where, 'missing ref (the item this one depends on, like "8.1.4")')
            return None, (), condition
        target_ref = target_ref.strip()
        if target_ref == item.ref:
            self.add(where, f"{item.ref} cannot depend on itself")
            return None, (), condition
        target = by_ref.get(target_ref)
        if target is None:
            self.add(where, f"depends on {target_ref}, which is not in this bank")
            return None, (), condition

        answers = self.dependency_answers(item.depends_on.get("answers"), target, where)
        return target_ref, answers, condition

    def dependency_answers(self, value: Any, target: _RawItem, where: str) -> tuple[str, ...]:
        if value is None or value == []:
            return ()
        if not isinstance(value, list):
            value = [value]
        if target.answer_type is None or (target.answer_type == "choice" and not target.options):
            return ()  # the target's own answer type or options are already reported as problems
        if target.answer_type == "choice":
            allowed: tuple[str, ...] = tuple(option.value for option in target.options)
        else:
            allowed = ANSWERS_BY_TYPE.get(target.answer_type, ())
        if not allowed:
            self.add(
                where,
                f"answers cannot be listed for {target.ref}, a {target.answer_type} item: leave "
                f"answers out so that any answer to {target.ref} makes this item apply",
            )
            return ()
        return tuple(self.answer_list(value, allowed, where, of=target.ref))

    def answer_list(
        self, values: list[Any], allowed: tuple[str, ...], where: str, *, of: str
    ) -> list[str]:
        """The listed answers that are answers to the item `of` names, each once; every other
        entry is reported (a bare yes/no, an unknown answer, a repeat)."""
        answers: list[str] = []
        for answer in values:
            if isinstance(answer, bool):
                self.add(where, f"answer {answer} {BARE_BOOLEAN_HINT}")
            elif answer not in allowed:
                self.add(
                    where,
                    f"{_quote(answer)} is not an answer to {of} "
                    f"(possible answers: {', '.join(allowed)})",
                )
            elif answer in answers:
                self.add(where, f"answer {answer!r} is listed twice")
            else:
                answers.append(answer)
        return answers

    def check_cycles(
        self,
        items: list[_RawItem],
        dependencies: dict[str | None, tuple[str | None, tuple[str, ...], str]],
    ) -> None:
        # Each item depends on at most one other, so following the chain from every item finds
        # every cycle; each is reported once, from its first item in file order.
        where_by_ref = {item.ref: item.where for item in items if item.ref}
        reported: set[str] = set()
        for item in items:
            if item.ref is None or item.ref in reported:
                continue
            chain = [item.ref]
            current = dependencies.get(item.ref, (None, (), ""))[0]
            while current is not None and current not in chain:
                chain.append(current)
                current = dependencies.get(current, (None, (), ""))[0]
            if current is None:
                continue
            cycle = chain[chain.index(current) :]
            if any(ref in reported for ref in cycle):
                continue
            reported.update(cycle)
            start = min(cycle, key=lambda ref: list(where_by_ref).index(ref))
            ordered = cycle[cycle.index(start) :] + cycle[: cycle.index(start)]
            self.add(
                where_by_ref[start],
                f"dependency cycle {' → '.join([*ordered, start])}: none of these could ever apply",
            )

    def item_definition(
        self, item: _RawItem, dependency: tuple[str | None, tuple[str, ...], str]
    ) -> ItemDefinition:
        ref_of_target, answers, condition = dependency
        assert item.ref is not None
        assert item.answer_type is not None
        return ItemDefinition(
            ref=item.ref,
            text=item.fields["text"],
            guidance=item.fields["guidance"],
            answer_type=item.answer_type,
            level=item.fields["level"],
            options=item.options,
            depends_on_ref=ref_of_target,
            depends_on_answers=answers,
            condition_text=condition,
            ndg_standard=item.fields["ndg"],
            meets_when=item.fields["meets_when"],
            answer_format=item.fields["answer_format"],
            example_response=item.fields["example_response"],
            example_comment=item.fields["example_comment"],
            policy_templates=item.fields["policy_templates"],
            guidance_links=item.fields["guidance_links"],
        )

    # -- spelling --

    def misspelt_fields(self, mapping: dict[Any, Any], known: tuple[str, ...], where: str) -> None:
        for name in mapping:
            if not isinstance(name, str) or name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
            if close:
                self.add(where, f"unknown field {name!r}: did you mean {close[0]!r}?")
