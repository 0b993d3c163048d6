"""Reading a list of ODS codes for the bulk status check: pasted text, a CSV file or an XLSX
workbook, as people really send them.

Each value is normalised the way the directory import reads codes
(`organisations.directory.code_from_cell`: upper case, spaces trimmed, numbers back to text), after
undoing what spreadsheet software does to codes: a leading apostrophe, `="0123"`, `204.0`, and
scientific notation (`2.04E+02`; `8E+123` from the code 8E123) where the code can be recovered.
A header row is skipped, duplicates are counted once, and every value that is not a code is
reported with its row number. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import openpyxl

from organisations.directory import CodeRejected, code_from_cell, csv_text
from organisations.ods import ODS_CODE_MAX_LENGTH

BULK_ROW_LIMIT = 5000
BULK_FILE_MAX_BYTES = 5 * 1024 * 1024
# A pasted list of 5,000 codes is about 40,000 characters; this leaves room for names beside them.
BULK_TEXT_MAX_CHARACTERS = 500_000

_XLSX_MAGIC = b"PK\x03\x04"
_OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PASTE_SEPARATORS = re.compile(r"[\s,;]+")
_EXCEL_TEXT_FORMULA = re.compile(r'^="(.*)"$')
_DECIMAL_ZERO = re.compile(r"^(\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^(\d)(?:\.(\d+))?E\+(\d{1,3})$", re.IGNORECASE)
# Header cells naming the code column, as letters only ("ODS Code" is odscode).
_HEADER_NAMES = frozenset(
    {
        "code",
        "codes",
        "ods",
        "odscode",
        "odscodes",
        "organisationcode",
        "organisationodscode",
        "orgcode",
        "sitecode",
        "providercode",
    }
)


class BulkInputError(Exception):
    """The list as a whole cannot be checked; the message is for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BulkProblem:
    row: int
    value: str
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


@dataclass
class BulkInput:
    """The codes found, each once in the order first seen, and what could not be read."""

    codes: list[str] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)
    problems: list[BulkProblem] = field(default_factory=list)
    header_skipped: bool = False

    def add(self, row: int, code: str) -> None:
        if code not in self.rows:
            self.codes.append(code)
            self.rows[code] = []
        self.rows[code].append(row)

    @property
    def duplicates(self) -> list[tuple[str, list[int]]]:
        """(code, the rows it is on) for every code given more than once."""
        return [(code, self.rows[code]) for code in self.codes if len(self.rows[code]) > 1]


def _too_many() -> BulkInputError:
    return BulkInputError(
        f"The list has more than {BULK_ROW_LIMIT:,} rows. Check up to {BULK_ROW_LIMIT:,} "
        "codes at a time: split the list into parts and check each one."
    )


# --- One value ------------------------------------------------------------------------------------


def _from_scientific(digit: str, fraction: str, exponent: str, shown: str) -> str:
    """The code behind a number spreadsheet software showed in scientific notation."""
    mantissa = (digit + fraction).rstrip("0") or "0"
    power = int(exponent)
    if power >= len(mantissa) - 1:
        whole = mantissa + "0" * (power - len(mantissa) + 1)
        if len(whole) <= ODS_CODE_MAX_LENGTH:
            return whole  # 2.04E+02 is 204
    # 8E+123 is how spreadsheet software shows the code 8E123 (a digit, E, three digits: the
    # shape of company codes such as 8J031). 8E+31 could have been 8E031 or 8E31, so it is not.
    if len(mantissa) == 1 and 100 <= power <= 999:
        return f"{mantissa}E{power}"
    raise CodeRejected(
        f"{shown} is a number in scientific notation and the code cannot be recovered from it. "
        "Format the column as text in your spreadsheet and copy the codes again"
    )


def normalise_bulk_value(value: object) -> str:
    """One cell or pasted value as a directory code; raises CodeRejected with the reason."""
    if isinstance(value, dt.datetime | dt.date):
        raise CodeRejected(
            "the cell holds a date: spreadsheet software turned the code into one. "
            "Format the column as text and type the code again"
        )
    if isinstance(value, float) and value.is_integer() and abs(value) >= 10**ODS_CODE_MAX_LENGTH:
        value = f"{value:E}"
    if isinstance(value, str):
        text = value.strip().strip("\u00a0\ufeff").strip()
        formula = _EXCEL_TEXT_FORMULA.match(text)
        if formula:
            text = formula.group(1).strip()
        text = text.lstrip("'").strip().strip('"').strip()
        zero = _DECIMAL_ZERO.match(text)
        if zero:
            text = zero.group(1)
        scientific = _SCIENTIFIC.match(text)
        if scientific:
            text = _from_scientific(
                scientific.group(1), scientific.group(2) or "", scientific.group(3), text
            )
        value = text
    return code_from_cell(value)


def _shown(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


# --- Whole lists ----------------------------------------------------------------------------------


def _is_header(cells: Sequence[object]) -> int | None:
    """The position of the code column when the row is a header row ("Code", "ODS code")."""
    for position, cell in enumerate(cells):
        if isinstance(cell, str) and re.sub(r"[^a-z]", "", cell.lower()) in _HEADER_NAMES:
            return position
    return None


def _read_rows(rows: Iterable[tuple[int, Sequence[object]]]) -> BulkInput:
    """Rows of cells (with their numbers): the code column of each, header skipped."""
    found = BulkInput()
    column = 0
    data_rows = 0
    first = True
    for number, cells in rows:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        if first:
            first = False
            header = _is_header(cells)
            if header is not None:
                column = header
                found.header_skipped = True
                continue
        data_rows += 1
        if data_rows > BULK_ROW_LIMIT:
            raise _too_many()
        value = cells[column] if column < len(cells) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            found.problems.append(BulkProblem(number, "", "the code is empty"))
            continue
        try:
            found.add(number, normalise_bulk_value(value))
        except CodeRejected as rejection:
            found.problems.append(BulkProblem(number, _shown(value), str(rejection)))
    return found


def bulk_codes_from_text(text: str) -> BulkInput:
    """A pasted list: codes one a line, or separated by commas, semicolons or spaces. The row
    number is the line's."""
    if len(text) > BULK_TEXT_MAX_CHARACTERS:
        raise _too_many()
    found = BulkInput()
    values = 0
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        tokens = [token for token in _PASTE_SEPARATORS.split(line) if token]
        if not tokens:
            continue
        first_line = not found.codes and not found.problems and not found.header_skipped
        if first_line and _is_header([line.strip()]) is not None:
            found.header_skipped = True
            continue
        for token in tokens:
            values += 1
            if values > BULK_ROW_LIMIT:
                raise _too_many()
            try:
                found.add(number, normalise_bulk_value(token))
            except CodeRejected as rejection:
                found.problems.append(BulkProblem(number, _shown(token), str(rejection)))
    return found


def bulk_codes_from_file(data: bytes) -> BulkInput:
    """An uploaded CSV or XLSX file, told apart by its content (never by its name)."""
    if not data.strip():
        raise BulkInputError("The selected file is empty")
    if len(data) > BULK_FILE_MAX_BYTES:
        raise BulkInputError(
            f"The file must be smaller than {BULK_FILE_MAX_BYTES // (1024 * 1024)} MB"
        )
    if data.startswith(_XLSX_MAGIC):
        return _read_rows(_xlsx_rows(data))
    if data.startswith(_OLD_EXCEL_MAGIC):
        raise BulkInputError(
            "The file is an old Excel .xls workbook. Save it as .xlsx or CSV and upload it again"
        )
    return _read_rows(_csv_rows(_decode(data)))


def _unreadable() -> BulkInputError:
    return BulkInputError("The selected file must be a CSV file or an Excel .xlsx workbook")


def _decode(data: bytes) -> str:
    text = csv_text(data)
    if text is None:
        raise _unreadable()
    return text


def _csv_rows(text: str) -> Iterator[tuple[int, Sequence[object]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else "\t" if "\t" in first_line else ","
    try:
        yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
    except csv.Error as error:
        raise BulkInputError(f"The file cannot be read as CSV ({error})") from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, Sequence[object]]]:
    """The first sheet's rows. A workbook that cannot be read, however it fails (a damaged zip,
    broken XML, a zip that is not a workbook), is one clear message."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, XML, KeyError) for a damaged file
        raise BulkInputError(
            "The file could not be opened as an Excel .xlsx workbook. "
            "Save it again from your spreadsheet software, or upload a CSV file"
        ) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                break
            except Exception:  # a damaged sheet inside a readable workbook
                raise BulkInputError(
                    "Part of the workbook is damaged and could not be read. Save it again from "
                    "your spreadsheet software, or upload a CSV file"
                ) from None
            number += 1
            yield number, cells
    finally:
        workbook.close()
