"""`manage.py load_question_bank`: loading bank files into the database, and reloading them."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.bank import ANSWER_TYPES, LEVELS, SECTION_KEYS, parse_bank
from assessments.bank_loader import question_bank_load
from assessments.models import (
    Answer,
    AnswerType,
    Assessment,
    EvidenceItem,
    Level,
    QuestionBank,
    Section,
)

from ..factories import RegisteredOrganisationFactory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BANK_2025_26 = FIXTURES / "question-bank-2025-26.yaml"
BANK_2024_25 = FIXTURES / "question-bank-2024-25.yaml"
NEW_IN_2025_26 = {"4.3.1", "7.1.1", "7.1.5", "7.1.6", "8.3.8"}

ROW = re.compile(r"^(?P<title>\S.*?)\s{2,}(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$")

pytestmark = pytest.mark.django_db


def run(path: Path | str, **options: Any) -> str:
    out = io.StringIO()
    call_command("load_question_bank", str(path), stdout=out, **options)
    return out.getvalue()


def table(output: str) -> dict[str, tuple[int, ...]]:
    """{row title: (approaching, met only, standards met total, non-mandatory, total)}."""
    rows = {}
    for line in output.splitlines():
        match = ROW.match(line)
        if match:
            rows[match.group("title")] = tuple(int(n) for n in match.groups()[1:])
    return rows


def expected_table(path: Path) -> dict[str, tuple[int, ...]]:
    """The same table, worked out from the file header's `found_counts`.

    There, `met` is the Standards Met total (Approaching items included, as the toolkit counts
    them), so Standards-Met-only items are `met - approaching`.
    """
    document = yaml.safe_load(path.read_text())
    found = document["found_counts"]
    titles = {section["key"]: section["title"] for section in document["sections"]}
    rows = {}
    for key in [*SECTION_KEYS, "total"]:
        approaching = found["approaching"][key]
        standards_met = found["met"][key]
        optional = found["optional"][key]
        rows[titles.get(key, "Total")] = (
            approaching,
            standards_met - approaching,
            standards_met,
            optional,
            standards_met + optional,
        )
    return rows


def edited(tmp_path: Path, edit: Callable[[dict[str, Any]], Any], source: Path = BANK_2025_26):
    """A copy of a bank file with `edit` applied to its parsed YAML."""
    document = yaml.safe_load(source.read_text())
    edit(document)
    path = tmp_path / source.name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def yaml_item(document: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(i for s in document["sections"] for i in s["items"] if i["ref"] == ref)


def remove_items(document: dict[str, Any], *refs: str) -> None:
    for section in document["sections"]:
        section["items"] = [i for i in section["items"] if i["ref"] not in refs]


def item(ref: str, year: str = "2025-26") -> EvidenceItem:
    return EvidenceItem.objects.get(bank__year=year, ref=ref)


def answer(ref: str, year: str = "2025-26", **values: Any) -> Answer:
    bank = QuestionBank.objects.get(year=year)
    assessment = Assessment.objects.create(organisation=RegisteredOrganisationFactory(), bank=bank)
    return Answer.objects.create(
        assessment=assessment, item=item(ref, year), updated_at=timezone.now(), **values
    )


def snapshot() -> dict[str, Any]:
    """Everything a load writes, to compare before and after."""
    return {
        "banks": list(QuestionBank.objects.values().order_by("year")),
        "sections": list(Section.objects.values().order_by("pk")),
        "items": list(EvidenceItem.objects.values().order_by("pk")),
    }


# --- The 2025-26 bank ---------------------------------------------------------------------------


def test_2025_26_bank_loads_with_the_counts_of_its_header():
    output = run(BANK_2025_26)

    assert "DSPT 2025-26 (social-care, toolkit version 8)" in output
    assert "Publication deadline: 30 June 2026" in output
    header = next(line for line in output.splitlines() if line.startswith("Section"))
    assert re.split(r"\s{2,}", header) == [
        "Section",
        "Approaching",
        "Met only",
        "Standards Met total",
        "Non-mandatory",
        "Total",
    ]
    expected = expected_table(BANK_2025_26)
    assert table(output) == expected
    # The header's figures, spelt out: approaching 4/10/5/6, Standards Met 7/12/8/15, optional
    # 0/3/2/4.
    assert expected["Total"] == (25, 17, 42, 9, 51)
    assert [row[2] for row in expected.values()] == [7, 12, 8, 15, 42]
    assert "Items: 51 created, 0 updated, 0 unchanged, 0 removed." in output
    assert "Created the 2025-26 question bank." in output

    # The database agrees with what was printed.
    bank = QuestionBank.objects.get()
    for section in bank.sections.all():
        approaching, met_only, _, optional, total = expected[section.title]
        levels = list(section.items.values_list("level", flat=True))
        assert (levels.count("approaching"), levels.count("met"), levels.count("optional")) == (
            approaching,
            met_only,
            optional,
        )
        assert len(levels) == total


def test_2025_26_rows_hold_what_the_file_says():
    run(BANK_2025_26)
    definition = parse_bank(BANK_2025_26.read_text(), source_name="x")

    bank = QuestionBank.objects.get()
    assert bank.year == "2025-26"
    assert bank.short_year == "25/26"
    assert bank.sector == "social-care"
    assert bank.toolkit_version == 8
    assert bank.publication_deadline.isoformat() == "2026-06-30"
    assert bank.previous_year == "2024-25"
    assert bank.source_name == "question-bank-2025-26.yaml"
    assert len(bank.source_sha256) == 64

    assert list(bank.sections.values_list("key", "position")) == [
        (key, position) for position, key in enumerate(SECTION_KEYS, start=1)
    ]
    # Item positions are one order across the whole bank, following the file.
    rows = list(EvidenceItem.objects.filter(bank=bank).order_by("position"))
    assert [(row.ref, row.position) for row in rows] == [
        (i.ref, position) for position, i in enumerate(definition.items, start=1)
    ]
    first = rows[0]
    assert (first.ref, first.section.key, first.answer_type, first.level) == (
        "1.1.5",
        "staffing-and-roles",
        "text",
        "approaching",
    )
    assert first.ndg_standard == 1
    assert first.guidance.startswith("Give the name(s)")


def test_8_2_1_depends_on_8_1_4_being_unsupported_but_managed():
    run(BANK_2025_26)

    unsupported = item("8.1.4")
    assert unsupported.answer_type == AnswerType.CHOICE
    assert [option["value"] for option in unsupported.options] == [
        "supported",
        "unsupported-managed",
    ]
    assert all(option["label"] for option in unsupported.options)
    dependant = item("8.2.1")
    assert dependant.depends_on == unsupported
    assert dependant.depends_on_answers == ["unsupported-managed"]
    assert dependant.condition_text
    register = item("7.1.5")
    assert register.depends_on == item("7.1.1")
    assert register.depends_on_answers == []  # any answer to 7.1.1, a document item
    assert set(
        EvidenceItem.objects.filter(depends_on__isnull=False).values_list("ref", flat=True)
    ) == {
        "8.2.1",
        "7.1.5",
    }
    assert all(i.options == [] for i in EvidenceItem.objects.exclude(ref="8.1.4"))


def test_loading_the_same_file_again_changes_nothing():
    run(BANK_2025_26)
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        output = run(BANK_2025_26)

    assert "Items: 0 created, 0 updated, 51 unchanged, 0 removed." in output
    assert "Unchanged: the database already matches this file." in output
    assert table(output) == expected_table(BANK_2025_26)
    assert snapshot() == before  # same rows, same ids, same loaded_at
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_loading_from_another_directory_is_not_a_change(tmp_path):
    run(BANK_2025_26)
    copy = tmp_path / BANK_2025_26.name
    copy.write_bytes(BANK_2025_26.read_bytes())

    assert "Unchanged" in run(copy)


def test_edited_bank_updates_items_in_place(tmp_path):
    run(BANK_2025_26)
    kept_answer = answer("1.1.5", text="Our registered manager, named in her job description.")
    ids = dict(EvidenceItem.objects.values_list("ref", "pk"))
    replaced_position = item("6.3.5").position

    def edit(document):
        yaml_item(document, "1.1.5")["text"] = "Who is accountable for data security?"
        yaml_item(document, "2.1.1")["level"] = "met"
        yaml_item(document, "8.3.5")["guidance"] = "Turn on automatic updates."
        # 6.3.5 (unanswered) is replaced by a new item in the same place.
        data_security = next(s for s in document["sections"] if s["key"] == "data-security")
        data_security["items"][-1] = {
            "ref": "6.3.6",
            "level": "optional",
            "answer_type": "number",
            "meets_when": {"at_least": 0},
            "text": "How many incidents did you have?",
            "ndg_standard": 6,
        }

    output = run(edited(tmp_path, edit))

    assert "Items: 1 created, 3 updated, 47 unchanged, 1 removed." in output
    assert "Updated the 2025-26 question bank." in output
    assert item("1.1.5").text == "Who is accountable for data security?"
    assert item("2.1.1").level == Level.MET
    assert item("8.3.5").guidance == "Turn on automatic updates."
    assert item("6.3.6").position == replaced_position
    assert not EvidenceItem.objects.filter(ref="6.3.5").exists()
    # Kept items keep their rows, so answers stay attached.
    assert item("1.1.5").pk == ids["1.1.5"]
    kept_answer.refresh_from_db()
    assert kept_answer.item_id == ids["1.1.5"]
    assert EvidenceItem.objects.count() == 51
    # The counts printed follow the edit: 2.1.1 moved from Approaching to Met only.
    assert table(output)["Staffing and roles"] == (3, 4, 7, 0, 7)
    assert table(output)["Total"] == (24, 18, 42, 9, 51)
    assert QuestionBank.objects.get().source_name == "question-bank-2025-26.yaml"

    assert "Unchanged" in run(tmp_path / BANK_2025_26.name)


def test_item_moved_to_another_section_follows_the_file(tmp_path):
    run(BANK_2025_26)
    moved_id = item("10.1.2").pk

    def edit(document):
        _, policies, _, it = document["sections"]
        moving = yaml_item(document, "10.1.2")
        policies["items"].remove(moving)
        it["items"].append(moving)

    output = run(edited(tmp_path, edit))

    moved = item("10.1.2")
    assert (moved.pk, moved.section.key, moved.position) == (moved_id, "it-systems-and-devices", 51)
    positions = list(EvidenceItem.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, 52))
    assert "0 created" in output
    assert "0 removed" in output
    assert table(output)["IT systems and devices"] == (7, 9, 16, 4, 20)


def test_removed_items_without_answers_are_deleted_even_when_they_depended_on_each_other(
    tmp_path,
):
    run(BANK_2025_26)
    answer("1.1.5", text="Answered, and kept.")

    output = run(edited(tmp_path, lambda d: remove_items(d, "7.1.1", "7.1.5")))

    # The 12 items after 7.1.1 in file order move up two places; nothing else changes.
    assert "Items: 0 created, 12 updated, 37 unchanged, 2 removed." in output
    assert not EvidenceItem.objects.filter(ref__in=["7.1.1", "7.1.5"]).exists()


def test_removing_an_answered_item_is_refused_and_nothing_changes(tmp_path):
    run(BANK_2025_26)
    answer("4.3.1", choice="yes")
    answer("4.3.1", choice="no")
    answer("7.1.6", choice="yes")
    before = snapshot()

    def edit(document):
        remove_items(document, "4.3.1", "7.1.6", "8.3.8")
        yaml_item(document, "1.1.5")["text"] = "Changed, but must not be saved."

    path = edited(tmp_path, edit)
    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value).splitlines() == [
        f"Nothing was loaded from {path}: answered items cannot be removed (4.3.1, 7.1.6):",
        "item 4.3.1 is not in the file any more, but it has 2 answers: put it back in the file, "
        "or deal with its answers first",
        "item 7.1.6 is not in the file any more, but it has 1 answer: put it back in the file, "
        "or deal with its answers first",
    ]  # 8.3.8 is not named: unanswered, it alone could have gone
    assert snapshot() == before


def test_changing_an_answered_choice_warns_about_its_answers(tmp_path):
    run(BANK_2025_26)
    answer("8.1.4", choice="unsupported-managed")
    answer("8.1.4", choice="supported")

    def edit(document):
        yaml_item(document, "8.1.4")["options"][1]["value"] = "unsupported"
        yaml_item(document, "8.2.1")["depends_on"]["answers"] = ["unsupported"]
        yaml_item(document, "8.1.4")["meets_when"]["answers"] = ["supported", "unsupported"]

    output = run(edited(tmp_path, edit))

    assert (
        "Check: 8.1.4: option unsupported-managed removed; 1 existing answer may no "
        "longer fit and should be checked"
    ) in output
    assert item("8.2.1").depends_on_answers == ["unsupported"]


def test_dry_run_reports_but_writes_nothing(tmp_path):
    output = run(BANK_2025_26, dry_run=True)

    assert "Items: 51 created, 0 updated, 0 unchanged, 0 removed." in output
    assert "Dry run: nothing was written." in output
    assert not QuestionBank.objects.exists()
    assert not EvidenceItem.objects.exists()


# --- The 2024-25 bank ---------------------------------------------------------------------------


def test_2024_25_bank_loads_beside_2025_26_without_the_new_items():
    run(BANK_2025_26)

    output = run(BANK_2024_25)

    assert "DSPT 2024-25" in output
    assert "Publication deadline: 30 June 2025" in output
    assert table(output) == expected_table(BANK_2024_25)
    assert table(output)["Total"] == (25, 15, 40, 6, 46)
    previous = QuestionBank.objects.get(year="2024-25")
    assert previous.publication_deadline.isoformat() == "2025-06-30"
    assert previous.previous_year in ("", "2023-24")
    refs = set(previous.items.values_list("ref", flat=True))
    assert not refs & NEW_IN_2025_26
    assert refs | NEW_IN_2025_26 == set(
        QuestionBank.objects.get(year="2025-26").items.values_list("ref", flat=True)
    )
    assert item("8.2.1", "2024-25").depends_on == item("8.1.4", "2024-25")
    assert item("8.2.1", "2024-25").depends_on_answers == ["unsupported-managed"]
    # Each year's items belong to their own bank.
    assert item("8.2.1", "2025-26").depends_on == item("8.1.4", "2025-26")
    assert EvidenceItem.objects.count() == 51 + 46


# --- Files that cannot be loaded ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        pytest.param(
            lambda d: yaml_item(d, "6.2.1").update(answer_type="essay"),
            "section 'it-systems-and-devices', item 6.2.1: unknown answer type 'essay'",
            id="answer type",
        ),
        pytest.param(
            lambda d: remove_items(d, "8.1.4"),
            "item 8.2.1, depends_on: depends on 8.1.4, which is not in this bank",
            id="dependency on a removed item",
        ),
        pytest.param(
            lambda d: d.update(version="2025-2026"),
            "version: '2025-2026' is not a DSPT year",
            id="version",
        ),
    ],
)
def test_invalid_file_is_refused_with_its_reason_and_nothing_is_written(tmp_path, edit, reason):
    path = edited(tmp_path, edit)

    with pytest.raises(CommandError) as caught:
        run(path)

    assert f"in the question bank {path}:" in str(caught.value)
    assert reason in str(caught.value)
    assert not QuestionBank.objects.exists()
    assert not Section.objects.exists()
    assert not EvidenceItem.objects.exists()


def test_invalid_edit_of_a_loaded_bank_changes_nothing(tmp_path):
    run(BANK_2025_26)
    before = snapshot()

    def edit(document):
        yaml_item(document, "1.1.5")["text"] = "Changed, but must not be saved."
        yaml_item(document, "8.2.1")["depends_on"]["answers"] = ["yes"]

    with pytest.raises(CommandError) as caught:
        run(edited(tmp_path, edit))

    assert "'yes' is not an answer to 8.1.4 (possible answers: supported, unsupported-managed)" in (
        str(caught.value)
    )
    assert snapshot() == before


def test_bad_yaml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bank.yaml"
    path.write_text('version: "2025-26"\nsections:\n  - key: [unclosed\n')

    with pytest.raises(CommandError, match=r"not valid YAML at line 4"):
        run(path)


def test_missing_file_directory_large_file_and_non_utf8_are_refused(tmp_path):
    with pytest.raises(CommandError, match=r"nowhere\.yaml: no such file"):
        run(tmp_path / "nowhere.yaml")
    with pytest.raises(CommandError, match="not a file"):
        run(tmp_path)

    large = tmp_path / "large.yaml"
    large.write_text("# padding\n" * 300_000)
    with pytest.raises(CommandError, match=r"at most 2,097,152 bytes \(2 MB\), so it was not read"):
        run(large)

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes('version: "2025-26"\n# caf\xe9\n'.encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8 text"):
        run(latin1)
    assert not QuestionBank.objects.exists()


# --- Size and speed -----------------------------------------------------------------------------


def generated_bank(count: int, *, text_suffix: str = "") -> str:
    """A valid bank of `count` items spread over the four sections, with some choice items and
    dependencies, as a bank file's text."""
    sections = [
        {"key": key, "title": key.replace("-", " ").capitalize(), "items": []}
        for key in SECTION_KEYS
    ]
    for number in range(count):
        standard = number % 10 + 1
        ref = f"{standard}.{number // 10 + 1}.1"
        entry: dict[str, Any] = {
            "ref": ref,
            "level": LEVELS[number % 3],
            "answer_type": "choice" if number % 7 == 0 else "yes_no",
            "text": f"Generated question {ref}?{text_suffix}",
            "guidance": f"Guidance for {ref}, see https://example.org/{ref}",
            "ndg_standard": standard,
        }
        if entry["answer_type"] == "choice":
            entry["options"] = [{"value": "a", "label": "A"}, {"value": "b-c", "label": "B or C"}]
            entry["meets_when"] = {"answers": ["a"]}
        else:
            entry["meets_when"] = {"answers": ["yes"]}
            if number % 5 == 1:
                # Depends on the previous item, whatever its type.
                previous = sections[(number - 1) * 4 // count]["items"][-1]
                answers = ["b-c"] if previous["answer_type"] == "choice" else ["yes"]
                entry["depends_on"] = {"ref": previous["ref"], "answers": answers, "when": "If so"}
        sections[number * 4 // count]["items"].append(entry)
    return yaml.safe_dump(
        {"version": "2030-31", "publication_deadline": "2031-06-30", "sections": sections},
        sort_keys=False,
    )


def test_a_bank_of_200_items_loads_quickly_with_bulk_writes(
    tmp_path, django_assert_max_num_queries
):
    path = tmp_path / "bank-200.yaml"
    path.write_text(generated_bank(200))
    definition = parse_bank(path.read_text(), source_name=str(path))

    # Bulk writes: a fixed number of queries however many items catches a return to row by row.
    with django_assert_max_num_queries(20):
        report = question_bank_load(definition=definition, source_sha256="a" * 64)

    assert (report.created, report.updated, report.unchanged, report.removed) == (200, 0, 0, 0)
    assert EvidenceItem.objects.filter(bank__year="2030-31").count() == 200
    # Every fifth item, except where it is a choice item itself: 40 - 6.
    assert EvidenceItem.objects.filter(depends_on__isnull=False).count() == 34

    edited_definition = parse_bank(generated_bank(200, text_suffix=" (v2)"), source_name="x")
    with django_assert_max_num_queries(20):
        report = question_bank_load(definition=edited_definition, source_sha256="b" * 64)
    assert (report.created, report.updated, report.unchanged) == (0, 200, 0)

    output = run(path)
    assert "Items: 0 created, 200 updated, 0 unchanged, 0 removed." in output
    assert table(output)["Total"][4] == 200


def test_sections_can_change_places(tmp_path):
    # Today's bank files must list the four sections in the toolkit's order, but the loader does
    # not rely on that: a definition with them reordered swaps positions without breaking the
    # (bank, position) uniqueness along the way.
    definition = parse_bank(BANK_2025_26.read_text(), source_name="bank.yaml")
    question_bank_load(definition=definition, source_sha256="a" * 64)
    reordered = dataclasses.replace(definition, sections=definition.sections[::-1])

    report = question_bank_load(definition=reordered, source_sha256="a" * 64)

    assert report.sections_updated == 4
    assert list(Section.objects.order_by("position").values_list("key", flat=True)) == list(
        SECTION_KEYS[::-1]
    )
    assert item("4.2.4").position == 1  # the IT section's first item now comes first


def test_the_parser_knows_the_models_answer_types_and_levels():
    assert set(ANSWER_TYPES) == set(AnswerType.values)
    assert set(LEVELS) == set(Level.values)
