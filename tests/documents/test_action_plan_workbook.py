"""The action plan template people download: its layout, limits and cell safety. No database."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from documents.builders.action_plan import ActionPlanWorkbook, PlanRow, build_action_plan_workbook
from publishing.action_plan import HEADERS

D = datetime.date
TODAY = D(2026, 5, 10)
YEAR = "2025-26"
ODS = "VAB12"
ROWS = (
    PlanRow("6.2.1", "Data security", "Is there a data security policy?", "Standards Met"),
    PlanRow("7.1.1", "IT systems and devices", "Do you keep an IT asset list?", "Standards Met"),
    PlanRow("8.2.1", "IT systems and devices", "Unsupported systems risk record", "Standards Met"),
)


def build(rows=ROWS, *, name="Langdale House") -> bytes:
    return build_action_plan_workbook(
        ActionPlanWorkbook(organisation_name=name, ods_code=ODS, year=YEAR, rows=rows, today=TODAY)
    )


def test_built_template():
    workbook = openpyxl.load_workbook(io.BytesIO(build()))
    assert workbook.sheetnames == ["Action plan", "About"]
    sheet = workbook["Action plan"]
    assert "Langdale House" in sheet["A1"].value
    assert "2025-26" in sheet["A1"].value
    assert tuple(c.value for c in sheet[3]) == HEADERS
    assert all(c.font.bold for c in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert [c.value for c in sheet[4]] == [
        "6.2.1",
        "Data security",
        "Is there a data security policy?",
        "Standards Met",
        None,
        None,
        None,
    ]
    assert sheet.max_row == 6
    assert sheet.column_dimensions["C"].width >= 40
    assert sheet["C4"].alignment.wrap_text
    assert sheet["E4"].alignment.wrap_text
    # Grey, locked reference columns; the three to fill in are unlocked.
    assert sheet["A4"].fill.fgColor.rgb.endswith("E8EDEE")
    assert sheet["D6"].protection.locked
    assert not sheet["E4"].protection.locked
    assert not sheet["G6"].protection.locked
    assert sheet.protection.sheet
    assert sheet["G4"].number_format == "DD/MM/YYYY"


def test_target_date_validation():
    sheet = openpyxl.load_workbook(io.BytesIO(build()))["Action plan"]
    [validation] = sheet.data_validations.dataValidation
    assert validation.type == "date"
    assert validation.operator == "between"
    assert str(validation.sqref) == "G4:G6"
    # Excel's serial numbers: 11 May 2026 (tomorrow) to 10 May 2027 (12 months).
    assert (validation.formula1, validation.formula2) == ("46153", "46517")
    assert validation.showInputMessage
    assert validation.prompt
    assert "11/05/2026" in validation.prompt
    assert "10/05/2027" in validation.prompt
    assert validation.showErrorMessage


def test_hidden_about_sheet_identifies_the_template():
    about = openpyxl.load_workbook(io.BytesIO(build()))["About"]
    assert about.sheet_state == "hidden"
    values = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    assert values["Template"] == "DSPT action plan template"
    assert values["Version"] == "1"
    assert values["DSPT year"] == YEAR
    assert values["ODS code"] == ODS
    assert values["Downloaded"] == "10 May 2026"  # as dates are written everywhere else


def test_existing_plan_is_prefilled():
    rows = (
        PlanRow(
            "6.2.1", "Data security", "Policy?", "Standards Met", "Write it", "Sam", D(2026, 9, 1)
        ),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(build(rows)))["Action plan"]
    assert [c.value for c in sheet[4]][4:] == ["Write it", "Sam", datetime.datetime(2026, 9, 1)]


def test_an_empty_plan_still_builds():
    sheet = openpyxl.load_workbook(io.BytesIO(build(())))["Action plan"]
    assert tuple(c.value for c in sheet[3]) == HEADERS


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://evil.example","Click")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"],
)
def test_formula_injection_is_neutralised(dangerous):
    rows = (PlanRow("6.2.1", dangerous, dangerous, "Standards Met", dangerous, dangerous),)
    data = build(rows, name=dangerous)
    # No formula anywhere in the file's XML …
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
    # … the cells are text, marked as Excel marks a typed leading apostrophe, and read back as is.
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Action plan"]
    for coordinate in ("B4", "C4", "E4", "F4"):
        assert sheet[coordinate].data_type == "s"
        assert sheet[coordinate].quotePrefix
        # A carriage return reads back as itself when openpyxl parses with lxml (installed with
        # python-docx) and as a line feed with the standard library's parser; both harmless.
        assert sheet[coordinate].value in (dangerous, dangerous.replace("\r", "\n"))
    about = openpyxl.load_workbook(io.BytesIO(data))["About"]
    assert about["B5"].value in (dangerous, dangerous.replace("\r", "\n"))


def test_ordinary_text_is_not_quote_prefixed():
    sheet = openpyxl.load_workbook(io.BytesIO(build()))["Action plan"]
    assert not sheet["C4"].quotePrefix
