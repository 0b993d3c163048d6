"""The action plan spreadsheet: build the template to download, and read it back when uploaded.

Pure (no Django imports, a test checks): bytes in, bytes or plain data out, so the view only
moves files and the rules are tested without a database.

Uploaded files are untrusted. Before openpyxl sees one we check its size, that it is a zip,
and the sizes its entries declare once unpacked: Python's zipfile never inflates an entry beyond
its declared size, so capping the declared total caps the memory a "zip bomb" can take.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessments.vocabulary import format_date

from .documents.excel import write_text
from .rules import ACTION_PLAN_MONTHS, ActionPlanLine, add_months

TEMPLATE_MARKER = "DSPT action plan template"
TEMPLATE_VERSION = "1"
PLAN_SHEET = "Action plan"
ABOUT_SHEET = "About"
HEADERS: tuple[str, ...] = (
    "Ref",
    "Section",
    "Requirement",
    "Level",
    "Action to be taken",
    "Responsible person",
    "Target date",
)
HEADER_ROW = 3
FIRST_DATA_ROW = HEADER_ROW + 1
FROZEN_CELL = f"A{FIRST_DATA_ROW}"  # title, intro and headings stay in view while scrolling

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 200
MAX_ROWS = 1000
# Rows looked at, blank ones included, before giving up on a file.
MAX_SCANNED_ROWS = 10 * MAX_ROWS
MAX_ACTION_CHARS = 2000
# Matches ActionPlanEntry.responsible_person's max_length.
MAX_PERSON_CHARS = 150

NOT_XLSX = "The selected file must be the action plan spreadsheet (XLSX) downloaded from this page"
NOT_TEMPLATE = (
    "This is not the action plan template. Download the template from this page and fill it in"
)

_COLUMN_WIDTHS = (10, 24, 60, 22, 50, 26, 14)
_LOCKED_COLUMNS = 4  # Ref, Section, Requirement, Level: ours, not the user's
_GREY = PatternFill("solid", fgColor="E8EDEE")  # NHS pale grey
_DATE_FORMAT = "DD/MM/YYYY"
_TEXT_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


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
class PlanProblem:
    row: int | None  # the row number as Excel shows it; None for the file as a whole
    message: str


@dataclass(frozen=True)
class ParsedPlan:
    # Rows that passed every check. Rows with problems are left out, so a caller should save
    # nothing unless `problems` is empty (or knowingly save only the good rows).
    lines: tuple[ActionPlanLine, ...]
    problems: tuple[PlanProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# --- building ----------------------------------------------------------------------------------


def build_action_plan_xlsx(
    *,
    organisation_name: str,
    ods_code: str,
    year: str,
    rows: Sequence[PlanRow],
    today: date,
) -> bytes:
    """The template for the items not yet done, pre-filled with any plan already saved."""
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
        ("Downloaded", today.isoformat()),
    )
    for row_number, (key, value) in enumerate(rows, start=1):
        write_text(about.cell(row=row_number, column=1), key)
        write_text(about.cell(row=row_number, column=2), value)
    about.sheet_state = "hidden"


# --- reading -----------------------------------------------------------------------------------


def _refuse(message: str) -> ParsedPlan:
    return ParsedPlan(lines=(), problems=(PlanProblem(row=None, message=message),))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a version typed as 1 comes back as 1.0
    return str(value).strip()


def _zip_problem(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return NOT_XLSX
    if len(entries) > MAX_ZIP_ENTRIES:
        return NOT_XLSX
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        return (
            "The file is too big to read once unpacked. Download the template from this page "
            "and fill it in"
        )
    return None


def _parse_date(value: object) -> tuple[date | None, str | None]:
    """(the date, None) or (None, why not). Accepts real dates and text as DD/MM/YYYY."""
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    shown = _text(value)
    for pattern, order in ((_TEXT_DATE_RE, (3, 2, 1)), (_ISO_DATE_RE, (1, 2, 3))):
        match = pattern.match(shown)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return date(year, month, day), None
            except ValueError:
                return None, f"the target date '{shown}' is not a real date"
    return None, f"the target date '{shown}' is not a date; enter it as DD/MM/YYYY"


def parse_action_plan_xlsx(
    data: bytes,
    *,
    year: str,
    ods_code: str,
    expected_refs: Sequence[str],
    today: date,
) -> ParsedPlan:
    """Read an uploaded action plan. Whole-file problems refuse it with one problem (row None);
    otherwise every row problem is listed, with row numbers as Excel shows them."""
    if len(data) > MAX_UPLOAD_BYTES:
        return _refuse("The file must be smaller than 2 MB")
    zip_problem = _zip_problem(data)
    if zip_problem:
        return _refuse(zip_problem)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a malformed file; all mean "not ours"
        return _refuse(NOT_XLSX)
    try:
        return _parse_workbook(workbook, year, ods_code, expected_refs, today)
    except Exception:  # read-only mode parses sheets lazily, so a broken sheet fails only here
        return _refuse(NOT_XLSX)
    finally:
        workbook.close()


def _parse_workbook(
    workbook: Workbook,
    year: str,
    ods_code: str,
    expected_refs: Sequence[str],
    today: date,
) -> ParsedPlan:
    if ABOUT_SHEET not in workbook.sheetnames or PLAN_SHEET not in workbook.sheetnames:
        return _refuse(NOT_TEMPLATE)
    about = {
        _text(key): _text(value)
        for key, value, *_ in workbook[ABOUT_SHEET].iter_rows(
            min_row=1, max_row=20, max_col=2, values_only=True
        )
    }
    if about.get("Template") != TEMPLATE_MARKER or about.get("Version") != TEMPLATE_VERSION:
        return _refuse(NOT_TEMPLATE)
    file_year = about.get("DSPT year", "")
    if file_year != year.strip():
        return _refuse(
            f"This action plan is for {file_year or 'another year'}; download this year's template"
        )
    file_ods = about.get("ODS code", "")
    if file_ods.upper() != ods_code.strip().upper():
        return _refuse(
            f"This action plan is for another organisation ({file_ods}); "
            "download your organisation's template from this page"
        )

    sheet = workbook[PLAN_SHEET]
    # The size a file declares may be wrong (some tools never update it) and read-only mode
    # would stop there, silently dropping rows: read every row the file really has instead.
    sheet.reset_dimensions()
    header_rows = list(
        sheet.iter_rows(
            min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=len(HEADERS) + 5, values_only=True
        )
    )
    found = [_text(value) for value in header_rows[0]] if header_rows else []
    found += [""] * (len(HEADERS) + 5 - len(found))
    expected = [heading.casefold() for heading in HEADERS] + [""] * 5
    if [value.casefold() for value in found] != expected:
        return _refuse(
            "The column headings have been changed: expected "
            + ", ".join(HEADERS)
            + " in row 3. Download the template from this page and fill it in"
        )

    too_many = (
        f"The action plan has more than {MAX_ROWS:,} rows. Download the template "
        "from this page and fill it in"
    )
    rows: list[tuple[int, tuple[object, ...]]] = []
    for row_number, values in enumerate(
        sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=len(HEADERS), values_only=True),
        start=FIRST_DATA_ROW,
    ):
        if row_number >= FIRST_DATA_ROW + MAX_SCANNED_ROWS:
            # openpyxl fills gaps between rows with empty ones, and a file can put a row at
            # 1,048,576 for a few bytes: stop rather than walk a million empty rows.
            return _refuse(too_many)
        if all(_text(value) == "" for value in values):
            continue
        rows.append((row_number, tuple(values) + (None,) * (len(HEADERS) - len(values))))
        if len(rows) > MAX_ROWS:
            return _refuse(too_many)

    return _check_rows(rows, expected_refs, today)


def _check_rows(
    rows: Sequence[tuple[int, tuple[object, ...]]],
    expected_refs: Sequence[str],
    today: date,
) -> ParsedPlan:
    expected = [ref.strip() for ref in expected_refs]
    expected_set = set(expected)
    latest = add_months(today, ACTION_PLAN_MONTHS)
    seen: set[str] = set()
    lines: list[ActionPlanLine] = []
    problems: list[PlanProblem] = []

    for row_number, values in rows:
        ref = _text(values[0])
        action, person = _text(values[4]), _text(values[5])
        raw_date = values[6]

        def problem(message: str, row_number: int = row_number) -> None:
            problems.append(PlanProblem(row=row_number, message=f"Row {row_number}: {message}"))

        if not ref:
            problem("the ref is missing; do not change the grey columns")
            continue
        if ref not in expected_set:
            problem(f"{ref} is not one of the requirements in this plan")
            continue
        if ref in seen:
            problem(f"{ref} appears more than once; keep one row for each requirement")
            continue
        seen.add(ref)

        before = len(problems)
        has_date = _text(raw_date) != ""
        if not action and not person and not has_date:
            # An untouched row: one message rather than three.
            problem(f"enter the action to be taken, responsible person and target date for {ref}")
            continue
        if not action:
            problem(f"enter the action to be taken for {ref}")
        elif len(action) > MAX_ACTION_CHARS:
            problem(
                f"the action to be taken for {ref} must be {MAX_ACTION_CHARS:,} characters or fewer"
            )
        if not person:
            problem(f"enter the responsible person for {ref}")
        elif len(person) > MAX_PERSON_CHARS:
            problem(
                f"the responsible person for {ref} must be {MAX_PERSON_CHARS} characters or fewer"
            )
        target: date | None = None
        if not has_date:
            problem(f"enter a target date for {ref}")
        else:
            target, why_not = _parse_date(raw_date)
            if target is None:
                problem(why_not or "the target date is not a date")
            elif target <= today:
                problem(f"the target date for {ref} must be in the future")
            elif target > latest:
                problem(
                    f"the target date for {ref} must be within the next 12 months "
                    f"(by {format_date(latest)})"
                )
        if len(problems) == before:
            lines.append(
                ActionPlanLine(
                    ref=ref, action=action, responsible_person=person, target_date=target
                )
            )

    for ref in expected:
        if ref not in seen:
            problems.append(
                PlanProblem(row=None, message=f"Requirement {ref} is missing from the plan")
            )
    return ParsedPlan(lines=tuple(lines), problems=tuple(problems))
