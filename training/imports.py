"""Reading a file of people (CSV or Excel .xlsx) for the staff training register. No database.

Whole-file problems (empty, too big, not a spreadsheet, no Name heading, too many rows) raise
`ImportFileError` with one message. Otherwise every data row is either read or reported with its
row number and why; the import writes nothing unless every row was read (services.staff_import):
half a staff list would make the percentage trained wrong without anyone noticing.

Dates are read as spreadsheet software leaves them: real date cells, Excel day numbers, and text
as 31/01/2024 (day first, as in the UK) or 2024-01-31. Columns the import does not read are
named back to the person rather than dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import openpyxl

from assessments.uploads import UploadRejected, check_upload
from assessments.vocabulary import format_date
from organisations.directory import csv_text

from . import rules

IMPORT_ROW_LIMIT = 1000
IMPORT_MAX_BYTES = 5 * 1024 * 1024
MAX_TEXT = 200

_XLSX_MAGIC = b"PK\x03\x04"
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")

# Header cells, as lower-case letters only ("Start date" is startdate).
HEADERS: dict[str, frozenset[str]] = {
    "name": frozenset({"name", "fullname", "staffname", "personname", "employeename"}),
    "job_title": frozenset({"jobtitle", "title", "job", "position", "jobrole"}),
    "role": frozenset({"role", "type", "stafftype"}),
    "start_date": frozenset({"startdate", "started", "start", "datestarted", "joined"}),
    "leaving_date": frozenset({"leavingdate", "leftdate", "left", "enddate", "leavedate"}),
    "training_date": frozenset(
        {
            "lasttrainingdate",
            "trainingdate",
            "lasttrained",
            "datetrained",
            "trainingcompleted",
            "completedon",
            "completed",
        }
    ),
    "course": frozenset({"course", "coursename", "lastcourse", "training"}),
    "provider": frozenset({"provider", "trainingprovider", "courseprovider"}),
}
ROLE_WORDS = {
    "staff": "staff",
    "staffmember": "staff",
    "employee": "staff",
    "director": "director",
    "trustee": "trustee",
    "volunteer": "volunteer",
}
ROLE_HINT = "Staff member, Director, Trustee or Volunteer"


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportProblem:
    row: int
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


@dataclass(frozen=True)
class ImportedPerson:
    row: int
    name: str
    job_title: str
    role: str
    start_date: dt.date | None
    leaving_date: dt.date | None
    training_date: dt.date | None
    course: str
    provider: str


@dataclass
class ImportResult:
    people: list[ImportedPerson] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.people)


def _letters(value: object) -> str:
    return re.sub(r"[^a-z]", "", str(value or "").lower())


def _blank(cells: Sequence[object]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in cells)


# --- Reading rows --------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[Sequence[object]]:
    text = csv_text(data)
    if text is None:
        raise ImportFileError("The selected file must be a CSV file or an Excel .xlsx workbook")
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text), delimiter=delimiter)
    except csv.Error:
        raise ImportFileError(
            "The file could not be read as CSV. Save it again from your spreadsheet software "
            "as CSV, or upload an Excel .xlsx workbook"
        ) from None


def _xlsx_rows(data: bytes) -> Iterator[Sequence[object]]:
    try:
        check_upload(name="staff.xlsx", stream=io.BytesIO(data))
    except UploadRejected as rejection:
        raise ImportFileError(rejection.message) from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, KeyError) for a damaged file
        raise ImportFileError(
            "The file could not be opened as an Excel .xlsx workbook. Save it again from your "
            "spreadsheet software, or upload a CSV file"
        ) from None
    try:
        if not workbook.worksheets:
            return
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception:  # a damaged sheet inside a readable workbook
                raise ImportFileError(
                    "Part of the workbook is damaged and could not be read. Save it again from "
                    "your spreadsheet software, or upload a CSV file"
                ) from None
            yield cells
    finally:
        workbook.close()


def _rows(data: bytes) -> Iterator[Sequence[object]]:
    if not data.strip():
        raise ImportFileError("The selected file is empty")
    if len(data) > IMPORT_MAX_BYTES:
        raise ImportFileError(
            f"The selected file must be smaller than {IMPORT_MAX_BYTES // (1024 * 1024)} MB"
        )
    if data.startswith(_XLSX_MAGIC):
        return _xlsx_rows(data)
    if data.startswith(_OLD_EXCEL_MAGIC):
        raise ImportFileError(
            "The file is an old Excel .xls workbook. Save it as .xlsx or CSV and upload it again"
        )
    return _csv_rows(data)


# --- One cell ------------------------------------------------------------------------------------


class _CellRejected(Exception):
    pass


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def cell_date(value: object, *, what: str) -> dt.date | None:
    """A date from a cell: a date cell, an Excel day number, or text as 31/01/2024 or
    2024-01-31. Raises _CellRejected with the reason."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value <= 2_958_465:
            raise _CellRejected(f"the {what} {cell_text(value)} is not a date")
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    text = cell_text(value)
    if not text:
        return None
    if match := _DAY_FIRST.match(text):
        day, month, year = match.groups()
        if len(year) == 2:
            raise _CellRejected(
                f"write the year of the {what} in full, for example 31/01/2024 not 31/01/24"
            )
    elif match := _ISO.match(text):
        year, month, day = match.groups()
    else:
        raise _CellRejected(
            f'the {what} "{text[:40]}" is not a date. Write dates like 31/01/2024 or 2024-01-31'
        )
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _CellRejected(f'the {what} "{text}" is not a real date') from None


def _limited(text: str, what: str) -> str:
    if len(text) > MAX_TEXT:
        raise _CellRejected(f"the {what} must be {MAX_TEXT} characters or fewer")
    return text


# --- The file ------------------------------------------------------------------------------------


def _header(cells: Sequence[object]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for position, cell in enumerate(cells):
        letters = _letters(cell)
        if not letters:
            continue
        for key, names in HEADERS.items():
            if letters in names and key not in columns:
                columns[key] = position
                break
        else:
            ignored.append(cell_text(cell)[:40])
    return columns, ignored


def _person(
    number: int, cells: Sequence[object], columns: dict[str, int], today: dt.date
) -> tuple[ImportedPerson | None, list[str]]:
    def value(key: str) -> object:
        position = columns.get(key)
        return cells[position] if position is not None and position < len(cells) else None

    reasons: list[str] = []

    def read(reader, *args, **kwargs):
        try:
            return reader(*args, **kwargs)
        except _CellRejected as rejection:
            reasons.append(str(rejection))
            return None

    name = read(_limited, cell_text(value("name")), "name") or ""
    if not name and not reasons:
        reasons.append("enter the person's name")
    job_title = read(_limited, cell_text(value("job_title")), "job title") or ""
    role_text = _letters(value("role"))
    role = ROLE_WORDS.get(role_text, "") if role_text else "staff"
    if not role:
        reasons.append(f'the role "{cell_text(value("role"))[:40]}" must be {ROLE_HINT}')
    start = read(cell_date, value("start_date"), what="start date")
    leaving = read(cell_date, value("leaving_date"), what="leaving date")
    if problem := rules.leaving_date_problem(start, leaving):
        reasons.append(problem[:1].lower() + problem[1:])
    trained = read(cell_date, value("training_date"), what="last training date")
    course = read(_limited, cell_text(value("course")), "course") or ""
    provider = read(_limited, cell_text(value("provider")), "provider") or ""
    if trained is not None:
        if problem := rules.training_date_problem(trained, today=today):
            reasons.append(problem[:1].lower() + problem[1:])
        if not course:
            reasons.append("enter the course for the last training date")
    elif course or provider:
        reasons.append("enter the last training date for the course")
    if reasons:
        return None, reasons
    return (
        ImportedPerson(
            row=number,
            name=name,
            job_title=job_title,
            role=role,
            start_date=start,
            leaving_date=leaving,
            training_date=trained,
            course=course,
            provider=provider,
        ),
        [],
    )


def _described(name: str, start: dt.date | None) -> str:
    return f"{name} (started {format_date(start)})" if start else f"{name} (no start date)"


def people_from_file(
    data: bytes, *, today: dt.date, existing: set[tuple[str, dt.date | None]]
) -> ImportResult:
    """Every row of the file read or reported. `existing` holds `rules.same_person_key` of the
    people already in the register."""
    result = ImportResult()
    columns: dict[str, int] | None = None
    seen: dict[tuple[str, dt.date | None], int] = {}
    data_rows = 0
    for number, cells in enumerate(_rows(data), start=1):
        if _blank(cells):
            continue
        if columns is None:
            columns, result.ignored_columns = _header(cells)
            if "name" not in columns:
                raise ImportFileError(
                    "The first row must hold the column headings, one of them Name. Download "
                    "the template to see the headings the import reads"
                )
            continue
        data_rows += 1
        if data_rows > IMPORT_ROW_LIMIT:
            raise ImportFileError(
                f"The file has more than {IMPORT_ROW_LIMIT:,} people. Import up to "
                f"{IMPORT_ROW_LIMIT:,} at a time: split the file into parts"
            )
        person, reasons = _person(number, cells, columns, today)
        result.problems.extend(ImportProblem(number, reason) for reason in reasons)
        if person is None:
            continue
        key = rules.same_person_key(person.name, person.start_date)
        if key in existing:
            result.problems.append(
                ImportProblem(
                    number,
                    f"{_described(person.name, person.start_date)} is already in the register",
                )
            )
        elif key in seen:
            result.problems.append(
                ImportProblem(
                    number,
                    f"{_described(person.name, person.start_date)} is also on row {seen[key]}",
                )
            )
        else:
            seen[key] = number
            result.people.append(person)
    if columns is None:
        raise ImportFileError("The selected file is empty")
    if data_rows == 0:
        raise ImportFileError("The file has headings but no people. Add one person a row")
    return result
