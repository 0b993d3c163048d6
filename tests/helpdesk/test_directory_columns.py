"""Later toolkit exports: the commissioner column's new names, the sector list kept as data, and the
report of what a file held that the import could not use (columns once, values with counts)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from organisations.directory import UnknownValue, read_directory_file
from organisations.models import Organisation, PrimarySector
from organisations.sectors import SectorListError, sector_names, sector_names_parse

HEADER = "Code,Organisation Name,Status,Date Of Publication,Primary Sector"


def _export(tmp_path: Path, header: str, *rows: str) -> Path:
    path = tmp_path / "organisation-search.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


# --- The sector list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Care Home", "Care Home"),
        ("care  home", "Care Home"),  # case and repeated spaces do not matter
        ("CCG", "CCG"),  # the 2019 export's commissioners stay CCGs
        ("CCG / Integrated Care Board (ICB)", "ICB"),  # later exports' merged name
        ("ccg / integrated care board (icb)", "ICB"),
        ("Integrated Care Board (ICB)", "ICB"),
        ("ICB", "ICB"),
        ("Dentist (NHS)", "Dentist (NHS)"),
        ("PROFILE NOT COMPLETE", ""),  # the toolkit's "not chosen yet": blank
        ("", ""),
        ("Care Home Services", None),  # not a name the list knows
        ("Hospital", None),
    ],
)
def test_sector_names_map_old_and_new_names_to_the_portals_values(name, value):
    assert sector_names().value_for(name) == value


def test_every_portal_sector_is_in_the_file_and_every_value_is_a_portal_sector():
    names = sector_names()
    assert set(names.by_name.values()) == set(PrimarySector.values)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (None, "needs a `sectors:` mapping"),
        ({"sectors": ["Care Home"]}, "needs a `sectors:` mapping"),
        (
            {"sectors": {**{v: [v] for v in PrimarySector.values}, "Hospital": ["Hospital"]}},
            "'Hospital' is not a PrimarySector value",
        ),
        (
            {"sectors": {**{v: [v] for v in PrimarySector.values}, "GP": []}},
            "'GP' needs a list of names",
        ),
        (
            {"sectors": {**{v: [v] for v in PrimarySector.values}, "ICB": ["ICB", "ccg"]}},
            "'ccg' is listed under both 'CCG' and 'ICB'",
        ),
        (
            {"sectors": {v: [v] for v in PrimarySector.values if v != "University"}},
            "PrimarySector values with no names: University",
        ),
        (
            {"sectors": {v: [v] for v in PrimarySector.values}, "no_sector": ["GP"]},
            "names both a sector and no sector: gp",
        ),
    ],
)
def test_a_wrong_sector_file_is_refused_saying_why(document, problem):
    with pytest.raises(SectorListError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        sector_names_parse(document)


# --- Columns --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "commissioner_header",
    [
        "CCG (from ODS and CQC)",  # 2019
        "CCG",
        "ICB",
        "Integrated Care Board (where available, from ODS)",  # later exports
        "Integrated Care Board",
        "Commissioner",
    ],
)
def test_every_name_of_the_commissioner_column_is_read(tmp_path, commissioner_header):
    path = _export(
        tmp_path,
        f'{HEADER},"{commissioner_header}"',
        "VM8L1,Langdale House,23/24 Standards Met,01/07/2024,Care Home,NHS WEST YORKSHIRE ICB",
    )
    parsed = read_directory_file(path)
    assert "commissioner" in parsed.fields
    assert parsed.records[0].commissioner == "NHS WEST YORKSHIRE ICB"
    assert parsed.unknown_columns == []


@pytest.mark.parametrize(
    ("extra_header", "unknown"),
    [
        ("", []),
        (",Region", ["Region"]),
        (",Region,Region", ["Region"]),  # each name once
        (",Region,,Website", ["Region", "Website"]),  # a blank header is not a column
        (",ICB,Commissioner", ["Commissioner"]),  # a second commissioner column is not used
    ],
)
def test_columns_not_understood_are_reported_once_each(tmp_path, extra_header, unknown):
    cells = "," * extra_header.count(",")
    path = _export(tmp_path, HEADER + extra_header, f"VM8L1,Langdale House,,,Care Home{cells}")
    assert read_directory_file(path).unknown_columns == unknown


def test_values_not_understood_are_counted_per_value(tmp_path):
    path = _export(
        tmp_path,
        HEADER,
        "V0001,One,,,Care Home Services",
        "V0002,Two,,,care home services",
        "V0003,Three,,,Hospital",
        "V0004,Four,,,CCG / Integrated Care Board (ICB)",
        "V0005,Five,,,PROFILE NOT COMPLETE",
        "V0006,Six,,,Care Home Services",
    )
    parsed = read_directory_file(path)
    assert parsed.unknown_values == [
        UnknownValue("Primary Sector", "Care Home Services", 2),
        UnknownValue("Primary Sector", "Hospital", 1),
        UnknownValue("Primary Sector", "care home services", 1),
    ]
    sectors = {record.ods_code: record.primary_sector for record in parsed.records}
    assert sectors == {
        "V0001": "",
        "V0002": "",
        "V0003": "",
        "V0004": "ICB",
        "V0005": "",
        "V0006": "",
    }


def test_a_rejected_row_does_not_count_its_values(tmp_path):
    path = _export(tmp_path, HEADER, "V0001,,,,Hospital", "V0002,Two,,,Hospital")
    parsed = read_directory_file(path)
    assert parsed.unknown_values == [UnknownValue("Primary Sector", "Hospital", 1)]


# --- The command says the same --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("quiet", [False, True])
def test_the_command_prints_what_it_could_not_use(tmp_path, quiet):
    path = _export(
        tmp_path,
        f'{HEADER},"Integrated Care Board (where available, from ODS)",Region,Region',
        "VM8L1,Langdale House,,,Care Home,NHS LEICESTER ICB,Midlands,x",
        "QWE,NHS West Yorkshire ICB,,,CCG / Integrated Care Board (ICB),,North,y",
        "V0001,One,,,Care Home Services,,,",
        "V0002,Two,,,Care Home Services,,,",
        "V0003,Three,,,Hospital,,,",
    )
    out = io.StringIO()
    call_command("import_organisations", str(path), stdout=out, quiet=quiet)
    lines = out.getvalue().splitlines()
    assert lines[1:6] == [
        "Created: 5  Updated: 0  Unchanged: 0  Rejected: 0",
        'Columns not understood (not imported): "Region"',
        "Values not understood (left blank):",
        '  Primary Sector "Care Home Services": 2 rows',
        '  Primary Sector "Hospital": 1 row',
    ]
    assert Organisation.objects.get(ods_code="QWE").primary_sector == "ICB"
    assert Organisation.objects.get(ods_code="VM8L1").commissioner == "NHS LEICESTER ICB"


@pytest.mark.django_db
def test_a_file_it_fully_understands_prints_no_such_report(tmp_path):
    path = _export(tmp_path, HEADER, "VM8L1,Langdale House,,,Care Home")
    out = io.StringIO()
    call_command("import_organisations", str(path), stdout=out)
    assert "not understood" not in out.getvalue()
