"""The action plan spreadsheet: what makes a file the template, and reading an upload back.

The template itself is made by `documents.builders.action_plan` from the format written down here.
Pure (no Django imports, a test checks): bytes in, plain data out, so the view only moves files
and the rules are tested without a database.

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
from datetime import date, datetime

from openpyxl import Workbook, load_workbook

from assessments.vocabulary import format_date

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

_TEXT_DATE_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


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


def _parse_date(value: object) -> date | None:
    """The date, or None when it is not one. Accepts real dates and text as DD/MM/YYYY."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    shown = _text(value)
    for pattern, order in ((_TEXT_DATE_RE, (3, 2, 1)), (_ISO_DATE_RE, (1, 2, 3))):
        match = pattern.match(shown)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


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
            target = _parse_date(raw_date)
            if target is None:
                # The same words as the page's form and the publish rules.
                problem(f"the target date for {ref} must be a real date, written as DD/MM/YYYY")
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
