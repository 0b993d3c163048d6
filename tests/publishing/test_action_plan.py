"""The action plan spreadsheet: fill in the built template as a person would, read it back.

No database. What the built template looks like is tested in tests/documents.
"""

import datetime
import io
import random
import zipfile

import openpyxl
import pytest

from documents.builders.action_plan import ActionPlanWorkbook, PlanRow, build_action_plan_workbook
from publishing.action_plan import (
    HEADERS,
    NOT_TEMPLATE,
    NOT_XLSX,
    ParsedPlan,
    PlanProblem,
    parse_action_plan_xlsx,
)
from publishing.rules import ActionPlanLine

D = datetime.date
TODAY = D(2026, 5, 10)
YEAR = "2025-26"
ODS = "VAB12"
ROWS = (
    PlanRow("6.2.1", "Data security", "Is there a data security policy?", "Standards Met"),
    PlanRow("7.1.1", "IT systems and devices", "Do you keep an IT asset list?", "Standards Met"),
    PlanRow("8.2.1", "IT systems and devices", "Unsupported systems risk record", "Standards Met"),
)
REFS = tuple(row.ref for row in ROWS)


def build(rows=ROWS, *, year=YEAR, ods_code=ODS, name="Langdale House", today=TODAY) -> bytes:
    return build_action_plan_workbook(
        ActionPlanWorkbook(
            organisation_name=name, ods_code=ods_code, year=year, rows=rows, today=today
        )
    )


def parse(data: bytes, *, refs=REFS, year=YEAR, ods_code=ODS, today=TODAY) -> ParsedPlan:
    return parse_action_plan_xlsx(
        data, year=year, ods_code=ods_code, expected_refs=refs, today=today
    )


def fill(data: bytes, values: dict[str, object], *, edit=None) -> bytes:
    """Open the file as a person would in a spreadsheet program, type into cells, save."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["Action plan"]
    for coordinate, value in values.items():
        sheet[coordinate] = value
    if edit:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = {
    "E4": "Write and agree the policy",
    "F4": "Sam Manager",
    "G4": datetime.datetime(2026, 9, 1),
    "E5": "List every device",
    "F5": "Alex IT",
    "G5": datetime.datetime(2026, 7, 31),
    "E6": "Record the risk of the old PC",
    "F6": "Sam Manager",
    "G6": datetime.datetime(2027, 5, 10),  # exactly 12 months ahead is allowed
}


def refused(result: ParsedPlan, message: str) -> bool:
    return result.lines == () and result.problems == (PlanProblem(row=None, message=message),)


# --- round trip ---------------------------------------------------------------------------------


def test_round_trip():
    result = parse(fill(build(), GOOD))
    assert result.ok
    assert result.lines == (
        ActionPlanLine("6.2.1", "Write and agree the policy", "Sam Manager", D(2026, 9, 1)),
        ActionPlanLine("7.1.1", "List every device", "Alex IT", D(2026, 7, 31)),
        ActionPlanLine("8.2.1", "Record the risk of the old PC", "Sam Manager", D(2027, 5, 10)),
    )


def test_round_trip_of_a_prefilled_template():
    rows = tuple(
        PlanRow(r.ref, r.section, r.requirement, r.level_label, "Do it", "Sam", D(2026, 8, 1))
        for r in ROWS
    )
    result = parse(build(rows))
    assert result.ok
    assert len(result.lines) == 3


def test_text_dates_are_accepted():
    result = parse(fill(build(), GOOD | {"G4": "01/09/2026", "G5": "1/9/2026", "G6": "2026-09-02"}))
    assert result.ok
    assert [line.target_date for line in result.lines] == [
        D(2026, 9, 1),
        D(2026, 9, 1),
        D(2026, 9, 2),
    ]


def test_ods_code_case_and_spaces_do_not_matter():
    assert parse(fill(build(), GOOD), ods_code=" vab12 ").ok


def test_formula_like_text_typed_by_the_user_comes_back_as_text():
    data = fill(build(), GOOD)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cell = workbook["Action plan"]["E4"]
    cell.value = "=1+1"
    cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert parse(buffer.getvalue()).lines[0].action == "=1+1"


def test_rows_after_a_blank_row_are_read_with_excel_row_numbers():
    rows = ROWS[:1]
    data = fill(
        build(rows),
        {"E4": "Write it", "F4": "Sam", "G4": datetime.datetime(2026, 9, 1), "A9": "9.9.9"},
        edit=lambda wb: setattr(wb["Action plan"].protection, "sheet", False),
    )
    result = parse(data, refs=("6.2.1",))
    assert result.problems == (
        PlanProblem(9, "Row 9: 9.9.9 is not one of the requirements in this plan"),
    )
    assert [line.ref for line in result.lines] == ["6.2.1"]


# --- row problems -------------------------------------------------------------------------------

ALL_ROWS = ("6.2.1", "7.1.1", "8.2.1")


@pytest.mark.parametrize(
    ("changes", "problems", "good_refs"),
    [
        pytest.param(
            {"E4": None},
            [(4, "Row 4: enter the action to be taken for 6.2.1")],
            ("7.1.1", "8.2.1"),
            id="missing-action",
        ),
        pytest.param(
            {"F5": "  "},
            [(5, "Row 5: enter the responsible person for 7.1.1")],
            ("6.2.1", "8.2.1"),
            id="missing-person",
        ),
        pytest.param(
            {"G6": None},
            [(6, "Row 6: enter a target date for 8.2.1")],
            ("6.2.1", "7.1.1"),
            id="missing-date",
        ),
        pytest.param(
            {"E4": None, "F4": None, "G4": None},
            [
                (
                    4,
                    "Row 4: enter the action to be taken, responsible person and target date "
                    "for 6.2.1",
                )
            ],
            ("7.1.1", "8.2.1"),
            id="untouched-row",
        ),
        pytest.param(
            {"G5": "31/02/2026"},
            [(5, "Row 5: the target date for 7.1.1 must be a real date, written as DD/MM/YYYY")],
            ("6.2.1", "8.2.1"),
            id="impossible-date",
        ),
        pytest.param(
            {"G5": "next June"},
            [(5, "Row 5: the target date for 7.1.1 must be a real date, written as DD/MM/YYYY")],
            ("6.2.1", "8.2.1"),
            id="not-a-date",
        ),
        pytest.param(
            # The column is formatted as dates, so Excel keeps a typed serial number as a date.
            {"G5": 46200},
            [],
            ALL_ROWS,
            id="a-serial-number-in-the-date-column",
        ),
        pytest.param(
            {"G4": datetime.datetime(2026, 5, 1)},
            [(4, "Row 4: the target date for 6.2.1 must be in the future")],
            ("7.1.1", "8.2.1"),
            id="date-in-the-past",
        ),
        pytest.param(
            {"G4": datetime.datetime(2026, 5, 10)},
            [(4, "Row 4: the target date for 6.2.1 must be in the future")],
            ("7.1.1", "8.2.1"),
            id="date-today",
        ),
        pytest.param(
            {"G6": datetime.datetime(2027, 5, 11)},
            [
                (
                    6,
                    "Row 6: the target date for 8.2.1 must be within the next 12 months "
                    "(by 10 May 2027)",
                )
            ],
            ("6.2.1", "7.1.1"),
            id="date-too-far-ahead",
        ),
        pytest.param(
            {"G6": "11/05/2027"},
            [
                (
                    6,
                    "Row 6: the target date for 8.2.1 must be within the next 12 months "
                    "(by 10 May 2027)",
                )
            ],
            ("6.2.1", "7.1.1"),
            id="text-date-too-far-ahead",
        ),
        pytest.param(
            {"E4": "x" * 2001},
            [(4, "Row 4: the action to be taken for 6.2.1 must be 2,000 characters or fewer")],
            ("7.1.1", "8.2.1"),
            id="action-too-long",
        ),
        pytest.param({"E4": "x" * 2000}, [], ALL_ROWS, id="action-at-the-limit"),
        pytest.param(
            {"F4": "y" * 151},
            [(4, "Row 4: the responsible person for 6.2.1 must be 150 characters or fewer")],
            ("7.1.1", "8.2.1"),
            id="person-too-long",
        ),
        pytest.param({"F4": "y" * 150}, [], ALL_ROWS, id="person-at-the-limit"),
        pytest.param(
            {"A5": "9.9.9"},
            [
                (5, "Row 5: 9.9.9 is not one of the requirements in this plan"),
                (None, "Requirement 7.1.1 is missing from the plan"),
            ],
            ("6.2.1", "8.2.1"),
            id="unknown-ref",
        ),
        pytest.param(
            {"A5": "6.2.1"},
            [
                (5, "Row 5: 6.2.1 appears more than once; keep one row for each requirement"),
                (None, "Requirement 7.1.1 is missing from the plan"),
            ],
            ("6.2.1", "8.2.1"),
            id="duplicated-ref",
        ),
        pytest.param(
            {"A6": None, "B6": None, "C6": None, "D6": None, "E6": None, "F6": None, "G6": None},
            [(None, "Requirement 8.2.1 is missing from the plan")],
            ("6.2.1", "7.1.1"),
            id="missing-ref",
        ),
        pytest.param(
            {"A6": None},
            [
                (6, "Row 6: the ref is missing; do not change the grey columns"),
                (None, "Requirement 8.2.1 is missing from the plan"),
            ],
            ("6.2.1", "7.1.1"),
            id="ref-deleted",
        ),
        pytest.param(
            {"E4": None, "F4": None, "G5": datetime.datetime(2020, 1, 1)},
            [
                (4, "Row 4: enter the action to be taken for 6.2.1"),
                (4, "Row 4: enter the responsible person for 6.2.1"),
                (5, "Row 5: the target date for 7.1.1 must be in the future"),
            ],
            ("8.2.1",),
            id="several-in-row-order",
        ),
    ],
)
def test_row_problems(changes, problems, good_refs):
    result = parse(fill(build(), GOOD | changes))
    assert [(p.row, p.message) for p in result.problems] == problems
    # Rows that passed still come back, so the page can keep what was right.
    assert tuple(line.ref for line in result.lines) == good_refs


def test_a_number_that_is_not_formatted_as_a_date_is_refused():
    def edit(workbook):
        workbook["Action plan"]["G5"].number_format = "General"

    result = parse(fill(build(), GOOD | {"G5": 46200}, edit=edit))
    assert [(p.row, p.message) for p in result.problems] == [
        (5, "Row 5: the target date for 7.1.1 must be a real date, written as DD/MM/YYYY")
    ]


def test_every_missing_ref_is_listed_in_order():
    result = parse(fill(build(), GOOD), refs=("1.1.1", *REFS, "10.2.1"))
    assert [(p.row, p.message) for p in result.problems] == [
        (None, "Requirement 1.1.1 is missing from the plan"),
        (None, "Requirement 10.2.1 is missing from the plan"),
    ]


def test_a_template_with_no_rows_lists_every_ref():
    result = parse(build(()), refs=REFS)
    assert [p.message for p in result.problems] == [
        f"Requirement {ref} is missing from the plan" for ref in REFS
    ]


# --- files refused as a whole -------------------------------------------------------------------


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add=None) -> bytes:
    """Copy an xlsx, replacing or adding entries (to forge hand-made files)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info, (replace or {}).get(info.filename, source.read(info.filename)))
        for name, payload in (add or {}).items():
            target.writestr(name, payload)
    return buffer.getvalue()


def generic_xlsx(values=(("Ref", "Action"),)) -> bytes:
    workbook = openpyxl.Workbook()
    for row in values:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes() -> bytes:
    return (
        ",".join(HEADERS) + "\n6.2.1,Data security,x,Standards Met,Do it,Sam,01/09/2026\n"
    ).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", NOT_XLSX, id="pdf"),
        pytest.param(bytes(range(256)) * 40, NOT_XLSX, id="random-bytes"),
        pytest.param(b"", NOT_XLSX, id="empty"),
        pytest.param(csv_bytes(), NOT_XLSX, id="csv"),
        pytest.param(
            rezip(generic_xlsx(), replace={"xl/workbook.xml": b"<not-xml"}),
            NOT_XLSX,
            id="broken-xlsx",
        ),
        pytest.param(generic_xlsx(), NOT_TEMPLATE, id="xlsx-without-marker"),
        pytest.param(b"x" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB", id="huge"),
    ],
)
def test_files_that_are_not_the_template(data, message):
    assert refused(parse(data), message)


def test_a_broken_sheet_inside_a_real_workbook():
    # Read-only mode opens fine and fails only when the rows are read.
    data = rezip(build(), replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"})
    assert refused(parse(data), NOT_XLSX)


def test_a_zip_that_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(parse(buffer.getvalue()), NOT_XLSX)


def test_zip_bomb_is_refused_before_unpacking():
    # 50 MB of zeros compresses to about 50 KB: small to upload, large to unpack.
    bomb = rezip(build(), add={"xl/media/padding.bin": bytes(50 * 1024 * 1024)})
    assert len(bomb) < 2 * 1024 * 1024
    assert refused(
        parse(bomb),
        "The file is too big to read once unpacked. Download the template from this page "
        "and fill it in",
    )


def test_huge_real_spreadsheet_is_refused_by_size():
    padding = random.Random(1).randbytes(3 * 1024 * 1024)  # does not compress
    data = rezip(build(), add={"xl/media/photo.bin": padding})
    assert len(data) > 2 * 1024 * 1024
    assert refused(parse(data), "The file must be smaller than 2 MB")


def test_another_years_template():
    data = fill(build(year="2024-25"), GOOD)
    assert refused(parse(data), "This action plan is for 2024-25; download this year's template")


def test_another_organisations_template():
    data = fill(build(ods_code="VZZ99"), GOOD)
    assert refused(
        parse(data),
        "This action plan is for another organisation (VZZ99); "
        "download your organisation's template from this page",
    )


@pytest.mark.parametrize(
    ("cell", "value"),
    [("B1", "Some other template"), ("B2", "2"), ("A1", None)],
)
def test_marker_or_version_changed(cell, value):
    def edit(workbook):
        workbook["About"][cell] = value

    assert refused(parse(fill(build(), GOOD, edit=edit)), NOT_TEMPLATE)


def test_about_sheet_removed():
    def edit(workbook):
        del workbook["About"]

    assert refused(parse(fill(build(), GOOD, edit=edit)), NOT_TEMPLATE)


def test_plan_sheet_renamed():
    def edit(workbook):
        workbook["Action plan"].title = "Plan"

    assert refused(parse(fill(build(), GOOD, edit=edit)), NOT_TEMPLATE)


HEADINGS_CHANGED = (
    "The column headings have been changed: expected Ref, Section, Requirement, Level, "
    "Action to be taken, Responsible person, Target date in row 3. Download the template from "
    "this page and fill it in"
)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"E3": "What we will do"}, id="renamed"),
        pytest.param({"G3": None}, id="removed"),
        pytest.param({"H3": "Notes"}, id="added"),
        pytest.param({"F3": "Target date", "G3": "Responsible person"}, id="swapped"),
    ],
)
def test_headings_changed(changes):
    assert refused(parse(fill(build(), GOOD | changes)), HEADINGS_CHANGED)


def test_heading_case_and_spaces_do_not_matter():
    assert parse(fill(build(), GOOD | {"E3": "  action to be taken "})).ok


def test_too_many_rows():
    rows = tuple(PlanRow(f"1.1.{n}", "S", "R", "Standards Met") for n in range(1001))
    result = parse(build(rows), refs=[row.ref for row in rows])
    assert refused(
        result,
        "The action plan has more than 1,000 rows. Download the template from this page "
        "and fill it in",
    )


def test_a_row_a_million_rows_down_is_not_walked_to():
    # openpyxl fills the gap before a far-away row with empty rows; a forged file must not make
    # us walk a million of them.
    data = fill(build(), GOOD)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    far_row = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>6.2.1</t></is></c></row>'
    forged = sheet_xml.replace(b"</sheetData>", far_row + b"</sheetData>")
    assert forged != sheet_xml
    result = parse(rezip(data, replace={"xl/worksheets/sheet1.xml": forged}))
    assert refused(
        result,
        "The action plan has more than 1,000 rows. Download the template from this page "
        "and fill it in",
    )


def test_rows_beyond_a_wrong_declared_size_are_still_read():
    # Some tools never update <dimension>; a row past it must not be silently dropped.
    data = fill(build(), GOOD)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    extra = b'<row r="9"><c r="A9" t="inlineStr"><is><t>9.9.9</t></is></c></row>'
    forged = sheet_xml.replace(b"</sheetData>", extra + b"</sheetData>")
    assert b'<dimension ref="A1:G6"' in forged
    result = parse(rezip(data, replace={"xl/worksheets/sheet1.xml": forged}))
    assert [(p.row, p.message) for p in result.problems] == [
        (9, "Row 9: 9.9.9 is not one of the requirements in this plan")
    ]
