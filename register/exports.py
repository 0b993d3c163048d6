"""The register's files in the toolkit's export layout (no Django, no database).

Every file the register gives out — the search results CSV, the bulk status check (CSV and XLSX)
and the daily open data file — has the toolkit's later export columns, with its status words in
Status ("25/26 Standards Met", "Not Published") and whether that status has lapsed in a column of
its own, so the file can be imported again (`manage.py import_organisations`) without nesting page
text such as "Out of date (…)" inside the status (ADR 8).

Cells are written safely here: `dspt_portal.spreadsheet.safe_cell` for CSV, text cells with the
quote prefix (`starts_formula`) for XLSX.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dspt_portal.spreadsheet import safe_cell, starts_formula

from .status import PublicStatus

EXPORT_HEADER: tuple[str, ...] = (
    "Code",
    "Organisation Name",
    "Status",
    "Date Of Publication",
    "Primary Sector",
    "Commissioner",
    "Out Of Date",
)
YES = "Yes"
NO = "No"
EXPORT_DATE_FORMAT = "%d/%m/%Y"
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class ExportOrganisation:
    """The directory fields an export row shows."""

    ods_code: str
    name: str
    primary_sector: str = ""
    commissioner: str = ""


def export_date(day: datetime.date | None) -> str:
    return day.strftime(EXPORT_DATE_FORMAT) if day else ""


def out_of_date_cell(status: PublicStatus) -> str:
    """ "Yes" for a lapsed status, "No" for a current one, blank when nothing was published."""
    if status.published_on is None:
        return ""
    return YES if status.out_of_date else NO


def export_row(organisation: ExportOrganisation, status: PublicStatus) -> list[str]:
    """One organisation in EXPORT_HEADER's order, as plain text (not yet made safe)."""
    return [
        organisation.ods_code,
        organisation.name,
        status.toolkit_text,
        export_date(status.published_on),
        organisation.primary_sector,
        organisation.commissioner,
        out_of_date_cell(status),
    ]


def csv_writer(stream: IO[str]):
    """A writer for the register's CSV files: CRLF lines, as spreadsheet software writes them."""
    return csv.writer(stream, lineterminator="\r\n")


def write_csv_rows(stream: IO[str], rows: Iterable[Iterable[object]]) -> None:
    """Rows written with every cell made safe (no cell ever runs as a formula)."""
    writer = csv_writer(stream)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)


def xlsx_bytes(*, title: str, rows: Iterable[Sequence[object]], widths: Sequence[int]) -> bytes:
    """A one-sheet workbook: every cell text (the first row bold), none ever run as a formula."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for position, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    for number, row in enumerate(rows):
        sheet.append([_xlsx_cell(sheet, value, bold=number == 0) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value: object, *, bold: bool) -> Cell:
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=text or None)
    if text:
        cell.data_type = "s"  # text, even when it looks like a number or a formula
        if starts_formula(text):
            cell.quotePrefix = True
    if bold:
        cell.font = _BOLD
    return cell
