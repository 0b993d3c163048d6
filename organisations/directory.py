"""Reading the national directory files into plain records.

Two kinds of file feed the directory: NHS ODS standard CSV files (headerless, 27 columns) and the
toolkit's public organisation search export (xlsx or csv, with a header row). Nothing here touches
the database: a file is read and checked in full before the importer writes anything, so a bad
file is refused as a whole and every bad row can be reported by the number a person sees in a
spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.core.exceptions import ValidationError
from openpyxl.utils.exceptions import InvalidFileException

from .models import PrimarySector
from .ods import normalise_ods_code, validate_directory_code
from .sectors import sector_names

ODS = "ods"
TOOLKIT_EXPORT = "toolkit_export"

ODS_COLUMN_COUNT = 27

# Called with (rows done, rows in total) while a long file is read.
Progress = Callable[[int, int], None]

# Model fields each format writes. Kind and parent are not listed: the ODS importer works them out
# from the parent code column, and the export says nothing about them.
ODS_FIELDS = (
    "name",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "town",
    "county",
    "postcode",
    "telephone",
    "opened_on",
    "closed_on",
)
EXPORT_FIELDS = (
    "name",
    "primary_sector",
    "directory_status",
    "directory_published_on",
    "directory_publication_note",
)

# ODS file names say what they hold (etr = NHS trusts, ecarehomesite = care home sites, ...).
SECTOR_BY_FILE_NAME = {
    "etr": PrimarySector.NHS_TRUST.value,
    "ets": PrimarySector.NHS_TRUST.value,
    "etrust": PrimarySector.NHS_TRUST.value,
    "ecarehomehq": PrimarySector.SOCIAL_CARE.value,
    "ecarehomesite": PrimarySector.SOCIAL_CARE.value,
    "ecarehomesucc": PrimarySector.SOCIAL_CARE.value,
}


class DirectoryFileError(Exception):
    """The file as a whole cannot be imported. The message is one line, written for a person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # None for something about the whole file
    reason: str

    def __str__(self) -> str:
        return self.reason if self.row is None else f"Row {self.row}: {self.reason}"


@dataclass(frozen=True)
class DirectoryRecord:
    """One organisation as a file describes it. Only the fields in `DirectoryFile.fields` apply."""

    row: int
    ods_code: str
    name: str
    primary_sector: str = ""
    address_line_1: str = ""
    address_line_2: str = ""
    address_line_3: str = ""
    town: str = ""
    county: str = ""
    postcode: str = ""
    telephone: str = ""
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    parent_code: str = ""
    joined_parent_on: dt.date | None = None
    left_parent_on: dt.date | None = None
    commissioner: str = ""
    directory_status: str = ""
    directory_published_on: dt.date | None = None
    directory_publication_note: str = ""
    # A sector name the portal's list does not know (the record's sector is then blank).
    unknown_sector: str = ""


@dataclass(frozen=True)
class UnknownValue:
    """A value the import could not use, with how many rows hold it."""

    column: str  # the column's name as the file spells it
    value: str
    rows: int


@dataclass
class DirectoryFile:
    path: Path
    format: str  # ODS or TOOLKIT_EXPORT
    description: str
    fields: tuple[str, ...]
    records: list[DirectoryRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    # A sector guessed from the file name is weaker than one a richer source already gave
    # (the export says "Acute" where an ODS trust file only implies "NHS Trust").
    sector_fills_blanks_only: bool = False
    # Nothing is dropped without saying so: header columns the import does not read (each name
    # once), and values it could not use, counted per (column, value).
    unknown_columns: list[str] = field(default_factory=list)
    unknown_value_counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def unknown_values(self) -> list[UnknownValue]:
        """Most frequent first, then by column and value."""
        counted = sorted(self.unknown_value_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [UnknownValue(column, value, rows) for (column, value), rows in counted]

    @property
    def data_rows(self) -> int:
        # Every non-blank row ends up either as a record or as a problem, never neither.
        return len(self.records) + len(self.problems)

    @property
    def carries_parent_links(self) -> bool:
        return self.format == ODS


class _RowRejected(Exception):
    """Internal: the current row cannot be imported, for the reason given."""


# --- Entry point ---------------------------------------------------------------------------------


def read_directory_file(
    path: str | Path, *, sector: str | None = None, progress: Progress | None = None
) -> DirectoryFile:
    """Read an ODS standard CSV or a toolkit search export (xlsx or csv), detected by content.

    `sector` sets the primary sector of every row of an ODS file (which has no sector column); when
    it is None the sector is guessed from the file name, and left alone when that says nothing.
    """
    path = Path(path)
    if sector is not None and sector not in PrimarySector.values:
        raise ValueError(f"Unknown primary sector {sector!r}")
    if not path.exists():
        raise DirectoryFileError("The file does not exist.")
    if not path.is_file():
        raise DirectoryFileError("This is a folder, not a file.")
    data = path.read_bytes()
    if not data.strip():
        raise DirectoryFileError("The file is empty.")

    if data.startswith(b"PK\x03\x04"):
        parsed = _read_xlsx(path, data, progress=progress)
    elif data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DirectoryFileError(
            "This is an old-style Excel .xls workbook. Save it as .xlsx or CSV and try again."
        )
    else:
        parsed = _read_csv(path, _decode(data), sector=sector, progress=progress)

    if parsed.format != ODS and sector is not None:
        parsed.warnings.insert(
            0,
            RowProblem(
                None,
                f"The sector given ({sector}) is not used: "
                "the export has its own PrimarySector column.",
            ),
        )
    return parsed


def directory_format_of(data: bytes) -> str:
    """ODS or TOOLKIT_EXPORT, from the start of a file: a quick check before a long import is
    queued. Raises DirectoryFileError for a file the import would refuse as a whole (empty, binary,
    an old .xls, a CSV layout or header it does not know); an xlsx workbook's header is checked
    by the import itself."""
    if not data.strip():
        raise DirectoryFileError("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        # Only the archive's table of contents: opening the workbook itself reads every shared
        # string (seconds for a national export). Its header is checked when it is imported.
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                is_workbook = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_workbook = False
        if not is_workbook:
            raise DirectoryFileError(
                "The file is a zip archive but not an Excel .xlsx workbook that can be read."
            )
        return TOOLKIT_EXPORT
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise DirectoryFileError(
            "This is an old-style Excel .xls workbook. Save it as .xlsx or CSV and try again."
        )
    text = _decode(data)
    try:
        first = next((row for row in csv.reader(io.StringIO(text)) if not _is_blank(row)), None)
    except csv.Error as error:
        raise DirectoryFileError(f"The file cannot be read as CSV ({error}).") from None
    if first is None:
        raise DirectoryFileError("The file is empty.")
    if _looks_like_header(first):
        _match_header(first)
        return TOOLKIT_EXPORT
    if len(first) != ODS_COLUMN_COUNT:
        raise DirectoryFileError(_unrecognised_first_row(first))
    return ODS


def guess_sector(path: str | Path) -> str | None:
    """The sector an ODS file's name implies (`ods-etr-2023.csv` holds NHS trusts), if any."""
    words = re.split(r"[^a-z0-9]+", Path(path).stem.lower())
    for word in words:
        if word in SECTOR_BY_FILE_NAME:
            return SECTOR_BY_FILE_NAME[word]
    return None


def looks_like_social_care_headquarters(code: str) -> bool:
    """Social care HQ codes are four characters starting with A (`AB12`); sites start with V."""
    return len(code) == 4 and code.startswith("A") and code.isalnum()


# --- Detecting and decoding ----------------------------------------------------------------------


def csv_text(data: bytes) -> str | None:
    """The text of a CSV file as spreadsheet software saves it (UTF-8 with or without a byte-order
    mark, or Windows cp1252); None when the bytes are not text at all (a binary file)."""
    # NUL bytes never occur in a CSV; they are the quickest tell of a binary file.
    if b"\x00" in data[:65536]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows still saves CSV as cp1252 ("Save as CSV", not "CSV UTF-8").
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    sample = text[:65536]
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\x7f")
    if control > len(sample) // 100:
        return None
    return text


def _decode(data: bytes) -> str:
    text = csv_text(data)
    if text is None:
        raise _not_csv_or_xlsx()
    return text


def _not_csv_or_xlsx() -> DirectoryFileError:
    return DirectoryFileError(
        "The file holds binary data: it is neither a CSV file nor an Excel .xlsx workbook."
    )


def _width(cells: Sequence[object]) -> int:
    """Columns up to the last one with a value: xlsx rows come padded to the sheet's width."""
    for position in range(len(cells), 0, -1):
        if not _is_blank(cells[position - 1 : position]):
            return position
    return 0


def _is_blank(cells: Sequence[object]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _read_csv(
    path: Path, text: str, *, sector: str | None, progress: Progress | None
) -> DirectoryFile:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DirectoryFileError(f"The file cannot be read as CSV ({error}).") from None
    # Row numbers are positions in the list (1-based), as a spreadsheet shows them, even when a
    # quoted field holds a line break.
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if not _is_blank(row)]
    if not numbered:
        raise DirectoryFileError("The file is empty.")

    first = numbered[0][1]
    if _looks_like_header(first):
        columns = _match_header(first)
        return _read_export(
            path,
            first,
            columns,
            numbered[1:],
            description=f"toolkit organisation search export ({_layout_name(first)}, CSV)",
            header_width=_width(first),
            total=len(numbered) - 1,
            progress=progress,
        )
    if len(first) != ODS_COLUMN_COUNT:
        raise DirectoryFileError(_unrecognised_first_row(first))
    return _read_ods(path, numbered, sector=sector, progress=progress)


def _read_xlsx(path: Path, data: bytes, *, progress: Progress | None) -> DirectoryFile:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise DirectoryFileError(
            "The file is a zip archive but not an Excel .xlsx workbook that can be read."
        ) from None
    try:
        first_header: list[object] | None = None
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            # Advances `rows` past the header, so the data rows follow on from it below.
            found = next(((n, r) for n, r in enumerate(rows, start=1) if not _is_blank(r)), None)
            if found is None:
                continue  # an empty sheet
            header_number, header = found[0], list(found[1])
            if first_header is None:
                first_header = header
            if not _looks_like_header(header):
                continue
            try:
                columns = _match_header(header)
            except DirectoryFileError:
                continue
            return _read_export(
                path,
                header,
                columns,
                _numbered_rows(rows, start=header_number + 1),
                description=f"toolkit organisation search export ({_layout_name(header)}, xlsx)",
                header_width=_width(header),
                # max_row comes from the sheet's stated dimensions, so may be missing or rough;
                # it only drives the progress bar.
                total=max((sheet.max_row or 0) - header_number, 0),
                progress=progress,
            )
    finally:
        workbook.close()
    if first_header is None:
        raise DirectoryFileError("The workbook is empty.")
    # No sheet matched: explain what is wrong with the first one, the one people mean.
    _match_header(first_header)
    raise AssertionError("unreachable: _match_header raises for a header it does not match")


def _numbered_rows(
    rows: Iterable[Sequence[object]], *, start: int
) -> Iterable[tuple[int, Sequence[object]]]:
    for number, row in enumerate(rows, start=start):
        if not _is_blank(row):
            yield number, row


# --- The toolkit's organisation search export ----------------------------------------------------


def _header_key(value: object) -> str:
    """`Date Of Publication`, `dateofpublication` and ` DateOfPublication ` are the same column."""
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


@dataclass(frozen=True)
class _Column:
    key: str
    title_2019: str
    title_later: str
    names: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    required: bool = True

    def matches(self, header: str) -> bool:
        return header in self.names or any(header.startswith(p) for p in self.prefixes)


_COLUMNS = (
    _Column("name", "OrganisationName", "Organisation Name", ("organisationname", "name")),
    _Column("code", "ODSCode", "Code", ("odscode", "code", "organisationcode")),
    _Column("status", "PublicationStatus", "Status", ("publicationstatus", "status")),
    _Column(
        "published",
        "DateOfPublication",
        "Date Of Publication",
        ("dateofpublication", "publicationdate", "datepublished"),
    ),
    _Column("sector", "PrimarySector", "Primary Sector", ("primarysector", "sector")),
    # The commissioner changed name with the NHS (CCG until 2022, then ICB); 2019's header is
    # "CCG (from ODS and CQC)", later ones "ICB" or "Integrated Care Board (where available, from
    # ODS)". Optional: without it the commissioner is left as it is.
    _Column(
        "commissioner",
        "CCG",
        "Commissioner",
        ("commissioner",),
        prefixes=("ccg", "icb", "integratedcareboard", "commissioner", "commissioning"),
        required=False,
    ),
)

# Headers only the 2019 export used; anything else is read as the later layout.
_HEADERS_2019 = {"odscode", "publicationstatus"}


def _layout_name(header: Sequence[object]) -> str:
    keys = {_header_key(cell) for cell in header}
    return "2019 layout" if _HEADERS_2019 & keys else "later layout"


def _looks_like_header(row: Sequence[object]) -> bool:
    """Whether the row names one of the export's required columns exactly.

    Any such name makes the row an attempt at a header, so a file with a column missing or misspelt
    is told which one rather than being read as data. Prefix matches (`CCG...`) do not count: an
    ODS row may well hold a name starting with "CCG".
    """
    keys = {_header_key(cell) for cell in row}
    return any(keys.intersection(column.names) for column in _COLUMNS if column.required)


def _match_header(header: Sequence[object]) -> dict[str, int]:
    """Map column keys to their positions, or explain which required columns are missing."""
    keys = [_header_key(cell) for cell in header]
    columns: dict[str, int] = {}
    for column in _COLUMNS:
        for position, key in enumerate(keys):
            if column.matches(key):
                columns.setdefault(column.key, position)
                break
    missing = [c for c in _COLUMNS if c.required and c.key not in columns]
    if not missing:
        return columns

    # Name the columns as the layout the file seems to follow spells them.
    later = not _HEADERS_2019 & set(keys) and bool({"code", "status"} & set(keys))
    titles = [c.title_later if later else c.title_2019 for c in _COLUMNS]
    missing_titles = [c.title_later if later else c.title_2019 for c in missing]
    found = ", ".join(str(cell).strip() for cell in header if _text(cell)) or "nothing"
    expected = f"Expected a header row with {', '.join(titles)} (found: {found})."
    if len(missing) == len([c for c in _COLUMNS if c.required]):
        raise DirectoryFileError(f"The first row is not a header row we recognise. {expected}")
    raise DirectoryFileError(f"The file has no {_or_list(missing_titles)} column. {expected}")


def _or_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _unrecognised_first_row(first: Sequence[str]) -> str:
    code = normalise_ods_code(first[0]) if first else ""
    try:
        validate_directory_code(code)
        looks_like_ods = len(first) > 10
    except ValidationError:
        looks_like_ods = False
    if looks_like_ods:
        return (
            f"The first row has {len(first)} columns, but an ODS standard file has "
            f"{ODS_COLUMN_COUNT}. Check that this is an unedited ODS CSV file."
        )
    if len(first) == 1:
        # Spreadsheet software in some locales saves "CSV" with semicolons between columns.
        for separator, label in ((";", "semicolons"), ("\t", "tabs")):
            if separator in first[0]:
                return f"The file has {label} between columns. Save it as comma-separated CSV."
    columns = "1 column" if len(first) == 1 else f"{len(first)} columns"
    return (
        f"The file's layout is not one we know: the first row has {columns} and no "
        f"header we recognise. An ODS standard file has {ODS_COLUMN_COUNT} columns and no header; "
        "an organisation search export starts with a header row such as OrganisationName, "
        "ODSCode, PublicationStatus, DateOfPublication, PrimarySector, CCG."
    )


def _unknown_columns(header: Sequence[object], columns: dict[str, int]) -> list[str]:
    """Named header cells the import does not read, each name once, in file order."""
    used = set(columns.values())
    names = (_text(cell) for position, cell in enumerate(header) if position not in used)
    return list(dict.fromkeys(name for name in names if name))


def _read_export(
    path: Path,
    header: Sequence[object],
    columns: dict[str, int],
    rows: Iterable[tuple[int, Sequence[object]]],
    *,
    description: str,
    header_width: int,
    total: int,
    progress: Progress | None,
) -> DirectoryFile:
    fields = EXPORT_FIELDS + (("commissioner",) if "commissioner" in columns else ())
    parsed = DirectoryFile(
        path=path,
        format=TOOLKIT_EXPORT,
        description=description,
        fields=fields,
        unknown_columns=_unknown_columns(header, columns),
    )
    sector_column = _text(header[columns["sector"]])
    seen: dict[str, int] = {}
    done = 0
    for number, row in rows:
        done += 1
        if progress is not None and done % 1000 == 0:
            progress(done, max(total, done))
        try:
            record, warnings = _export_record(number, row, columns, header_width=header_width)
            _check_duplicate(record, seen)
        except _RowRejected as rejection:
            parsed.problems.append(RowProblem(number, str(rejection)))
            continue
        parsed.records.append(record)
        if record.unknown_sector:
            parsed.unknown_value_counts[(sector_column, record.unknown_sector)] += 1
        parsed.warnings.extend(RowProblem(number, warning) for warning in warnings)
    if progress is not None:
        progress(done, done)
    if not parsed.data_rows:
        parsed.warnings.append(RowProblem(None, "The file has a header row but no organisations."))
    return parsed


def _check_duplicate(record: DirectoryRecord, seen: dict[str, int]) -> None:
    earlier = seen.get(record.ods_code)
    if earlier is not None:
        raise _RowRejected(f"the code {record.ods_code} duplicates row {earlier}")
    seen[record.ods_code] = record.row


_TRAILING_BRACKET = re.compile(r"\(\s*([^()]*?)\s*\)\s*$")
_DATE_LIKE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?")


def _export_record(
    number: int, row: Sequence[object], columns: dict[str, int], *, header_width: int
) -> tuple[DirectoryRecord, list[str]]:
    # CSV rows longer than the header usually mean a name with an unquoted comma: every later
    # column is shifted, so reading on would store the wrong values.
    width = _width(row)
    if width > header_width:
        raise _RowRejected(f"the row has {width} columns but the header has {header_width}")

    def cell(key: str) -> object:
        position = columns.get(key)
        if position is None or position >= len(row):
            return None
        return row[position]

    warnings: list[str] = []
    raw_name = _text(cell("name"))
    code, warning = _export_code(cell("code"), raw_name)
    if warning:
        warnings.append(warning)
    name = _strip_code_from_name(raw_name, code)
    if not name:
        raise _RowRejected("the organisation name is empty")

    published_on, note, warning = _publication(cell("published"))
    if warning:
        warnings.append(warning)

    sector_text = _text(cell("sector"))
    sector = sector_names().value_for(sector_text)
    if sector is None:
        warnings.append(f"primary sector {sector_text!r} is not in the toolkit's list; left blank")

    record = DirectoryRecord(
        row=number,
        ods_code=code,
        name=name,
        primary_sector=sector or "",
        unknown_sector="" if sector is not None else sector_text,
        commissioner=_text(cell("commissioner")),
        directory_status=_text(cell("status")),
        directory_published_on=published_on,
        directory_publication_note=note,
    )
    return record, warnings


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class CodeRejected(ValueError):
    """A cell that holds no usable organisation code; the message says why, for a person."""


def _valid_code(value: str) -> str:
    code = normalise_ods_code(value)
    try:
        validate_directory_code(code)
    except ValidationError as error:
        if not code:
            raise _RowRejected("the organisation code is empty") from None
        raise _RowRejected(f"invalid code {value!r}: {error.messages[0]}") from None
    return code


def code_from_cell(value: object) -> str:
    """The organisation code a spreadsheet or CSV cell holds, normalised and checked as the
    directory import does: upper case, surrounding spaces gone, and all-digit codes that
    spreadsheet software turned into numbers (`204`, `204.0` as a float) read back as text.
    Raises CodeRejected with the reason otherwise (dates are the caller's to handle)."""
    try:
        if isinstance(value, bool):
            raise _RowRejected(f"invalid code {value!r}: not an organisation code")
        # Spreadsheet software turns all-digit codes (local authorities, `204`) into numbers.
        if isinstance(value, int):
            return _valid_code(str(value))
        if isinstance(value, float):
            if not value.is_integer():
                raise _RowRejected(f"invalid code {value!r}: a number, not an organisation code")
            return _valid_code(str(int(value)))
        return _valid_code(_text(value))
    except _RowRejected as rejection:
        raise CodeRejected(str(rejection)) from None


def _export_code(value: object, raw_name: str) -> tuple[str, str | None]:
    """The row's code, and a warning when it had to be recovered from the name."""
    if isinstance(value, bool | int | float):
        try:
            return code_from_cell(value), None
        except CodeRejected as rejection:
            raise _RowRejected(str(rejection)) from None

    if isinstance(value, dt.date):
        shown = value.date() if isinstance(value, dt.datetime) else value
    elif isinstance(value, str) and _DATE_LIKE.fullmatch(value.strip()):
        shown = value.strip()
    else:
        return _valid_code(_text(value)), None

    # Spreadsheet software also reads codes such as APR6 as dates (April 2006). The code survives
    # in the bracket at the end of the name, the only place it can be recovered from.
    match = _TRAILING_BRACKET.search(raw_name)
    if match:
        try:
            code = _valid_code(match.group(1))
        except _RowRejected:
            code = ""
        if code:
            warning = (
                f"the code cell held the date {shown} (a spreadsheet conversion); "
                f"used the code {code} from the name"
            )
            return code, warning
    raise _RowRejected(
        f"the code cell holds the date {shown}, not an organisation code, "
        "and the name has no code in brackets to recover it from"
    )


def _strip_code_from_name(name: str, code: str) -> str:
    """`LANGDALE HOUSE LTD (VM8L1)` → `LANGDALE HOUSE LTD`, only when the bracket is this code.

    Other brackets are part of the name (`ABBEYFIELD SOCIETY (Care Home HQ)`), and so is a bracket
    holding a different code, which often means a branch of that organisation.
    """
    match = _TRAILING_BRACKET.search(name)
    if match and normalise_ods_code(match.group(1)) == code:
        stripped = name[: match.start()].strip()
        # A name that is only the code in brackets is still better than no name.
        return stripped or name
    return name


def _publication(value: object) -> tuple[dt.date | None, str, str | None]:
    """(date published, note, warning). Text that is not a date is kept as the note."""
    if value is None:
        return None, "", None
    if isinstance(value, dt.datetime):
        return value.date(), "", None
    if isinstance(value, dt.date):
        return value, "", None
    text = _text(value)
    if not text:
        return None, "", None
    parsed = _parse_export_date(text)
    if parsed is not None:
        return parsed, "", None
    if _DATE_LIKE.fullmatch(text):
        return None, text, f"date of publication {text!r} is not a real date; kept as a note"
    return None, text, None


def _parse_export_date(text: str) -> dt.date | None:
    # Later exports write DD/MM/YYYY; a CSV saved from the 2019 xlsx may have ISO dates.
    for pattern in (
        "%d/%m/%Y",
        "%Y-%m-%d",
        "%d/%m/%Y %H:%M",
        "%d/%m/%Y %H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ):
        try:
            # A calendar date, not a moment: time.strptime parses it without a time zone.
            parsed = time.strptime(text, pattern)
        except ValueError:
            continue
        return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday)
    return None


# --- NHS ODS standard files ----------------------------------------------------------------------

# 0-based positions of the 1-based columns the ODS standard defines.
_ODS_CODE, _ODS_NAME = 0, 1
_ODS_ADDRESS = {
    "address_line_1": 4,
    "address_line_2": 5,
    "address_line_3": 6,
    "town": 7,
    "county": 8,
}
_ODS_POSTCODE, _ODS_OPENED, _ODS_CLOSED = 9, 10, 11
_ODS_PARENT, _ODS_JOINED_PARENT, _ODS_LEFT_PARENT, _ODS_TELEPHONE = 14, 15, 16, 17


def _read_ods(
    path: Path,
    rows: list[tuple[int, list[str]]],
    *,
    sector: str | None,
    progress: Progress | None,
) -> DirectoryFile:
    guessed = sector is None
    sector = sector or guess_sector(path)
    if sector:
        description = (
            f"NHS ODS standard CSV (sector {sector}{' where none is known' if guessed else ''})"
        )
        fields = (*ODS_FIELDS, "primary_sector")
    else:
        description = "NHS ODS standard CSV (sector not known, left as it is)"
        fields = ODS_FIELDS
    parsed = DirectoryFile(
        path=path,
        format=ODS,
        description=description,
        fields=fields,
        sector_fills_blanks_only=guessed,
    )
    seen: dict[str, int] = {}
    for done, (number, row) in enumerate(rows, start=1):
        if progress is not None and done % 1000 == 0:
            progress(done, len(rows))
        try:
            record = _ods_record(number, row, sector=sector or "")
            _check_duplicate(record, seen)
        except _RowRejected as rejection:
            parsed.problems.append(RowProblem(number, str(rejection)))
            continue
        parsed.records.append(record)
    if progress is not None:
        progress(len(rows), len(rows))
    return parsed


def _ods_record(number: int, row: Sequence[str], *, sector: str) -> DirectoryRecord:
    if len(row) != ODS_COLUMN_COUNT:
        raise _RowRejected(
            f"the row has {len(row)} columns; an ODS standard file has {ODS_COLUMN_COUNT}"
        )
    code = _valid_code(row[_ODS_CODE])
    name = row[_ODS_NAME].strip()
    if not name:
        raise _RowRejected("the organisation name is empty")
    return DirectoryRecord(
        row=number,
        ods_code=code,
        name=name,
        primary_sector=sector,
        **{key: row[position].strip() for key, position in _ODS_ADDRESS.items()},
        postcode=row[_ODS_POSTCODE].strip(),
        telephone=row[_ODS_TELEPHONE].strip(),
        opened_on=_ods_date(row[_ODS_OPENED], "open date"),
        closed_on=_ods_date(row[_ODS_CLOSED], "close date"),
        # Kept as written: an invalid parent code is reported by the importer as an unknown parent,
        # and the row itself is still imported.
        parent_code=normalise_ods_code(row[_ODS_PARENT]),
        joined_parent_on=_ods_date(row[_ODS_JOINED_PARENT], "join parent date"),
        left_parent_on=_ods_date(row[_ODS_LEFT_PARENT], "left parent date"),
    )


def _ods_date(value: str, label: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    if re.fullmatch(r"\d{8}", value):
        try:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise _RowRejected(f"{label} {value!r} is not a date in YYYYMMDD form")
