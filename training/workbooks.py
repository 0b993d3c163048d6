"""Spreadsheets the register gives out: the training report (3.2.1's evidence), the training
needs analysis template (3.1.1) and the import template. Plain data in, bytes out; no Django.

Every text cell goes through `_text`, so a name like "=HYPERLINK(...)" typed into the register is
shown as text and never run as a formula (dspt_portal.spreadsheet).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font

from dspt_portal.spreadsheet import safe_cell, starts_formula

MAX_CELL_CHARS = 32_767
DATE_FORMAT = "d mmmm yyyy"
IMPORT_COLUMNS: tuple[str, ...] = (
    "Name",
    "Job title",
    "Role",
    "Start date",
    "Leaving date",
    "Last training date",
    "Course",
    "Provider",
)


def _text(cell: Cell, value: object) -> None:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))[:MAX_CELL_CHARS]
    if not text:
        cell.value = None
        return
    cell.value = text
    cell.data_type = "s"
    if starts_formula(text):
        cell.quotePrefix = True


def _date(cell: Cell, value: dt.date | None) -> None:
    cell.value = value
    if value is not None:
        cell.number_format = DATE_FORMAT


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _headings(sheet, row: int, headings: Sequence[str], widths: Sequence[int]) -> None:
    for column, (heading, width) in enumerate(zip(headings, widths, strict=True), start=1):
        cell = sheet.cell(row=row, column=column)
        _text(cell, heading)
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width


@dataclass(frozen=True)
class ReportRow:
    name: str
    job_title: str
    role: str
    start_date: dt.date | None
    leaving_date: dt.date | None
    last_training: dt.date | None
    course: str
    provider: str
    status: str


@dataclass(frozen=True)
class TrainingReport:
    organisation_name: str
    ods_code: str
    as_at: dt.date
    headline: str  # "17 of 18 people (94 %) trained in the last 12 months as at 1 May 2026"
    threshold: str
    rows: Sequence[ReportRow]


REPORT_HEADINGS = (
    "Name",
    "Job title",
    "Role",
    "Start date",
    "Leaving date",
    "Last training",
    "Course",
    "Provider",
    "Status",
)


def build_training_report(report: TrainingReport) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Staff training"
    _text(sheet.cell(row=1, column=1), f"Staff training register: {report.organisation_name}")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _text(sheet.cell(row=2, column=1), f"ODS code {report.ods_code}")
    _text(sheet.cell(row=3, column=1), report.headline)
    sheet.cell(row=3, column=1).font = Font(bold=True)
    _text(sheet.cell(row=4, column=1), report.threshold)
    _headings(sheet, 6, REPORT_HEADINGS, (28, 24, 16, 14, 14, 14, 30, 24, 16))
    for offset, row in enumerate(report.rows, start=7):
        _text(sheet.cell(row=offset, column=1), row.name)
        _text(sheet.cell(row=offset, column=2), row.job_title)
        _text(sheet.cell(row=offset, column=3), row.role)
        _date(sheet.cell(row=offset, column=4), row.start_date)
        _date(sheet.cell(row=offset, column=5), row.leaving_date)
        _date(sheet.cell(row=offset, column=6), row.last_training)
        _text(sheet.cell(row=offset, column=7), row.course)
        _text(sheet.cell(row=offset, column=8), row.provider)
        _text(sheet.cell(row=offset, column=9), row.status)
    sheet.freeze_panes = "A7"
    return _bytes(workbook)


TNA_HEADINGS = (
    "Job title or role",
    "Number of people",
    "Training needed (data security, cyber security)",
    "How it is delivered (e-learning, face to face, team briefing)",
    "How often",
    "Who checks it is done",
)


def build_needs_analysis(
    *, organisation_name: str, as_at: dt.date, titles: Sequence[tuple[str, int]]
) -> bytes:
    """One row per job title with its number of people; the other columns are for the manager to
    fill in."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Training needs"
    _text(sheet.cell(row=1, column=1), f"Training needs analysis: {organisation_name}")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _text(
        sheet.cell(row=2, column=1),
        "For each role, write what data security and cyber security training people need, how "
        "they get it, how often, and who checks. Review it at least once a year (item 3.1.1).",
    )
    _text(sheet.cell(row=3, column=1), "People counted from the staff training register on")
    _date(sheet.cell(row=3, column=2), as_at)
    _headings(sheet, 5, TNA_HEADINGS, (30, 12, 40, 40, 16, 24))
    for offset, (title, count) in enumerate(titles, start=6):
        _text(sheet.cell(row=offset, column=1), title)
        sheet.cell(row=offset, column=2, value=count)
        for column in range(3, 7):
            sheet.cell(row=offset, column=column).alignment = Alignment(wrap_text=True)
    sheet.freeze_panes = "A6"
    return _bytes(workbook)


def build_import_template() -> bytes:
    """The import file's headings, as CSV (any spreadsheet software opens it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(heading) for heading in IMPORT_COLUMNS])
    # UTF-8 with a byte-order mark, so Excel reads names with accents correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
