"""The action plan spreadsheet people download, fill in and upload on the action plan page.

Pure (no Django imports, a test checks): `ActionPlanWorkbook` in, the XLSX file's bytes out. What
makes a file the template (its sheets, headings, hidden "About" sheet) is written down in
`publishing.action_plan`, which reads an upload back.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessments.vocabulary import format_date
from publishing.action_plan import (
    ABOUT_SHEET,
    FIRST_DATA_ROW,
    FROZEN_CELL,
    HEADER_ROW,
    HEADERS,
    PLAN_SHEET,
    TEMPLATE_MARKER,
    TEMPLATE_VERSION,
)
from publishing.rules import ACTION_PLAN_MONTHS, add_months

from .excel import write_text

_COLUMN_WIDTHS = (10, 24, 60, 22, 50, 26, 14)
_GREY = PatternFill("solid", fgColor="E8EDEE")  # NHS pale grey: Ref, Section, Requirement, Level
_DATE_FORMAT = "DD/MM/YYYY"


@dataclass(frozen=True)
class PlanRow:
    ref: str
    section: str
    requirement: str
    level_label: str  # "Approaching Standards" / "Standards Met"
    action: str = ""
    responsible_person: str = ""
    target_date: date | None = None


@dataclass(frozen=True)
class ActionPlanWorkbook:
    organisation_name: str
    ods_code: str
    year: str  # "2025-26"
    rows: Sequence[PlanRow]
    today: date  # target dates must fall after it and within ACTION_PLAN_MONTHS of it


def build_action_plan_workbook(data: ActionPlanWorkbook) -> bytes:
    """The template for the items not yet done, pre-filled with any plan already saved."""
    organisation_name, ods_code, year = data.organisation_name, data.ods_code, data.year
    rows, today = data.rows, data.today
    workbook = Workbook()
    workbook.properties.creator = "DSPT portal"
    workbook.properties.title = f"DSPT {year} action plan"
    sheet = workbook.active
    sheet.title = PLAN_SHEET
    earliest = today + timedelta(days=1)
    latest = add_months(today, ACTION_PLAN_MONTHS)

    write_text(sheet["A1"], f"DSPT {year} action plan: {organisation_name} ({ods_code})")
    sheet["A1"].font = Font(bold=True, size=14)
    write_text(
        sheet["A2"],
        "For each requirement not yet done, say what you will do, who is responsible and the "
        f"date it will be done by (after today and no later than {format_date(latest)}, "
        "as DD/MM/YYYY). Do not change the grey columns or the headings. Save the file and "
        "upload it on the action plan page.",
    )
    sheet["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    sheet.row_dimensions[2].height = 48

    for column, heading in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column)
        write_text(cell, heading)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[chr(ord("A") + column - 1)].width = width
    sheet.freeze_panes = FROZEN_CELL

    wrap = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(rows):
        row_number = FIRST_DATA_ROW + offset
        values = (row.ref, row.section, row.requirement, row.level_label)
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row_number, column=column)
            write_text(cell, value)
            cell.alignment = wrap
            cell.fill = _GREY
        for column, value in ((5, row.action), (6, row.responsible_person)):
            cell = sheet.cell(row=row_number, column=column)
            if value:
                write_text(cell, value)
            cell.alignment = wrap
            cell.protection = Protection(locked=False)
        date_cell = sheet.cell(row=row_number, column=7)
        date_cell.value = row.target_date
        date_cell.number_format = _DATE_FORMAT
        date_cell.alignment = Alignment(vertical="top")
        date_cell.protection = Protection(locked=False)

    last_row = FIRST_DATA_ROW + max(len(rows), 1) - 1
    validation = DataValidation(
        type="date",
        operator="between",
        # Serial numbers are how Excel itself stores date limits; LibreOffice reads them too.
        formula1=str(int(to_excel(earliest))),
        formula2=str(int(to_excel(latest))),
        allow_blank=True,
        showInputMessage=True,
        promptTitle="Target date",
        prompt=(f"Enter a date between {earliest:%d/%m/%Y} and {latest:%d/%m/%Y}, as DD/MM/YYYY."),
        showErrorMessage=True,
        errorTitle="Target date",
        error=(
            f"The target date must be between {earliest:%d/%m/%Y} and {latest:%d/%m/%Y} "
            "(within the next 12 months)."
        ),
    )
    validation.add(f"G{FIRST_DATA_ROW}:G{last_row}")
    sheet.add_data_validation(validation)

    # Lock the grey columns against slips, without a password: it guards against accidents,
    # not against a determined user (the upload is checked anyway). Resizing stays allowed.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    sheet.protection.formatCells = False

    _add_about_sheet(workbook, organisation_name, ods_code, year, today)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_about_sheet(
    workbook: Workbook, organisation_name: str, ods_code: str, year: str, today: date
) -> None:
    """A hidden sheet that lets an upload be recognised as our template, for this year and org."""
    about: Worksheet = workbook.create_sheet(ABOUT_SHEET)
    rows = (
        ("Template", TEMPLATE_MARKER),
        ("Version", TEMPLATE_VERSION),
        ("DSPT year", year),
        ("ODS code", ods_code),
        ("Organisation", organisation_name),
        ("Downloaded", format_date(today)),
    )
    for row_number, (key, value) in enumerate(rows, start=1):
        write_text(about.cell(row=row_number, column=1), key)
        write_text(about.cell(row=row_number, column=2), value)
    about.sheet_state = "hidden"
