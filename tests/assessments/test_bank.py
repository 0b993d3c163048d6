"""Parsing and validating question bank files (pure: no database)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.bank import (
    MAX_BANK_BYTES,
    SECTION_KEYS,
    BankDefinition,
    BankError,
    GuidanceLink,
    counts_by_section_and_level,
    parse_bank,
    parse_year,
    total_counts,
)
from assessments.policy_templates import parse_policy_templates
from assessments.rules import MeetsWhen, check_answer_format

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BANK_2025_26 = FIXTURES / "question-bank-2025-26.yaml"
BANK_2024_25 = FIXTURES / "question-bank-2024-25.yaml"


def default_meets_when(fields: dict[str, Any]) -> Any:
    answer_type = fields["answer_type"]
    if answer_type == "choice":
        return {"answers": [fields["options"][0]["value"]]}
    return {
        "yes_no": {"answers": ["yes"]},
        "yes_no_text": {"answers": ["yes"]},
        "number": {"at_least": 95},
        "date": {"within_months": 12},
    }.get(answer_type, "provided")


def item(ref: str, **fields: Any) -> dict[str, Any]:
    result = {
        "ref": ref,
        "level": "approaching",
        "answer_type": "yes_no",
        "text": f"Question {ref}?",
        "guidance": "",
        "depends_on": None,
        "ndg_standard": int(ref.split(".")[0]),
        **fields,
    }
    if "meets_when" not in fields:
        result["meets_when"] = default_meets_when(result)
    return result


def valid_bank() -> dict[str, Any]:
    """The smallest bank that passes: the four sections, one of each kind of dependency."""
    return {
        "version": "2025-26",
        "sector": "social-care",
        "toolkit_version": 8,
        "publication_deadline": "2026-06-30",
        "previous_year": {"version": "2024-25"},
        "sections": [
            {
                "key": "staffing-and-roles",
                "title": "Staffing and roles",
                "items": [
                    item("1.1.1"),
                    item(
                        "1.1.2",
                        answer_type="choice",
                        options=[
                            {"value": "all", "label": "All of them"},
                            {"value": "some-managed", "label": "Some, risks managed"},
                        ],
                    ),
                ],
            },
            {
                "key": "policies-and-procedures",
                "title": "Policies and procedures",
                "items": [item("2.1.1", answer_type="text", level="met")],
            },
            {
                "key": "data-security",
                "title": "Data security",
                "items": [item("3.1.1", answer_type="document", level="optional")],
            },
            {
                "key": "it-systems-and-devices",
                "title": "IT systems and devices",
                "items": [
                    item("4.1.1", depends_on={"ref": "1.1.1", "answers": ["yes"], "when": "If 1"}),
                    item(
                        "4.1.2",
                        depends_on={"ref": "1.1.2", "answers": ["some-managed"], "when": "If 2"},
                    ),
                    item("4.1.3", depends_on={"ref": "3.1.1", "when": "Once 3.1.1 is answered"}),
                ],
            },
        ],
    }


def dump(bank: Any) -> str:
    return yaml.safe_dump(bank, sort_keys=False, allow_unicode=True)


def find(bank: dict[str, Any], ref: str) -> dict[str, Any]:
    for section in bank["sections"]:
        for candidate in section["items"]:
            if candidate["ref"] == ref:
                return candidate
    raise KeyError(ref)


def section(bank: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in bank["sections"] if s["key"] == key)


def problems_of(text: str) -> list[str]:
    with pytest.raises(BankError) as caught:
        parse_bank(text, source_name="bank.yaml")
    error = caught.value
    # The message is a heading then one problem per line, and nothing else.
    assert error.message.splitlines()[1:] == list(error.problems)
    assert str(error) == error.message
    return list(error.problems)


# --- Valid banks ---------------------------------------------------------------------------------


def test_valid_bank_parses_into_frozen_definitions():
    definition = parse_bank(dump(valid_bank()), source_name="bank.yaml")

    assert definition.year == "2025-26"
    assert definition.sector == "social-care"
    assert definition.toolkit_version == 8
    assert definition.publication_deadline == dt.date(2026, 6, 30)
    assert definition.previous_year == "2024-25"
    assert definition.source_name == "bank.yaml"
    assert [s.key for s in definition.sections] == list(SECTION_KEYS)
    assert [i.ref for i in definition.items] == [
        "1.1.1",
        "1.1.2",
        "2.1.1",
        "3.1.1",
        "4.1.1",
        "4.1.2",
        "4.1.3",
    ]
    choice = definition.items[1]
    assert [(o.value, o.label) for o in choice.options] == [
        ("all", "All of them"),
        ("some-managed", "Some, risks managed"),
    ]
    by_ref = {i.ref: i for i in definition.items}
    assert (by_ref["4.1.1"].depends_on_ref, by_ref["4.1.1"].depends_on_answers) == (
        "1.1.1",
        ("yes",),
    )
    assert by_ref["4.1.2"].depends_on_answers == ("some-managed",)
    assert (by_ref["4.1.3"].depends_on_ref, by_ref["4.1.3"].depends_on_answers) == ("3.1.1", ())
    assert by_ref["4.1.3"].condition_text == "Once 3.1.1 is answered"
    assert by_ref["1.1.1"].depends_on_ref is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        definition.year = "2026-27"  # type: ignore[misc]


def test_unquoted_date_extra_fields_and_missing_optional_fields_are_accepted():
    bank = valid_bank()
    bank["research_notes"] = "ignored"
    del bank["sector"], bank["toolkit_version"], bank["previous_year"]
    find(bank, "1.1.1").update(source="https://example.org", confidence="high", related=["2.1.1"])
    del find(bank, "2.1.1")["guidance"], find(bank, "2.1.1")["depends_on"]
    text = dump(bank).replace("'2026-06-30'", "2026-06-30")
    assert "publication_deadline: 2026-06-30" in text

    definition = parse_bank(text, source_name="bank.yaml")

    assert definition.publication_deadline == dt.date(2026, 6, 30)
    assert definition.sector == definition.previous_year == ""
    assert definition.toolkit_version is None
    assert definition.items[2].guidance == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-26", (2025, 2026)),
        ("1999-00", (1999, 2000)),
        ("2025-27", None),
        ("2025-2026", None),
        ("25-26", None),
        ("2025/26", None),
    ],
)
def test_parse_year(value, expected):
    assert parse_year(value) == expected


# --- Invalid banks: each problem is found and said in words -------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], **fields: Any) -> Mutation:
    return lambda bank: path(bank).update(fields)


def _swap_sections(bank: dict[str, Any]) -> None:
    bank["sections"][0], bank["sections"][1] = bank["sections"][1], bank["sections"][0]


INVALID_BANKS: list[tuple[str, Mutation, str]] = [
    # -- the year and its dates --
    ("missing version", lambda b: b.pop("version"), "version: missing"),
    (
        "version not consecutive years",
        _set(lambda b: b, version="2025-27"),
        "version: '2025-27' is not a DSPT year",
    ),
    ("version as a number", _set(lambda b: b, version=2025), "version: 2025 is not a DSPT year"),
    ("version with slash", _set(lambda b: b, version="2025/26"), "is not a DSPT year"),
    ("missing deadline", lambda b: b.pop("publication_deadline"), "publication_deadline: missing"),
    (
        "deadline not ISO",
        _set(lambda b: b, publication_deadline="30/06/2026"),
        "publication_deadline: '30/06/2026' is not an ISO date",
    ),
    (
        "deadline impossible date",
        _set(lambda b: b, publication_deadline="2026-02-30"),
        "publication_deadline: '2026-02-30' is not an ISO date",
    ),
    (
        "deadline left from last year",
        _set(lambda b: b, publication_deadline="2025-06-30"),
        "publication_deadline: 2025-06-30 is before 2026, the year in which DSPT 2025-26 ends",
    ),
    (
        "previous year not earlier",
        _set(lambda b: b, previous_year={"version": "2025-26"}),
        "previous_year.version: 2025-26 is not earlier than this bank's 2025-26",
    ),
    (
        "previous year malformed",
        _set(lambda b: b, previous_year={"version": "last year"}),
        "previous_year.version: 'last year' is not a DSPT year",
    ),
    ("toolkit version text", _set(lambda b: b, toolkit_version="v8"), "toolkit_version: must be"),
    # -- sections --
    ("no sections", _set(lambda b: b, sections=[]), "sections: missing"),
    ("sections not a list", _set(lambda b: b, sections="all"), "sections: must be a list"),
    (
        "unknown section key",
        _set(lambda b: b["sections"][2], key="cyber"),
        "section #3: unknown section key 'cyber' (known: staffing-and-roles, "
        "policies-and-procedures, data-security, it-systems-and-devices)",
    ),
    (
        "missing section",
        lambda b: b["sections"].pop(2),
        "sections: missing section 'data-security'",
    ),
    (
        "duplicate section",
        lambda b: b["sections"].append(copy.deepcopy(b["sections"][0])),
        "section 'staffing-and-roles': duplicate section (section #5)",
    ),
    (
        "sections out of order",
        _swap_sections,
        "sections: must be in the toolkit's order (staffing-and-roles, policies-and-procedures, "
        "data-security, it-systems-and-devices); found policies-and-procedures, staffing-and-roles",
    ),
    ("section without title", _set(lambda b: b["sections"][1], title=""), "missing title"),
    (
        "section without items",
        _set(lambda b: b["sections"][1], items=[]),
        "section 'policies-and-procedures': has no items",
    ),
    # -- items on their own --
    (
        "duplicate ref across sections",
        lambda b: section(b, "data-security")["items"].append(item("1.1.1")),
        "section 'data-security', item 1.1.1: duplicate ref: 1.1.1 is already used in "
        "section 'staffing-and-roles'",
    ),
    (
        "malformed ref",
        _set(lambda b: find(b, "2.1.1"), ref="2.1"),
        "section 'policies-and-procedures', item 2.1: malformed ref '2.1': expected three numbers",
    ),
    (
        "ref with letters",
        _set(lambda b: find(b, "2.1.1"), ref="2.1.a"),
        "item 2.1.a: malformed ref '2.1.a'",
    ),
    (
        "ref as a YAML number",
        _set(lambda b: find(b, "2.1.1"), ref=2.1),
        "section 'policies-and-procedures', item #1: ref 2.1 must be text in quotes",
    ),
    (
        "missing ref",
        lambda b: find(b, "2.1.1").pop("ref"),
        "section 'policies-and-procedures', item #1: missing ref",
    ),
    (
        "ref does not match the standard",
        _set(lambda b: find(b, "2.1.1"), ndg_standard=3),
        "item 2.1.1: ndg_standard 3 does not match the ref",
    ),
    (
        "standard out of range",
        _set(lambda b: find(b, "2.1.1"), ref="11.1.1", ndg_standard=11),
        "item 11.1.1: ndg_standard 11 is not a standard from 1 to 10",
    ),
    ("missing standard", lambda b: find(b, "2.1.1").pop("ndg_standard"), "missing ndg_standard"),
    (
        "unknown answer type",
        _set(lambda b: find(b, "3.1.1"), answer_type="essay"),
        "section 'data-security', item 3.1.1: unknown answer type 'essay' (expected one of: "
        "text, yes_no, yes_no_text, date, number, document, choice)",
    ),
    (
        "unknown level",
        _set(lambda b: find(b, "3.1.1"), level="mandatory"),
        "section 'data-security', item 3.1.1: unknown level 'mandatory' "
        "(expected one of: approaching, met, optional)",
    ),
    ("missing level", lambda b: find(b, "3.1.1").pop("level"), "item 3.1.1: missing level"),
    (
        "empty text",
        _set(lambda b: find(b, "3.1.1"), text="   "),
        "section 'data-security', item 3.1.1: empty text",
    ),
    ("missing text", lambda b: find(b, "3.1.1").pop("text"), "item 3.1.1: empty text"),
    (
        "choice without options",
        lambda b: find(b, "1.1.2").pop("options"),
        "item 1.1.2: a choice item needs options: at least two",
    ),
    (
        "choice with one option",
        _set(lambda b: find(b, "1.1.2"), options=[{"value": "all", "label": "All"}]),
        "item 1.1.2: a choice item needs options: at least two",
    ),
    (
        "duplicate option values",
        _set(
            lambda b: find(b, "1.1.2"),
            options=[{"value": "all", "label": "All"}, {"value": "all", "label": "Every one"}],
        ),
        "item 1.1.2, option #2: duplicate option value 'all'",
    ),
    (
        "option value not a token",
        _set(
            lambda b: find(b, "1.1.2"),
            options=[{"value": "All of them", "label": "A"}, {"value": "some", "label": "B"}],
        ),
        "item 1.1.2, option #1: value 'All of them' must be a short lower-case token",
    ),
    (
        "option without label",
        _set(
            lambda b: find(b, "1.1.2"),
            options=[{"value": "all"}, {"value": "some-managed", "label": "B"}],
        ),
        "item 1.1.2, option #1: missing label",
    ),
    (
        "options on a yes/no item",
        _set(lambda b: find(b, "1.1.1"), options=[{"value": "a", "label": "A"}]),
        "item 1.1.1: options are only for choice items, not yes_no",
    ),
    (
        "misspelt field",
        lambda b: find(b, "4.1.1").update(depend_on=find(b, "4.1.1").pop("depends_on")),
        "item 4.1.1: unknown field 'depend_on': did you mean 'depends_on'?",
    ),
    # -- dependencies --
    (
        "dependency on a missing ref",
        _set(lambda b: find(b, "4.1.1"), depends_on={"ref": "9.9.9", "when": "never"}),
        "section 'it-systems-and-devices', item 4.1.1, depends_on: depends on 9.9.9, "
        "which is not in this bank",
    ),
    (
        "dependency on itself",
        _set(lambda b: find(b, "4.1.1"), depends_on={"ref": "4.1.1", "when": "always"}),
        "item 4.1.1, depends_on: 4.1.1 cannot depend on itself",
    ),
    (
        "dependency as plain text",
        _set(lambda b: find(b, "4.1.1"), depends_on="1.1.1"),
        "item 4.1.1: depends_on must be null or a mapping",
    ),
    (
        "dependency without condition text",
        _set(lambda b: find(b, "4.1.1"), depends_on={"ref": "1.1.1", "answers": ["yes"]}),
        "item 4.1.1, depends_on: missing when",
    ),
    (
        "dependency answer not yes or no",
        _set(
            lambda b: find(b, "4.1.1"),
            depends_on={"ref": "1.1.1", "answers": ["maybe"], "when": "x"},
        ),
        "item 4.1.1, depends_on: 'maybe' is not an answer to 1.1.1 (possible answers: yes, no)",
    ),
    (
        "dependency answer not an option",
        _set(
            lambda b: find(b, "4.1.2"),
            depends_on={"ref": "1.1.2", "answers": ["none"], "when": "x"},
        ),
        "item 4.1.2, depends_on: 'none' is not an answer to 1.1.2 "
        "(possible answers: all, some-managed)",
    ),
    (
        "dependency answers on a document item",
        _set(
            lambda b: find(b, "4.1.3"),
            depends_on={"ref": "3.1.1", "answers": ["yes"], "when": "x"},
        ),
        "item 4.1.3, depends_on: answers cannot be listed for 3.1.1, a document item",
    ),
    (
        "dependency cycle",
        _set(lambda b: find(b, "1.1.1"), depends_on={"ref": "4.1.1", "when": "x"}),
        "section 'staffing-and-roles', item 1.1.1: dependency cycle 1.1.1 → 4.1.1 → 1.1.1",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [pytest.param(mutate, reason, id=name) for name, mutate, reason in INVALID_BANKS],
)
def test_invalid_bank_is_refused_with_its_reason(mutate: Mutation, reason: str):
    bank = valid_bank()
    mutate(bank)

    problems = problems_of(dump(bank))

    assert any(reason in problem for problem in problems), problems


def test_unquoted_yes_in_dependency_answers_is_explained():
    bank = valid_bank()
    find(bank, "4.1.1")["depends_on"]["answers"] = ["BARE-YES"]
    text = dump(bank).replace("- BARE-YES", "- yes")
    assert "- yes\n" in text

    problems = problems_of(text)

    assert problems == [
        "section 'it-systems-and-devices', item 4.1.1, depends_on: answer True must be text in "
        'quotes, like "yes" or "no" (YAML reads bare yes/no as true/false)'
    ]


def test_unquoted_yes_in_meets_when_is_explained():
    bank = valid_bank()
    find(bank, "1.1.1")["meets_when"] = {"answers": ["BARE-YES"]}
    text = dump(bank).replace("- BARE-YES", "- yes")

    assert problems_of(text) == [
        "section 'staffing-and-roles', item 1.1.1, meets_when: answer True must be text in "
        'quotes, like "yes" or "no" (YAML reads bare yes/no as true/false)'
    ]


def test_longer_cycle_is_reported_once():
    bank = valid_bank()
    find(bank, "1.1.1")["depends_on"] = {"ref": "2.1.1", "when": "x"}
    find(bank, "2.1.1")["depends_on"] = {"ref": "4.1.1", "when": "x"}

    problems = problems_of(dump(bank))

    assert problems == [
        "section 'staffing-and-roles', item 1.1.1: dependency cycle "
        "1.1.1 → 2.1.1 → 4.1.1 → 1.1.1: none of these could ever apply"
    ]


def test_every_problem_is_listed_each_on_its_own_line():
    bank = valid_bank()
    bank["version"] = "2025"
    find(bank, "2.1.1")["answer_type"] = "essay"
    find(bank, "3.1.1")["level"] = "sometimes"
    section(bank, "data-security")["items"].append(item("1.1.1"))

    with pytest.raises(BankError) as caught:
        parse_bank(dump(bank), source_name="fixtures/bank.yaml")

    assert caught.value.message.splitlines() == [
        "4 problems in the question bank fixtures/bank.yaml:",
        "version: '2025' is not a DSPT year: write two consecutive years as YYYY-YY, "
        'for example "2025-26"',
        "section 'policies-and-procedures', item 2.1.1: unknown answer type 'essay' "
        "(expected one of: text, yes_no, yes_no_text, date, number, document, choice)",
        "section 'data-security', item 3.1.1: unknown level 'sometimes' "
        "(expected one of: approaching, met, optional)",
        "section 'data-security', item 1.1.1: duplicate ref: 1.1.1 is already used in "
        "section 'staffing-and-roles'",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(
            "version: '2025-26'\nsections: [\n  - key: x\n",
            "not valid YAML at line 3, column 3:",
            id="unclosed list",
        ),
        pytest.param(
            "version: '2025-26'\nsections:\n  - key: a\n   title: b\n",
            "not valid YAML at line 4, column 4:",
            id="bad indentation",
        ),
        pytest.param(
            "version: !!python/object/apply:os.system ['true']\n",
            "not valid YAML at line 1, column 10: could not determine a constructor for the tag",
            id="python tag refused by safe_load",
        ),
        pytest.param("", "the file must be a YAML mapping", id="empty"),
        pytest.param("- 1\n- 2\n", "must be a YAML mapping (version:, sections:, ...), not a list"),
        pytest.param("just some words\n", "must be a YAML mapping", id="plain text"),
    ],
)
def test_unreadable_files_are_refused(text: str, reason: str):
    problems = problems_of(text)

    assert len(problems) == 1
    assert reason in problems[0]


def test_oversized_text_is_refused_before_parsing():
    text = "# " + "x" * MAX_BANK_BYTES + "\n"

    problems = problems_of(text)

    assert problems == [
        f"the file is {len(text):,} bytes; a question bank may be at most "
        f"{MAX_BANK_BYTES:,} bytes (2 MB), so it was not read"
    ]


# --- The project's bank files -------------------------------------------------------------------


def _expected_counts_from_header(path: Path) -> dict[str, tuple[int, int, int]]:
    """(approaching, met only, optional) per section from the file's own `found_counts`.

    The header's `met` counts everything needed for Standards Met, Approaching items included
    (as the toolkit counts "45 Standards Met items"), so met-only is `met - approaching`.
    """
    found = yaml.safe_load(path.read_text())["found_counts"]
    return {
        key: (
            found["approaching"][key],
            found["met"][key] - found["approaching"][key],
            found["optional"][key],
        )
        for key in [*SECTION_KEYS, "total"]
    }


@pytest.mark.parametrize("path", [BANK_2025_26, BANK_2024_25], ids=lambda p: p.name)
def test_project_bank_counts_match_its_header(path: Path):
    definition = parse_bank(path.read_text(), source_name=str(path))
    counts = counts_by_section_and_level(definition)
    expected = _expected_counts_from_header(path)

    actual = {key: (c.approaching, c.met, c.optional) for key, c in counts.items()}
    total = total_counts(counts)
    actual["total"] = (total.approaching, total.met, total.optional)
    assert actual == expected


def test_2025_26_bank_numbers():
    definition = _load(BANK_2025_26)
    counts = counts_by_section_and_level(definition)
    total = total_counts(counts)

    assert [c.standards_met for c in counts.values()] == [7, 12, 8, 15]
    assert (total.approaching, total.standards_met, total.optional, total.total) == (25, 42, 9, 51)
    assert definition.year == "2025-26"
    assert definition.publication_deadline == dt.date(2026, 6, 30)
    assert definition.previous_year == "2024-25"


def test_2025_26_conditions_are_machine_checkable():
    by_ref = {i.ref: i for i in _load(BANK_2025_26).items}

    unsupported = by_ref["8.1.4"]
    assert unsupported.answer_type == "choice"
    assert [o.value for o in unsupported.options] == ["supported", "unsupported-managed"]
    assert (by_ref["8.2.1"].depends_on_ref, by_ref["8.2.1"].depends_on_answers) == (
        "8.1.4",
        ("unsupported-managed",),
    )
    assert by_ref["8.2.1"].condition_text
    # 7.1.1 is a document: any answer to it (an asset register exists) makes 7.1.5 apply.
    assert (by_ref["7.1.5"].depends_on_ref, by_ref["7.1.5"].depends_on_answers) == ("7.1.1", ())
    assert by_ref["7.1.1"].answer_type == "document"
    assert {ref for ref, i in by_ref.items() if i.depends_on_ref} == {"8.2.1", "7.1.5"}


def test_guidance_keeps_web_addresses_and_paragraphs():
    bank = valid_bank()
    guidance = (
        "Register with the ICO at https://ico.org.uk/registration/ (fee applies).\n\n"
        "Templates: https://www.digitalcarehub.co.uk/dspt/?tab=templates#policies"
    )
    find(bank, "2.1.1")["guidance"] = guidance

    definition = parse_bank(dump(bank), source_name="bank.yaml")

    assert definition.items[2].guidance == guidance


def test_2024_25_bank_is_2025_26_without_the_new_items():
    current = {i.ref: i for i in _load(BANK_2025_26).items}
    previous = _load(BANK_2024_25)
    previous_refs = [i.ref for i in previous.items]

    new_in_2025_26 = {"4.3.1", "7.1.1", "7.1.5", "7.1.6", "8.3.8"}
    assert [ref for ref in current if ref not in new_in_2025_26] == previous_refs
    assert previous.year == "2024-25"
    assert previous.publication_deadline == dt.date(2025, 6, 30)
    assert previous.previous_year in ("", "2023-24")
    # The same questions, rules and answer formats; the examples, policy templates and guidance
    # links beside the items are in the 2025-26 file only.
    without_help = {
        "example_response": "",
        "example_comment": "",
        "policy_templates": (),
        "guidance_links": (),
    }
    for previous_item in previous.items:
        assert previous_item == dataclasses.replace(current[previous_item.ref], **without_help)


def _load(path: Path) -> BankDefinition:
    return parse_bank(path.read_text(), source_name=str(path))


# --- What meets each item -------------------------------------------------------------------------


def _with_item(**fields: Any) -> dict[str, Any]:
    """The valid bank with one more item in the last section (ref 4.2.1)."""
    bank = valid_bank()
    section(bank, "it-systems-and-devices")["items"].append(item("4.2.1", **fields))
    return bank


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"answer_type": "yes_no"}, MeetsWhen(answers=("yes",))),
        ({"answer_type": "yes_no_text", "meets_when": {"answers": ["no"]}}, MeetsWhen(("no",))),
        ({"answer_type": "number", "meets_when": {"at_least": 95}}, MeetsWhen(at_least=95)),
        ({"answer_type": "number", "meets_when": {"at_least": 2.5}}, MeetsWhen(at_least=2.5)),
        ({"answer_type": "date", "meets_when": {"within_months": 12}}, MeetsWhen(within_months=12)),
        ({"answer_type": "text", "meets_when": "provided"}, MeetsWhen()),
        ({"answer_type": "document", "meets_when": "provided"}, MeetsWhen()),
        (
            {
                "answer_type": "choice",
                "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                "meets_when": {"answers": ["b"]},
            },
            MeetsWhen(answers=("b",)),
        ),
    ],
)
def test_meets_when_is_read_for_every_answer_type(fields, expected):
    definition = parse_bank(dump(_with_item(**fields)), source_name="bank.yaml")
    assert {i.ref: i for i in definition.items}["4.2.1"].meets_when == expected


def test_project_banks_say_what_meets_every_item():
    for path in (BANK_2025_26, BANK_2024_25):
        text = path.read_text()
        assert text.count("meets_when:") - text.count("#   meets_when:") == len(_load(path).items)
    by_ref = {i.ref: i for i in _load(BANK_2025_26).items}
    assert by_ref["3.2.1"].answer_type == "number"
    assert by_ref["3.2.1"].meets_when == MeetsWhen(at_least=95)
    assert by_ref["6.2.1"].meets_when == MeetsWhen(answers=("yes",))
    assert by_ref["8.1.4"].meets_when == MeetsWhen(answers=("supported", "unsupported-managed"))
    assert by_ref["1.1.1"].meets_when == MeetsWhen()
    yes_no = [i for i in by_ref.values() if i.answer_type in ("yes_no", "yes_no_text")]
    assert yes_no
    assert all(i.meets_when == MeetsWhen(answers=("yes",)) for i in yes_no)


WHERE = "section 'it-systems-and-devices', item 4.2.1"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"answer_type": "yes_no", "meets_when": None},
            f"{WHERE}: missing meets_when (what counts as meeting the item, for example "
            'meets_when: {answers: ["yes"]})',
        ),
        (
            {"answer_type": "yes_no", "meets_when": {"answers": ["maybe"]}},
            f"{WHERE}, meets_when: 'maybe' is not an answer to this item "
            "(possible answers: yes, no)",
        ),
        (
            {"answer_type": "yes_no", "meets_when": {"answers": ["yes", "no"]}},
            f"{WHERE}, meets_when: every answer would meet the item: list only the compliant ones",
        ),
        (
            {"answer_type": "yes_no", "meets_when": {"answers": []}},
            f"{WHERE}, meets_when: answers must be a list of the answers that meet the item, "
            "from: yes, no",
        ),
        (
            {"answer_type": "yes_no", "meets_when": "provided"},
            f"{WHERE}, meets_when: must be a mapping, for example meets_when: "
            "{answers: [\"yes\"]}, not 'provided'",
        ),
        (
            {"answer_type": "yes_no", "meets_when": {"at_least": 1}},
            f"{WHERE}, meets_when: at_least is not for yes_no items, for example meets_when: "
            '{answers: ["yes"]}',
        ),
        (
            {"answer_type": "number", "meets_when": {"at_least": "ninety"}},
            f"{WHERE}, meets_when: at_least must be a number of 0 or more, not 'ninety'",
        ),
        (
            {"answer_type": "number", "meets_when": {"at_least": -1}},
            f"{WHERE}, meets_when: at_least must be a number of 0 or more, not -1",
        ),
        (
            {"answer_type": "number", "meets_when": {"atleast": 95}},
            f"{WHERE}, meets_when: unknown field 'atleast': did you mean 'at_least'?",
        ),
        (
            {"answer_type": "date", "meets_when": {"within_months": 0}},
            f"{WHERE}, meets_when: within_months must be a whole number of months from 1 to "
            "120, not 0",
        ),
        (
            {"answer_type": "date", "meets_when": {"within_months": True}},
            f"{WHERE}, meets_when: within_months must be a whole number of months from 1 to "
            "120, not True",
        ),
        (
            {"answer_type": "text", "meets_when": {"answers": ["yes"]}},
            f'{WHERE}, meets_when: must be "provided" for a text item (giving it is what meets '
            "it), not {'answers': ['yes']}",
        ),
        (
            {
                "answer_type": "choice",
                "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}],
                "meets_when": {"answers": ["c"]},
            },
            f"{WHERE}, meets_when: 'c' is not an answer to this item (possible answers: a, b)",
        ),
    ],
)
def test_meets_when_problems_are_said_in_words(fields, problem):
    problems = problems_of(dump(_with_item(**fields)))
    # "missing meets_when" may come with the mapping's own problems; the one asked for is there.
    assert problem in problems


def test_an_item_without_meets_when_is_refused_not_defaulted():
    bank = _with_item(answer_type="yes_no")
    del find(bank, "4.2.1")["meets_when"]
    assert problems_of(dump(bank)) == [
        f"{WHERE}: missing meets_when (what counts as meeting the item, for example "
        'meets_when: {answers: ["yes"]})'
    ]


# --- Help beside each item ------------------------------------------------------------------------

TEMPLATES = parse_policy_templates(
    dump(
        {
            "templates": [
                {
                    "key": "data-protection-policy",
                    "title": "Data protection policy",
                    "group": "approaching-required",
                    "purpose": "What we do with personal information.",
                    "items": ["4.2.1", "1.1.1"],
                },
                {
                    "key": "supplier-list",
                    "title": "Supplier list",
                    "group": "recommended",
                    "purpose": "Who handles personal information for us.",
                    "items": ["1.1.1"],
                },
            ]
        }
    ),
    source_name="templates.yaml",
)


def _help_problems(**fields: Any) -> list[str]:
    with pytest.raises(BankError) as caught:
        parse_bank(dump(_with_item(**fields)), source_name="bank.yaml", policy_templates=TEMPLATES)
    return list(caught.value.problems)


def test_help_fields_are_read():
    definition = parse_bank(
        dump(
            _with_item(
                answer_type="text",
                answer_format="ico_registration_number",
                example_response="  ZB512347 ",
                example_comment="Renewed every May.",
                policy_templates=["data-protection-policy"],
                guidance_links=[{"title": "ICO fee", "url": "https://ico.org.uk/fee/?a=1#x"}],
            )
        ),
        source_name="bank.yaml",
        policy_templates=TEMPLATES,
    )
    added = {i.ref: i for i in definition.items}["4.2.1"]
    assert added.answer_format == "ico_registration_number"
    assert added.example_response == "ZB512347"
    assert added.example_comment == "Renewed every May."
    assert added.policy_templates == ("data-protection-policy",)
    assert added.guidance_links == (GuidanceLink("ICO fee", "https://ico.org.uk/fee/?a=1#x"),)
    # Every help field is optional.
    assert {i.ref: i for i in definition.items}["1.1.1"].guidance_links == ()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"guidance_links": [{"title": "ICO", "url": "http://ico.org.uk/"}]},
            "url 'http://ico.org.uk/' is not a web address starting https://",
        ),
        (
            {"guidance_links": [{"title": "ICO", "url": "javascript:alert(1)"}]},
            "url 'javascript:alert(1)' is not a web address starting https://",
        ),
        (
            {"guidance_links": [{"title": "ICO", "url": "https://ico.org.uk/a b"}]},
            "is not a web address starting https://",
        ),
        (
            {"guidance_links": [{"title": "ICO", "url": 'https://ico.org.uk/"onclick'}]},
            "is not a web address starting https://",
        ),
        ({"guidance_links": [{"title": "ICO"}]}, "missing url"),
        ({"guidance_links": [{"url": "https://ico.org.uk/"}]}, "missing title"),
        ({"guidance_links": [{"title": "ICO", "link": "x"}]}, "unknown field 'link'"),
        ({"guidance_links": "https://ico.org.uk/"}, "must be a list of {title:, url:}"),
        ({"guidance_links": ["https://ico.org.uk/"]}, "must be a mapping (title:, url:)"),
        (
            {"policy_templates": ["data-protection-polcy"]},
            "'data-protection-polcy' is not a policy template in the list: did you mean "
            "'data-protection-policy'?",
        ),
        ({"policy_templates": ["no-such-policy"]}, "'no-such-policy' is not a policy template"),
        (
            {"policy_templates": ["supplier-list"]},
            "the policy template 'supplier-list' does not list 4.2.1 among the items it supports",
        ),
        ({"policy_templates": "data-protection-policy"}, "must be a list of policy template keys"),
        (
            {"policy_templates": ["data-protection-policy", "data-protection-policy"]},
            "'data-protection-policy' is listed twice",
        ),
        ({"example_response": 12345}, "example_response: must be text, not a number"),
        ({"example_comment": ["a", "b"]}, "example_comment: must be text, not a list"),
        ({"example_response": "x" * 2001}, "example_response: is longer than 2000 characters"),
        ({"answer_format": "postcode"}, "unknown answer_format 'postcode'"),
        (
            {"answer_format": "ico_registration_number"},
            "answer_format ico_registration_number is only for text items, not yes_no",
        ),
    ],
)
def test_help_fields_are_refused_when_wrong(fields, expected):
    problems = _help_problems(**fields)
    assert any(expected in problem for problem in problems), problems
    assert all(
        problem.startswith("section 'it-systems-and-devices', item 4.2.1") for problem in problems
    )


def test_project_bank_has_an_example_for_every_approaching_standards_item():
    definition = _load(BANK_2025_26)
    approaching = [i for i in definition.items if i.level == "approaching"]
    assert len(approaching) == 25  # the file's known gap: the toolkit has 26
    assert all(i.example_response for i in approaching)
    by_ref = {i.ref: i for i in definition.items}
    assert by_ref["1.1.1"].answer_format == "ico_registration_number"
    previous = {i.ref: i for i in _load(BANK_2024_25).items}
    assert previous["1.1.1"].answer_format == "ico_registration_number"
    # The example answers fit the formats their items check.
    for bank_item in definition.items:
        if bank_item.answer_format:
            assert check_answer_format(bank_item.answer_format, bank_item.example_response).ok
