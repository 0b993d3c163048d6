"""The incident scales file: the real one loads and says what INCIDENTS.md says; a bad one is
refused with every problem listed. No database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from incidents.rules import ICO, ICO_DHSC, NOT_REPORTABLE, verdict
from incidents.scales import ScalesError, scales_current, scales_forget, scales_load, scales_parse

ROOT = Path(__file__).resolve().parent.parent.parent
FILE = ROOT / "fixtures" / "incident-scales-v1.yaml"
N, R, D = NOT_REPORTABLE, ICO, ICO_DHSC


@pytest.fixture
def document():
    """The real file as a mapping, to break one piece at a time."""
    return yaml.safe_load(FILE.read_text(encoding="utf-8"))


def parse(document) -> object:
    return scales_parse(yaml.safe_dump(document, allow_unicode=True), source_name="test.yaml")


def problems(document) -> list[str]:
    with pytest.raises(ScalesError) as caught:
        parse(document)
    return list(caught.value.problems)


def row(document, severity):
    return next(row for row in document["grid"] if row["severity"] == severity)


def test_the_real_file_loads():
    scales = scales_load(FILE)
    assert scales.version == 1
    assert [level.label for level in scales.likelihood] == [
        "Not occurred",
        "Not likely",
        "Likely",
        "Highly likely",
        "Occurred",
    ]
    assert [level.label for level in scales.severity] == [
        "No adverse effect",
        "Minor adverse effect",
        "Adverse effect",
        "Serious",
        "Catastrophic",
    ]
    assert len(scales.cells) == 25
    assert scales.cyber_centre.phone == "0300 303 5222"
    assert scales.vulnerable_people == {"children", "vulnerable-adults"}
    assert "cyber-ransomware" in scales.cyber_categories
    assert "lost-stolen-hardware" not in scales.cyber_categories
    assert scales.tell_people_from_severity == 4


def test_the_real_grid_is_the_one_incidents_md_prints():
    printed = {
        5: (N, N, D, D, D),
        4: (N, N, D, D, D),
        3: (N, N, R, R, R),
        2: (N, N, R, R, R),
        1: (N, N, N, N, N),
    }
    grid = scales_load(FILE).grid
    for severity, outcomes in printed.items():
        for likelihood, outcome in enumerate(outcomes, start=1):
            assert grid.cells[(likelihood, severity)] == outcome, (likelihood, severity)


def test_inferred_cells_are_marked_unverified():
    scales = scales_load(FILE)
    unverified = {(cell.likelihood, cell.severity) for cell in scales.cells if not cell.verified}
    # The DHSC threshold is inferred; the ICO rule was read in the source.
    assert unverified == {(likelihood, severity) for likelihood in (3, 4, 5) for severity in (4, 5)}
    assert all(cell.source for cell in scales.cells)
    assert [level.verified for level in scales.likelihood] == [False, False, True, False, False]


def test_the_real_file_gives_the_reported_verdict_for_the_lost_laptop():
    result = verdict(4, 3, vulnerable_groups=False, grid=scales_load(FILE).grid)
    assert result.label == "Reportable to the ICO"
    assert "72 hours" in result.reason


def test_the_setting_names_the_file_and_it_is_read_once(settings, tmp_path, document):
    scales_forget()
    assert scales_current() is scales_current()
    document["version"] = 2
    other = tmp_path / "scales.yaml"
    other.write_text(yaml.safe_dump(document), encoding="utf-8")
    settings.DSPT_INCIDENT_SCALES_FILE = other
    try:
        assert scales_current().version == 2
    finally:
        scales_forget()


# --- Refusals ------------------------------------------------------------------------------


def test_a_missing_cell(document):
    del row(document, 3)["cells"][4]
    found = problems(document)
    assert "grid, severity 3: must have 5 cells (one per likelihood), not 4" in found
    assert "grid, severity 3: no cell for likelihood 5" in found


def test_a_missing_row(document):
    document["grid"] = [r for r in document["grid"] if r["severity"] != 1]
    found = problems(document)
    assert "grid: must have 5 rows (one per severity), not 4" in found
    assert "grid: no row for severity 1" in found


def test_a_grid_of_the_wrong_size(document):
    row(document, 2)["cells"].append({"likelihood": 6, "outcome": "ico", "verified": False})
    found = problems(document)
    assert "grid, severity 2: must have 5 cells (one per likelihood), not 6" in found
    assert any("likelihood: must be a level from 1 to 5, not 6" in line for line in found)


def test_an_unknown_outcome(document):
    row(document, 4)["cells"][2]["outcome"] = "maybe"
    found = problems(document)
    assert "grid, severity 4, cell 3: unknown outcome 'maybe' (use none, ico, ico_dhsc)" in found


def test_a_duplicate_cell(document):
    row(document, 5)["cells"][1]["likelihood"] = 1
    found = problems(document)
    assert "grid, severity 5: likelihood 1 has more than one cell" in found
    assert "grid, severity 5: no cell for likelihood 2" in found


def test_a_duplicate_row(document):
    row(document, 2)["severity"] = 3
    found = problems(document)
    assert "grid: severity 3 has more than one row" in found
    assert "grid: no row for severity 2" in found


def test_a_duplicate_level(document):
    document["likelihood"][1]["level"] = 1
    found = problems(document)
    assert "likelihood: level 1 is given more than once" in found
    assert "likelihood: must give every level from 1 to 5; missing 2" in found


def test_a_level_outside_the_scale(document):
    document["severity"][4]["level"] = 6
    found = problems(document)
    assert "severity entry 5, level: must be a level from 1 to 5, not 6" in found


def test_a_level_without_a_description(document):
    document["severity"][0]["description"] = ""
    assert problems(document) == ["severity entry 1, description: must be some text"]


def test_verified_must_be_true_or_false(document):
    row(document, 1)["cells"][0]["verified"] = "yes"
    assert problems(document) == ["grid, severity 1, cell 1: verified must be true or false"]


def test_a_missing_outcome_text_and_an_unknown_one(document):
    del document["outcomes"]["ico_dhsc"]
    document["outcomes"]["maybe"] = {"label": "x", "reason": "y"}
    found = problems(document)
    assert "outcomes, ico_dhsc: is missing (it needs a label and a reason)" in found
    assert "outcomes: unknown outcome 'maybe' (use none, ico, ico_dhsc)" in found


def test_a_missing_not_reportable_reason(document):
    del document["not_reportable_reasons"]["near_miss"]
    assert problems(document) == ["not_reportable_reasons, near_miss: must be some text"]


def test_a_duplicate_list_value_and_a_bad_one(document):
    document["people_categories"].append({"value": "staff", "label": "Staff again"})
    document["others_told"].append({"value": "The Police", "label": "Police"})
    found = problems(document)
    assert "people_categories: value 'staff' is given more than once" in found
    assert "others_told entry 6: value must be a short lower-case token, not 'The Police'" in found


def test_a_flag_that_is_not_true_or_false(document):
    document["people_categories"][3]["vulnerable"] = "sometimes"
    assert problems(document) == ["people_categories entry 4: vulnerable must be true or false"]


def test_the_cyber_centre_needs_a_phone_number(document):
    document["cyber_centre"]["phone"] = "ring them"
    assert problems(document) == ["cyber_centre, phone: must be a phone number, not 'ring them'"]


def test_a_version_that_is_not_a_whole_number(document):
    document["version"] = "one"
    assert problems(document) == ["version: must be a whole number, 1 or more, not 'one'"]


def test_every_problem_is_listed_at_once(document):
    document["version"] = 0
    del row(document, 3)["cells"][0]
    document["likelihood"][0]["level"] = 2
    error_problems = problems(document)
    assert len(error_problems) >= 4
    with pytest.raises(ScalesError, match=r"problems in the incident scales file test\.yaml"):
        parse(document)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the file must be a YAML mapping"),
        ("- a list", "the file must be a YAML mapping"),
        ("version: [unclosed", "not valid YAML"),
    ],
)
def test_files_that_are_not_a_scales_mapping(text, problem):
    with pytest.raises(ScalesError) as caught:
        scales_parse(text)
    assert caught.value.problems[0].startswith(problem)


def test_an_oversized_file():
    with pytest.raises(ScalesError, match="at most"):
        scales_parse("#" * (300 * 1024))


def test_a_missing_file(tmp_path):
    with pytest.raises(ScalesError, match="cannot read the file"):
        scales_load(tmp_path / "nowhere.yaml")
