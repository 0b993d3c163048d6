"""The incident log spreadsheet: every incident the log page shows, one row each.

Pure (no Django imports, a test checks): `IncidentLogWorkbook` in, the XLSX file's bytes out.
Everything people typed is written with `excel.write_text`, so a description starting "=" is
stored as text and never runs as a formula (dspt_portal/spreadsheet.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .excel import clean_text, write_datetime, write_text

SHEET_TITLE = "Incident log"
HEADERS: tuple[str, ...] = (
    "Reference",
    "Status",
    "DSPT year",
    "Started",
    "Discovered",
    "Submitted",
    "Time from discovery to report",
    "Late reason",
    "Kind of incident",
    "Cyber incident",
    "What happened",
    "Likelihood",
    "Severity",
    "Verdict when submitted",
    "Verdict now",
    "Near miss",
    "Records",
    "People",
    "Follow-ups",
    "Sent to the regulator",
    "Outcome",
    "Lessons learned",
    "Why withdrawn",
)
_WIDTHS = (
    18,
    12,
    10,
    17,
    17,
    17,
    18,
    30,
    28,
    10,
    50,
    16,
    22,
    30,
    30,
    10,
    10,
    10,
    10,
    30,
    40,
    40,
    30,
)
_HEADER_FILL = PatternFill("solid", fgColor="E8EDEE")
_HEADER_FONT = Font(bold=True)
_HEADER_BORDER = Border(bottom=Side(style="thin", color="768692"))
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class IncidentLogRow:
    reference: str  # "Draft" for a draft
    status: str
    year: str
    started_at: datetime
    discovered_at: datetime | None
    submitted_at: datetime | None
    time_to_report: str
    late_reason: str
    category: str
    cyber: str
    description: str
    likelihood: str
    severity: str
    verdict_submitted: str
    verdict_now: str
    near_miss: bool
    records: str
    people: str
    follow_ups: int
    sent: str
    outcome: str = ""
    lessons_learned: str = ""
    withdrawn_reason: str = ""


@dataclass(frozen=True)
class IncidentLogWorkbook:
    organisation_name: str
    ods_code: str
    filters_text: str  # "All incidents" or "Status: Closed; Year: 2025-26"
    generated_at: datetime
    rows: Sequence[IncidentLogRow]


def build_incident_log_workbook(data: IncidentLogWorkbook) -> bytes:
    workbook = Workbook()
    workbook.properties.creator = "DSPT self-assessment portal"
    workbook.properties.title = clean_text(f"Incident log: {data.organisation_name}")
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    write_text(
        sheet.cell(row=1, column=1), f"Incident log: {data.organisation_name} ({data.ods_code})"
    )
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    write_text(sheet.cell(row=2, column=1), data.filters_text)
    write_text(sheet.cell(row=3, column=1), "Made on")
    write_datetime(sheet.cell(row=3, column=2), data.generated_at)
    header_row = 5
    for column, (title, width) in enumerate(zip(HEADERS, _WIDTHS, strict=True), start=1):
        cell = sheet.cell(row=header_row, column=column)
        write_text(cell, title)
        cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
        cell.alignment = _WRAP
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    for offset, row in enumerate(data.rows, start=1):
        number = header_row + offset
        values: list[object] = [
            row.reference,
            row.status,
            row.year,
            row.started_at,
            row.discovered_at,
            row.submitted_at,
            row.time_to_report,
            row.late_reason,
            row.category,
            row.cyber,
            row.description,
            row.likelihood,
            row.severity,
            row.verdict_submitted,
            row.verdict_now,
            "Yes" if row.near_miss else "No",
            row.records,
            row.people,
            row.follow_ups,
            row.sent,
            row.outcome,
            row.lessons_learned,
            row.withdrawn_reason,
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column)
            if isinstance(value, datetime) or (value is None and column in (4, 5, 6)):
                write_datetime(cell, value)
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
            else:
                write_text(cell, value)
            cell.alignment = _WRAP
    if not data.rows:
        write_text(sheet.cell(row=header_row + 1, column=1), "No incidents match.")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
