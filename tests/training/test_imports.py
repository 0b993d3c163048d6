"""Reading files of people: every row read or reported by number, whole-file problems as one
message, never an exception a person would see as a server error. No database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from training import rules
from training.imports import IMPORT_ROW_LIMIT, ImportFileError, people_from_file
from training.workbooks import build_import_template

TODAY = dt.date(2026, 5, 1)
HEADER = "Name,Job title,Role,Start date,Leaving date,Last training date,Course,Provider\n"


def read(data: bytes, existing=frozenset()):
    return people_from_file(data, today=TODAY, existing=set(existing))


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_good_csv_is_read_with_both_date_styles():
    result = read(
        (
            HEADER + "Ann Smith,Care assistant,,01/02/2024,,15/03/2026,DSA Level 1,E-learning\n"
            "Bob Jones,Director,director,2023-09-01,2026-04-30,2025-06-01,DSA,\n"
        ).encode()
    )
    assert result.problems == []
    ann, bob = result.people
    assert (ann.name, ann.role, ann.start_date, ann.training_date) == (
        "Ann Smith",
        "staff",
        dt.date(2024, 2, 1),
        dt.date(2026, 3, 15),
    )
    assert (bob.role, bob.leaving_date, bob.provider) == ("director", dt.date(2026, 4, 30), "")


def test_excel_dates_and_day_numbers_are_read():
    data = xlsx(
        [
            ["Name", "Start date", "Last training date", "Course"],
            ["Ann Smith", dt.date(2024, 2, 1), 46000, "DSA"],  # 46000 is 9 December 2025
            ["Bob Jones", "2023-09-01", "01/02/2026", "DSA"],
        ]
    )
    result = read(data)
    assert result.problems == []
    assert result.people[0].start_date == dt.date(2024, 2, 1)
    assert result.people[0].training_date == dt.date(2025, 12, 9)
    assert result.people[1].training_date == dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",Carer,,,,,,", "enter the person's name"),
        ("Ann,,,31/02/2024,,,,", 'the start date "31/02/2024" is not a real date'),
        ("Ann,,,1/2/24,,,,", "write the year of the start date in full"),
        ("Ann,,,next week,,,,", 'the start date "next week" is not a date'),
        ("Ann,,chef,,,,,", 'the role "chef" must be Staff member, Director, Trustee or Volunteer'),
        ("Ann,,,01/02/2024,01/01/2024,,,", "the leaving date must be the same as or after"),
        ("Ann,,,,,02/05/2026,DSA,", "the training date must be today or in the past"),
        ("Ann,,,,,01/01/1999,DSA,", "the training date must be in the year 2000 or later"),
        ("Ann,,,,,01/01/2026,,", "enter the course for the last training date"),
        ("Ann,,,,,,DSA,", "enter the last training date for the course"),
        ("A" * 201 + ",,,,,,,", "the name must be 200 characters or fewer"),
    ],
)
def test_bad_rows_are_reported_by_row_number(row, reason):
    result = read((HEADER + "Good Person,,,,,,,\n" + row + "\n").encode())
    assert [problem.row for problem in result.problems] == [3]
    assert reason in str(result.problems[0])
    assert str(result.problems[0]).startswith("Row 3: ")
    assert not result.ok


def test_duplicates_in_the_file_and_in_the_register_are_reported():
    existing = {rules.same_person_key("Cat Lee", dt.date(2020, 1, 1))}
    result = read(
        (
            HEADER + "Ann Smith,,,01/02/2024,,,,\n"
            "ann  smith,,,2024-02-01,,,,\n"  # the same person again
            "Ann Smith,,,02/02/2024,,,,\n"  # another start date: another person
            "Cat Lee,,,01/01/2020,,,,\n"
        ).encode(),
        existing,
    )
    assert [str(problem) for problem in result.problems] == [
        "Row 3: ann smith (started 1 February 2024) is also on row 2",
        "Row 5: Cat Lee (started 1 January 2020) is already in the register",
    ]
    assert len(result.people) == 2


def test_unknown_columns_are_named_and_blank_rows_skipped():
    result = read(b"Name,Email,Shoe size\n\nAnn Smith,ann@example.org,5\n,,\n")
    assert result.ignored_columns == ["Email", "Shoe size"]
    assert [person.name for person in result.people] == ["Ann Smith"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The selected file is empty"),
        (b"   \n\n", "The selected file is empty"),
        (b"Surname,Forename\nSmith,Ann\n", "one of them Name"),
        (b"Name,Job title\n", "no people"),
        (b"\x00\x01\x02binary" * 10, "must be a CSV file or an Excel .xlsx workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel .xls workbook"),
        (b"PK\x03\x04 not really a zip", "could not be opened"),
    ],
)
def test_whole_file_problems_are_one_message(data, message):
    with pytest.raises(ImportFileError) as raised:
        read(data)
    assert message in raised.value.message


def test_a_workbook_with_a_macro_is_refused_by_the_upload_checks():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(ImportFileError):
        read(buffer.getvalue())


def test_too_many_rows_is_one_message_not_a_slow_failure():
    rows = "".join(f"Person {number},,,,,,,\n" for number in range(10_000))
    with pytest.raises(ImportFileError) as raised:
        read((HEADER + rows).encode())
    assert f"more than {IMPORT_ROW_LIMIT:,} people" in raised.value.message
    big = xlsx([["Name"], *([f"Person {number}"] for number in range(10_000))])
    with pytest.raises(ImportFileError):
        read(big)


def test_a_file_too_big_is_refused_before_reading():
    with pytest.raises(ImportFileError) as raised:
        read(b"Name\n" + b"x" * (5 * 1024 * 1024 + 1))
    assert "smaller than 5 MB" in raised.value.message


def test_cp1252_and_semicolons_as_excel_saves_them():
    result = read("Name;Job title\nZoë Brontë;Cook\n".encode("cp1252"))
    assert [(person.name, person.job_title) for person in result.people] == [("Zoë Brontë", "Cook")]


def test_the_template_is_read_back_as_headings_with_no_people():
    with pytest.raises(ImportFileError) as raised:
        read(build_import_template())
    assert "no people" in raised.value.message
