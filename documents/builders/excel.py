"""The assessment spreadsheet ("Download assessment", and the answers as published): every item
with its answer and comments; and the cell writing every spreadsheet the portal makes shares.

Pure (no Django imports, a test checks): `AssessmentWorkbook` in, the XLSX file's bytes out. A
summary sheet comes first, then one sheet per section. Uploaded documents are not included, only
their names.

Answers and comments are typed by users, so every text cell is written with `write_text`: a value
that spreadsheet software would run as a formula (=HYPERLINK(…), +…, -…, @…) is stored as text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assessments.vocabulary import item_level_label
from dspt_portal.spreadsheet import starts_formula
from publishing.snapshot import AnswersSnapshot

LONDON = ZoneInfo("Europe/London")

SUMMARY_SHEET = "Summary"
HEADERS: tuple[str, ...] = (
    "Ref",
    "Section",
    "Question",
    "Level",
    "Answer",
    "Comments",
    "Document name or location",
    "Last changed by",
    "Last changed at",
    "Carried forward / reviewed",
)
SUMMARY_HEADERS: tuple[str, ...] = ("Section", "Evidence items", "Answered", "Not applicable")
# What an item that does not apply (because of an earlier answer) shows as its answer.
NOT_APPLICABLE = "Not applicable"
CARRIED_FORWARD = "Carried forward – review"
REVIEWED = "Reviewed"
MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
MAX_SHEET_TITLE = 31  # Excel's limit for a sheet's name
TRUNCATED = " … (cut short: too long for one spreadsheet cell)"

_COLUMN_WIDTHS = (9, 22, 55, 20, 45, 45, 30, 22, 17, 24)
_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
_HEADER_FILL = PatternFill("solid", fgColor="E8EDEE")  # NHS pale grey
_HEADER_FONT = Font(bold=True)
_HEADER_BORDER = Border(bottom=Side(style="thin", color="768692"))
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class WorkbookOrganisation:
    name: str
    ods_code: str
    address_lines: tuple[str, ...] = ()
    sector: str = ""


@dataclass(frozen=True)
class WorkbookRow:
    ref: str
    section: str
    question: str
    level_label: str  # "Approaching Standards", "Standards Met", "Non-mandatory"
    answer: str = ""  # NOT_APPLICABLE for an item that does not apply
    comments: str = ""
    document: str = ""  # the uploaded file's name, or where the document is kept
    last_changed_by: str = ""
    last_changed_at: datetime | None = None  # aware, or naive Europe/London local time
    review_state: str = ""  # "", CARRIED_FORWARD or REVIEWED
    # Counted as answered on the summary sheet. None: answered if there is an answer or a
    # document and the item applies.
    answered: bool | None = None

    @property
    def applies(self) -> bool:
        return self.answer != NOT_APPLICABLE

    @property
    def is_answered(self) -> bool:
        if self.answered is not None:
            return self.answered
        return self.applies and bool(self.answer.strip() or self.document.strip())


@dataclass(frozen=True)
class WorkbookSummary:
    year: str  # "2025-26"
    progress_text: str
    met_text: str
    generated_at: datetime  # aware, or naive Europe/London local time
    title: str


@dataclass(frozen=True)
class AssessmentWorkbook:
    organisation: WorkbookOrganisation
    summary: WorkbookSummary
    # (section title, its rows) in the order the sheets come.
    sections: Sequence[tuple[str, Sequence[WorkbookRow]]]


# --- cells -------------------------------------------------------------------------------------


def clean_text(value: object) -> str:
    """Text a cell can hold: control characters XML cannot carry removed, cut to Excel's limit."""
    text = "" if value is None else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return text


def write_text(cell: Cell, value: object) -> None:
    """Write text that spreadsheet software will never run as a formula.

    openpyxl would store "=HYPERLINK(…)" as a formula; forcing the
    string type stores it as text, and the quote prefix (what Excel sets when someone types a
    leading apostrophe) keeps it text if the cell is edited. The value read back is unchanged.
    """
    text = clean_text(value)
    if not text:
        cell.value = None  # an empty cell, rather than an empty string
        return
    cell.value = text
    cell.data_type = "s"
    if starts_formula(text):
        cell.quotePrefix = True


def local_naive(moment: datetime | None) -> datetime | None:
    """A datetime as a spreadsheet cell holds it: London wall-clock time, no time zone."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(LONDON).replace(tzinfo=None)


def write_datetime(cell: Cell, moment: datetime | None) -> None:
    cell.value = local_naive(moment)
    cell.number_format = _DATETIME_FORMAT


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unused sheet name for a section: no []:*?/\\, at most 31 characters."""
    base = _SHEET_TITLE_BAD.sub(" ", clean_text(title))
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or "Section"
    if base.casefold() == "history":  # Excel reserves it
        base = "History section"
    candidate = base[:MAX_SHEET_TITLE].rstrip()
    number = 2
    while candidate.casefold() in taken:
        suffix = f" ({number})"
        candidate = base[: MAX_SHEET_TITLE - len(suffix)].rstrip() + suffix
        number += 1
    taken.add(candidate.casefold())
    return candidate


# --- building ----------------------------------------------------------------------------------


def build_assessment_workbook(
    data: AssessmentWorkbook, *, progress: Callable[[int], None] | None = None
) -> bytes:
    """The workbook: "Summary" first, then one sheet per section in the order given."""
    organisation, summary, sections = data.organisation, data.summary, data.sections

    def report(percent: float) -> None:
        if progress is not None:
            progress(max(0, min(100, int(percent))))

    report(0)
    workbook = Workbook()
    workbook.properties.creator = "DSPT self-assessment portal"
    workbook.properties.title = clean_text(summary.title)
    _write_summary(workbook.active, organisation, summary, sections)
    report(5)

    taken = {SUMMARY_SHEET.casefold()}
    for number, (title, rows) in enumerate(sections, start=1):
        sheet = workbook.create_sheet(sheet_title(title, taken))
        _write_section(sheet, rows)
        report(5 + 85 * number / max(len(sections), 1))

    buffer = io.BytesIO()
    workbook.save(buffer)
    report(100)
    return buffer.getvalue()


def _write_summary(
    sheet: Worksheet,
    organisation: WorkbookOrganisation,
    summary: WorkbookSummary,
    sections: Sequence[tuple[str, Sequence[WorkbookRow]]],
) -> None:
    sheet.title = SUMMARY_SHEET
    sheet.column_dimensions["A"].width = 48
    for letter in "BCD":
        sheet.column_dimensions[letter].width = 16

    write_text(sheet["A1"], summary.title)
    sheet["A1"].font = Font(bold=True, size=16)

    details: list[tuple[str, object]] = [
        ("Organisation", organisation.name),
        ("ODS code", organisation.ods_code),
        ("Address", ", ".join(line for line in organisation.address_lines if line.strip())),
        ("Sector", organisation.sector),
        ("DSPT year", summary.year),
        ("Progress", summary.progress_text),
        ("Standards Met", summary.met_text),
        ("Generated", summary.generated_at),
    ]
    row = 3
    for label, value in details:
        write_text(sheet.cell(row=row, column=1), label)
        sheet.cell(row=row, column=1).font = _HEADER_FONT
        cell = sheet.cell(row=row, column=2)
        if isinstance(value, datetime):
            write_datetime(cell, value)
            cell.alignment = Alignment(horizontal="left")
        else:
            write_text(cell, value)
        row += 1
    row += 1
    write_text(
        sheet.cell(row=row, column=1),
        "Uploaded documents are not included in this spreadsheet, only their names.",
    )
    sheet.cell(row=row, column=1).font = Font(italic=True)
    row += 2

    for column, heading in enumerate(SUMMARY_HEADERS, start=1):
        cell = sheet.cell(row=row, column=column)
        write_text(cell, heading)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _WRAP
    totals = [0, 0, 0]
    for title, rows in sections:
        row += 1
        counts = (
            len(rows),
            sum(1 for item in rows if item.is_answered),
            sum(1 for item in rows if not item.applies),
        )
        write_text(sheet.cell(row=row, column=1), title)
        sheet.cell(row=row, column=1).alignment = _WRAP
        for column, count in enumerate(counts, start=2):
            sheet.cell(row=row, column=column, value=count)
        totals = [total + count for total, count in zip(totals, counts, strict=True)]
    row += 1
    write_text(sheet.cell(row=row, column=1), "Total")
    sheet.cell(row=row, column=1).font = _HEADER_FONT
    for column, count in enumerate(totals, start=2):
        cell = sheet.cell(row=row, column=column, value=count)
        cell.font = _HEADER_FONT
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_section(sheet: Worksheet, rows: Sequence[WorkbookRow]) -> None:
    for column, heading in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=1, column=column)
        write_text(cell, heading)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _WRAP
    for column, width in enumerate(_COLUMN_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width

    for row_number, item in enumerate(rows, start=2):
        texts = (
            item.ref,
            item.section,
            item.question,
            item.level_label,
            item.answer,
            item.comments,
            item.document,
            item.last_changed_by,
        )
        for column, value in enumerate(texts, start=1):
            cell = sheet.cell(row=row_number, column=column)
            write_text(cell, value)
            cell.alignment = _WRAP
        moment = sheet.cell(row=row_number, column=9)
        write_datetime(moment, item.last_changed_at)
        moment.alignment = _TOP
        review = sheet.cell(row=row_number, column=10)
        write_text(review, item.review_state)
        review.alignment = _WRAP

    last_column = get_column_letter(len(HEADERS))
    sheet.freeze_panes = "A2"  # the header stays in view
    sheet.auto_filter.ref = f"A1:{last_column}{max(len(rows), 1) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# --- from a publication ------------------------------------------------------------------------


def rows_from_snapshot(published: AnswersSnapshot) -> list[tuple[str, list[WorkbookRow]]]:
    """The sections of a publication's answers as published, in the order published."""
    return [
        (
            section,
            [
                WorkbookRow(
                    ref=answer.ref,
                    section=section,
                    question=answer.text,
                    level_label=item_level_label(answer.level),
                    answer=answer.answer if answer.applies else NOT_APPLICABLE,
                    comments=answer.comments,
                    document=answer.document or answer.document_location,
                    last_changed_by=answer.saved_by,
                    last_changed_at=local_naive(answer.saved_at),
                    review_state="",
                    answered=answer.answered and answer.applies,
                )
                for answer in answers
            ],
        )
        for section, answers in published.by_section()
    ]
