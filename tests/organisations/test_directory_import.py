"""The national directory import: ODS standard CSVs and the toolkit's organisation search export."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django.db import connection

from organisations.directory import (
    ODS,
    TOOLKIT_EXPORT,
    DirectoryFileError,
    guess_sector,
    read_directory_file,
)
from organisations.directory_import import directory_import
from organisations.management.commands.import_organisations import ProgressBar
from organisations.models import Organisation

from ..factories import OrganisationFactory, RegisteredOrganisationFactory

DATA = Path(__file__).resolve().parent.parent / "data"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
# The portal's own copy in fixtures/, which `make run` loads (the same file: tests/devdata).
EXPORT_2019 = (
    Path(__file__).resolve().parents[2] / "fixtures" / "dspt-organisation-search-2019-06.xlsx"
)
ODS_TRUSTS = SHARED / "ods-etr-2023.csv"

LINKS = DATA / "ecarehomesite-links.csv"
ODS_MALFORMED = DATA / "ods-malformed.csv"
EXPORT_LATER = DATA / "organisation-search-2023.csv"
EXPORT_2019_EXTRACT = DATA / "organisation-search-2019-extract.csv"

# The most statements a bulk import of the 2019 export (31,970 rows) may take.
BULK_STATEMENTS = 100  # 19 when written; row by row would be over 31,970

LATER_HEADER = ["Code", "Organisation Name", "Status", "Date Of Publication", "Primary Sector"]


def run(path: Path, **options) -> str:
    out = io.StringIO()
    call_command("import_organisations", str(path), stdout=out, **options)
    return out.getvalue()


def import_file(path: Path, **options):
    return directory_import(parsed=read_directory_file(path, **options))


def org(code: str) -> Organisation:
    return Organisation.objects.get(ods_code=code)


# --- The real files ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db
def test_real_2019_export_imports_every_row_and_is_idempotent():
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        output = run(EXPORT_2019)

    assert "toolkit organisation search export (2019 layout, xlsx)" in output
    assert "Created: 31970  Updated: 0  Unchanged: 0  Rejected: 0" in output
    assert Organisation.objects.count() == 31970
    # In bulk, not row by row (that would be tens of thousands of statements). The time it takes
    # is a figure of `make bench`.
    assert len(statements) < BULK_STATEMENTS

    langdale = org("VM8L1")
    assert langdale.name == "LANGDALE HOUSE LTD"
    assert langdale.directory_status == "Standards Met"
    assert langdale.directory_published_on == dt.date(2019, 1, 25)
    assert langdale.primary_sector == "Care Home"
    assert langdale.commissioner == "NHS WEST LEICESTERSHIRE CCG"
    assert langdale.source == Organisation.Source.TOOLKIT_EXPORT
    assert langdale.kind == Organisation.Kind.SITE

    barnsley = org("204")
    assert barnsley.name == "BARNSLEY METROPOLITAN BOROUGH COUNCIL"
    assert barnsley.primary_sector == "Local Authority"

    leaf = org("APR6")
    assert leaf.name == "LEAF CARE SERVICES LTD"
    assert "Row 15954: the code cell held the date 2006-04-01" in output

    gupta = org("V10679-765139")
    assert gupta.name == "328 BARING ROAD (V10679 - Dr Gupta)"  # a different code: kept
    assert org("DEMO DENTAL ACCOUNT 009").primary_sector == ""  # PROFILE NOT COMPLETE
    assert org("V12951").name == "2 Terminus Buildings"  # was `v12951`
    assert org("A1XD").kind == Organisation.Kind.HEADQUARTERS

    qio = org("T1QD")
    assert qio.directory_published_on is None
    assert qio.directory_publication_note == "CompletedThroughQIO"
    assert Organisation.objects.exclude(directory_publication_note="").count() == 184

    again = run(EXPORT_2019)
    assert "Created: 0  Updated: 0  Unchanged: 31970  Rejected: 0" in again
    assert Organisation.objects.count() == 31970


@pytest.mark.django_db
def test_real_ods_trust_file():
    report = import_file(ODS_TRUSTS)

    assert (report.created, report.updated, report.unchanged, report.rejected) == (211, 0, 0, [])
    assert report.description == "NHS ODS standard CSV (sector NHS Trust where none is known)"
    assert Organisation.objects.filter(primary_sector="NHS Trust").count() == 211
    assert Organisation.objects.filter(source=Organisation.Source.ODS).count() == 211

    manchester = org("R0A")
    assert manchester.name == "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST"
    assert manchester.address_line_1 == "COBBETT HOUSE"
    assert manchester.address_line_2 == "OXFORD ROAD"
    assert manchester.town == "MANCHESTER"
    assert manchester.postcode == "M13 9WL"
    assert manchester.opened_on == dt.date(2017, 10, 1)
    assert manchester.closed_on is None

    closed = dict(
        Organisation.objects.filter(closed_on__isnull=False).values_list("ods_code", "closed_on")
    )
    assert closed == {"RA4": dt.date(2023, 3, 31), "RVY": dt.date(2023, 6, 30)}
    assert org("RA4").is_closed(on=dt.date(2023, 4, 1))

    again = import_file(ODS_TRUSTS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 211)


@pytest.mark.django_db
def test_a_sector_guessed_from_the_file_name_fills_blanks_only():
    OrganisationFactory(ods_code="R0A", primary_sector="Acute")
    OrganisationFactory(ods_code="R0B", primary_sector="")
    import_file(ODS_TRUSTS)
    assert org("R0A").primary_sector == "Acute"
    assert org("R0B").primary_sector == "NHS Trust"

    import_file(ODS_TRUSTS, sector="Community Services Provider")  # said outright: applies
    assert org("R0A").primary_sector == "Community Services Provider"


# --- ODS parent links ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_ods_parent_links_make_headquarters_and_sites():
    outside_hq = OrganisationFactory(ods_code="AX99", name="Existing Group", kind="site")
    fern_bank = OrganisationFactory(ods_code="VAB06", name="FERN BANK", kind="site")
    quarry_branch = OrganisationFactory(ods_code="VQ001", kind="site")
    quarry = OrganisationFactory(ods_code="AQ77", kind="headquarters")
    abbey = OrganisationFactory(ods_code="AB12", kind="headquarters")
    Organisation.objects.filter(pk=fern_bank.pk).update(parent=abbey)
    Organisation.objects.filter(pk=quarry_branch.pk).update(parent=quarry)

    report = import_file(LINKS)

    assert report.description == "NHS ODS standard CSV (sector Social Care where none is known)"
    assert (report.created, report.updated, report.unchanged, report.rejected) == (5, 3, 0, [])
    # VAB01 comes before its HQ in the file: links are made once every row exists.
    assert org("VAB01").parent == org("AB12")
    assert org("VAB01").kind == Organisation.Kind.SITE
    assert org("VAB01").telephone == "0113 496 0001"
    assert org("AB12").kind == Organisation.Kind.HEADQUARTERS
    assert org("AB12").primary_sector == "Social Care"
    assert org("VAB05").parent == outside_hq
    assert org("AX99").kind == Organisation.Kind.HEADQUARTERS
    assert report.headquarters_marked == ["AX99"]
    # A left parent date in the past ends the link.
    assert org("VAB06").parent is None

    # Every problem row is still imported, with no link.
    for code in ("VAB02", "VAB03", "VAB04"):
        assert org(code).parent is None
    assert org("AQ77").parent is None
    assert org("VQ001").parent == quarry
    assert [str(problem) for problem in report.link_problems] == [
        "Row 3: the parent organisation AZZ9 is not in this file or the directory; not linked",
        "Row 4: the parent organisation VAB01 is itself a site of AB12, "
        "and a site cannot have branches; not linked",
        "Row 5: VAB04 names itself as its parent; not linked",
        "Row 8: AQ77 is the headquarters of VQ001, so it cannot become a site of AB12; not linked",
    ]

    again = import_file(LINKS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    assert len(again.link_problems) == 4


@pytest.mark.django_db
def test_ods_link_to_a_headquarters_already_in_the_database(tmp_path):
    OrganisationFactory(ods_code="AB12", name="ABBEY CARE GROUP LTD", kind="site")
    rows = LINKS.read_text().splitlines()[:1]  # VAB01 only, parent AB12
    path = tmp_path / "ecarehomesite-one.csv"
    path.write_text("\n".join(rows) + "\n")

    report = import_file(path)

    assert report.created == 1
    assert org("VAB01").parent == org("AB12")
    assert org("AB12").kind == Organisation.Kind.HEADQUARTERS


# --- The later export layout ---------------------------------------------------------------------


def _check_later_export(report, *, fmt: str, date_code: str) -> None:
    assert report.description == f"toolkit organisation search export (later layout, {fmt})"
    assert (report.created, report.updated, report.unchanged) == (8, 0, 0)
    assert [str(problem) for problem in report.rejected] == [
        "Row 9: the organisation name is empty",
        "Row 10: the code VM8L1 duplicates row 2",
        "Row 11: invalid code 'BAD/CODE': The organisation code may only hold letters, numbers, "
        "spaces and hyphens",
        f"Row 12: the code cell holds the date {date_code}, not an organisation code, and the name "
        "has no code in brackets to recover it from",
        "Row 13: the row has 7 columns but the header has 6",
    ]
    langdale = org("VM8L1")
    assert langdale.name == "LANGDALE HOUSE LTD"
    assert langdale.directory_status == "22/23 Standards Met"
    assert langdale.directory_published_on == dt.date(2023, 6, 30)
    assert langdale.commissioner == "NHS LEICESTER LEICESTERSHIRE AND RUTLAND ICB"
    assert org("AB12").name == "Abbey Care Group"  # bracket matched case-insensitively
    assert org("AB12").kind == Organisation.Kind.HEADQUARTERS
    assert org("AB12").directory_published_on == dt.date(2024, 7, 1)
    assert org("204").directory_published_on is None
    assert org("APR6").name == "LEAF CARE SERVICES LTD"
    smith = org("VZZ01")
    assert smith.name == "Smith, Jones & Co"
    assert smith.primary_sector == ""
    assert smith.directory_publication_note == "CompletedThroughQIO"
    assert org("VZZ02").directory_publication_note == "31/02/2023"
    assert org("VZZ05").primary_sector == ""
    warnings = [str(warning) for warning in report.warnings]
    assert warnings[0].startswith("Row 6: the code cell held the date ")
    assert warnings[1:] == [
        "Row 7: primary sector 'Care Home Services' is not in the toolkit's list; left blank",
        "Row 8: date of publication '31/02/2023' is not a real date; kept as a note",
    ]


@pytest.mark.django_db
def test_later_export_layout_csv():
    report = import_file(EXPORT_LATER)
    _check_later_export(report, fmt="CSV", date_code="02/05/2007")
    assert "used the code APR6 from the name" in str(report.warnings[0])


@pytest.mark.django_db
def test_later_export_layout_xlsx(tmp_path):
    # The same rows as the CSV, as a spreadsheet holds them: real dates, numbers for all-digit
    # codes, and the APR6 code turned into a date.
    path = tmp_path / "organisation-search.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in _csv_rows(EXPORT_LATER):
        sheet.append([_as_spreadsheet_value(value) for value in row])
    workbook.save(path)

    report = import_file(path)

    _check_later_export(report, fmt="xlsx", date_code="2007-05-02")
    assert str(report.warnings[0]) == (
        "Row 6: the code cell held the date 2006-04-01 (a spreadsheet conversion); "
        "used the code APR6 from the name"
    )


def _csv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def _as_spreadsheet_value(value: str) -> object:
    if value.isdigit():
        return int(value)
    try:
        return dt.datetime.strptime(value, "%d/%m/%Y")
    except ValueError:
        return value or None


@pytest.mark.django_db
def test_2019_layout_csv_extract_with_the_real_mess():
    report = import_file(EXPORT_2019_EXTRACT)

    assert report.description == "toolkit organisation search export (2019 layout, CSV)"
    assert (report.created, report.rejected) == (12, [])
    assert org("VM8L1").directory_published_on == dt.date(2019, 1, 25)
    assert org("VM8L1").name == "LANGDALE HOUSE LTD"
    assert org("APR6").name == "LEAF CARE SERVICES LTD"
    assert org("HOME COUNTRIES - KAINOS").name == "Home Countries - Kainos"
    assert org("204").commissioner == ""
    assert org("V11855").primary_sector == ""  # PROFILE NOT COMPLETE, no warning
    assert [str(w) for w in report.warnings] == [
        "Row 13: the code cell held the date 2006-04-01 00:00:00 (a spreadsheet conversion); "
        "used the code APR6 from the name"
    ]


@pytest.mark.django_db
def test_header_matching_is_tolerant(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        " organisationname ,ODS Code,Publication status,date of publication,PRIMARY SECTOR,"
        "CCG (from ODS)\n"
        "Langdale House (VM8L1),VM8L1,Standards Met,25/01/2019,care home,NHS LEEDS CCG\n"
    )
    report = import_file(path)
    assert report.created == 1
    assert org("VM8L1").primary_sector == "Care Home"
    assert org("VM8L1").commissioner == "NHS LEEDS CCG"


@pytest.mark.django_db
def test_export_without_commissioner_column_leaves_commissioner_alone(tmp_path):
    OrganisationFactory(ods_code="VM8L1", commissioner="NHS LEEDS CCG")
    path = tmp_path / "export.csv"
    path.write_text(",".join(LATER_HEADER) + "\nVM8L1,Langdale House,Standards Met,,Care Home\n")
    import_file(path)
    assert org("VM8L1").commissioner == "NHS LEEDS CCG"


@pytest.mark.django_db
def test_cp1252_csv_is_read(tmp_path):
    path = tmp_path / "export.csv"
    text = ",".join(LATER_HEADER) + "\r\nVM8L1,Caf\u00e9 Lodge,Standards Met,,Care Home\r\n"
    path.write_bytes(text.encode("cp1252"))
    import_file(path)
    assert org("VM8L1").name == "Caf\u00e9 Lodge"


# --- What the import leaves alone ----------------------------------------------------------------


@pytest.mark.django_db
def test_registered_organisation_keeps_what_the_portal_owns():
    registered = RegisteredOrganisationFactory(
        ods_code="VM8L1", name="Langdale House", primary_sector="Social Care"
    )
    registered_at = registered.registered_at

    report = import_file(EXPORT_LATER)

    assert report.updated == 1
    langdale = org("VM8L1")
    assert langdale.name == "LANGDALE HOUSE LTD"
    assert langdale.directory_status == "22/23 Standards Met"
    assert langdale.primary_sector == "Social Care"  # chosen in its profile
    assert langdale.registration_state == Organisation.RegistrationState.REGISTERED
    assert langdale.registered_at == registered_at
    assert langdale.source == Organisation.Source.TOOLKIT_EXPORT
    assert hasattr(langdale, "profile")


@pytest.mark.django_db
def test_export_leaves_kind_and_parent_alone():
    # AB12 has the shape of a social care HQ code, but only new rows are guessed from it.
    OrganisationFactory(ods_code="AB12", kind="site")
    hq = OrganisationFactory(ods_code="AX11", kind="headquarters")
    OrganisationFactory(ods_code="VM8L1", kind="site", parent=hq)

    import_file(EXPORT_LATER)

    assert org("AB12").kind == Organisation.Kind.SITE
    assert org("VM8L1").parent == hq
    assert org("VM8L1").kind == Organisation.Kind.SITE


@pytest.mark.django_db
def test_ods_file_without_a_known_sector_leaves_the_sector_alone(tmp_path):
    OrganisationFactory(ods_code="R0A", primary_sector="Acute")
    path = tmp_path / "extract.csv"
    path.write_text(ODS_TRUSTS.read_text().splitlines()[0] + "\n")

    report = import_file(path)

    assert report.description == "NHS ODS standard CSV (sector not known, left as it is)"
    assert org("R0A").primary_sector == "Acute"
    assert org("R0A").postcode == "M13 9WL"


@pytest.mark.django_db
def test_sector_option_overrides_the_file_name(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_text(ODS_TRUSTS.read_text().splitlines()[0] + "\n")
    run(path, sector="Acute")
    assert org("R0A").primary_sector == "Acute"


@pytest.mark.parametrize(
    ("name", "sector"),
    [
        ("ods-etr-2023.csv", "NHS Trust"),
        ("ets.csv", "NHS Trust"),
        ("etrust_2024.csv", "NHS Trust"),
        ("ecarehomehq.csv", "Social Care"),
        ("ECAREHOMESITE.CSV", "Social Care"),
        ("ecarehomesucc-2025-06.csv", "Social Care"),
        ("trusts.csv", None),
        ("egpcur.csv", None),
    ],
)
def test_guess_sector(name, sector):
    assert guess_sector(name) == sector


@pytest.mark.django_db
def test_update_path_without_postgresql_gives_the_same_result(monkeypatch):
    # The PostgreSQL fast path and the ORM's bulk_update must write the same thing.
    import_file(EXPORT_LATER)
    Organisation.objects.update(directory_status="old", commissioner="old")
    monkeypatch.setattr(connection, "vendor", "other")

    report = import_file(EXPORT_LATER)

    assert report.updated == 8
    assert org("VM8L1").directory_status == "22/23 Standards Met"
    assert org("APR6").commissioner == ""


@pytest.mark.django_db
def test_updates_on_postgresql_keep_dates_and_nulls(tmp_path):
    OrganisationFactory(
        ods_code="R0A", opened_on=dt.date(2000, 1, 1), closed_on=dt.date(2001, 1, 1)
    )
    before = org("R0A").updated_at
    path = tmp_path / "ods-etr.csv"
    path.write_text(ODS_TRUSTS.read_text().splitlines()[0] + "\n")

    report = import_file(path)

    assert report.updated == 1
    trust = org("R0A")
    assert trust.opened_on == dt.date(2017, 10, 1)
    assert trust.closed_on is None
    assert trust.updated_at > before


# --- Malformed files -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_malformed_ods_rows_are_each_reported():
    report = import_file(ODS_MALFORMED)

    assert [str(problem) for problem in report.rejected] == [
        "Row 2: open date '2023130' is not a date in YYYYMMDD form",
        "Row 3: the row has 26 columns; an ODS standard file has 27",
        "Row 4: the code R1A duplicates row 1",
        "Row 5: the organisation code is empty",
        "Row 6: invalid code 'R1/D': The organisation code may only hold letters, numbers, "
        "spaces and hyphens",
        "Row 7: the organisation name is empty",
        "Row 9: close date '20230231' is not a date in YYYYMMDD form",
        "Row 11: the name is longer than 255 characters",
    ]
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    # Row 8 is blank: not a data row.
    assert report.data_rows == 10
    assert sorted(Organisation.objects.values_list("ods_code", flat=True)) == ["R1A", "R1G"]


@pytest.mark.django_db
def test_counts_always_add_up_to_the_data_rows():
    for path in (ODS_MALFORMED, EXPORT_LATER, LINKS):
        report = import_file(path)
        counted = report.created + report.updated + report.unchanged + report.rejected_count
        assert counted == report.data_rows


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def _whole_file_error_cases(tmp_path: Path) -> list[tuple[Path, str]]:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    blank_lines = tmp_path / "blank.csv"
    blank_lines.write_text("\n\n,,,\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 8)
    zip_not_xlsx = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(zip_not_xlsx, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    missing_code = tmp_path / "missing-code.csv"
    missing_code.write_text(
        "OrganisationName,PublicationStatus,DateOfPublication,PrimarySector,CCG\n"
        "Langdale House,Standards Met,,Care Home,\n"
    )
    missing_two = tmp_path / "missing-two.csv"
    missing_two.write_text("Code,Organisation Name,Status\nVM8L1,Langdale House,Met\n")
    short_ods = tmp_path / "ods-short.csv"
    short_ods.write_text(",".join(['"R0A"', '"TRUST"'] + ['""'] * 24) + "\n")
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("Code;Organisation Name;Status\nVM8L1;Langdale House;Met\n")
    unknown = tmp_path / "people.csv"
    unknown.write_text("email,phone\nx@example.com,0113\n")
    wrong_headers = _xlsx(tmp_path / "staff.xlsx", [["Name", "Email"], ["Ann", "ann@example.com"]])
    no_header = _xlsx(tmp_path / "numbers.xlsx", [["Foo", "Bar"], [1, 2]])
    empty_workbook = _xlsx(tmp_path / "empty.xlsx", [])
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    return [
        (tmp_path / "nope.csv", "nope.csv: The file does not exist."),
        (empty, "empty.csv: The file is empty."),
        (blank_lines, "blank.csv: The file is empty."),
        (garbage, "garbage.csv: The file holds binary data: it is neither a CSV file nor an "),
        (zip_not_xlsx, "archive.xlsx: The file is a zip archive but not an Excel .xlsx workbook"),
        (
            missing_code,
            "missing-code.csv: The file has no ODSCode column. Expected a header row with "
            "OrganisationName, ODSCode, PublicationStatus, DateOfPublication, PrimarySector, CCG "
            "(found: OrganisationName, PublicationStatus, DateOfPublication, PrimarySector, CCG).",
        ),
        (
            missing_two,
            "missing-two.csv: The file has no Date Of Publication or Primary Sector column. "
            "Expected a header row with Organisation Name, Code, Status, Date Of Publication",
        ),
        (
            short_ods,
            "ods-short.csv: The first row has 26 columns, but an ODS standard file has 27.",
        ),
        (unknown, "people.csv: The file's layout is not one we know: the first row has 2 columns"),
        (
            semicolons,
            "semicolons.csv: The file has semicolons between columns. "
            "Save it as comma-separated CSV.",
        ),
        (
            wrong_headers,
            "staff.xlsx: The file has no ODSCode, PublicationStatus, DateOfPublication or "
            "PrimarySector column.",
        ),
        (no_header, "numbers.xlsx: The first row is not a header row we recognise. Expected"),
        (empty_workbook, "empty.xlsx: The workbook is empty."),
        (old_excel, "old.xls: This is an old-style Excel .xls workbook."),
    ]


@pytest.mark.django_db
def test_whole_file_errors_raise_command_error_and_write_nothing(tmp_path):
    for path, message in _whole_file_error_cases(tmp_path):
        with pytest.raises(CommandError) as raised:
            call_command("import_organisations", str(path), stdout=io.StringIO())
        assert str(raised.value).startswith(f"{path.parent}/{message}"), path.name
        assert "\n" not in str(raised.value)
    assert Organisation.objects.count() == 0


@pytest.mark.django_db
def test_a_bad_file_stops_the_run_before_a_good_one_is_written(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty"):
        call_command("import_organisations", str(EXPORT_LATER), str(empty), stdout=io.StringIO())
    assert Organisation.objects.count() == 0


def test_parsing_raises_directory_file_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DirectoryFileError, match="The file is empty"):
        read_directory_file(path)


def test_header_only_file_imports_nothing_with_a_warning(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(",".join(LATER_HEADER) + "\n")
    parsed = read_directory_file(path)
    assert parsed.format == TOOLKIT_EXPORT
    assert parsed.data_rows == 0
    assert [str(w) for w in parsed.warnings] == ["The file has a header row but no organisations."]


def test_ods_file_is_detected_by_content_not_name(tmp_path):
    path = tmp_path / "export.xlsx.csv"
    path.write_text(ODS_TRUSTS.read_text().splitlines()[0] + "\n")
    assert read_directory_file(path).format == ODS


# --- The command ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_report():
    output = run(ODS_MALFORMED)
    lines = output.splitlines()
    assert lines[0] == "ods-malformed.csv: NHS ODS standard CSV (sector not known, left as it is)"
    assert lines[1] == "Created: 2  Updated: 0  Unchanged: 0  Rejected: 8"
    assert lines[2] == "Rejected rows:"
    assert "  Row 2: open date '2023130' is not a date in YYYYMMDD form" in lines
    assert "  Row 4: the code R1A duplicates row 1" in lines


@pytest.mark.django_db
def test_command_reports_links_and_warnings_and_several_files():
    output = run(EXPORT_LATER)
    assert "Warnings:" in output
    assert "  Row 7: primary sector 'Care Home Services' is not in the toolkit's list" in output

    out = io.StringIO()
    call_command("import_organisations", str(LINKS), str(EXPORT_LATER), stdout=out)
    output = out.getvalue()
    assert (
        "ecarehomesite-links.csv: NHS ODS standard CSV (sector Social Care where none is known)"
        in output
    )
    assert "Imported, but not linked to a headquarters:" in output
    assert "  Row 3: the parent organisation AZZ9 is not in this file" in output
    assert "organisation-search-2023.csv: toolkit organisation search export" in output


@pytest.mark.django_db
def test_command_quiet_prints_only_totals():
    output = run(ODS_MALFORMED, quiet=True)
    assert output.splitlines() == [
        "ods-malformed.csv: NHS ODS standard CSV (sector not known, left as it is)",
        "Created: 2  Updated: 0  Unchanged: 0  Rejected: 8",
    ]


@pytest.mark.django_db
def test_sector_option_on_an_export_is_reported_not_used():
    output = run(EXPORT_LATER, sector="Acute")
    assert "The sector given (Acute) is not used" in output
    assert org("VM8L1").primary_sector == "Care Home"


def test_command_rejects_an_unknown_sector():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("import_organisations", str(LINKS), "--sector=Care Homes")


@pytest.mark.django_db
def test_progress_is_reported_up_to_the_total():
    calls: list[tuple[int, int]] = []
    report = directory_import(
        parsed=read_directory_file(EXPORT_LATER),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1] == (report.data_rows, report.data_rows)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_progress_bar_draws_one_line_and_throttles():
    stream = io.StringIO()
    bar = ProgressBar(OutputWrapper(stream), "Importing")
    bar(12000, 31970)
    bar(12001, 31970)  # within 0.2 s of the last drawing: skipped
    bar(31970, 31970)  # the end is always drawn
    drawn = stream.getvalue()
    assert drawn.count("\r") == 2
    assert "Importing 12000/31970 [###########...................]  37%" in drawn
    assert drawn.endswith("[##############################] 100%")
    bar.clear()
    assert stream.getvalue().endswith("\r")


@pytest.mark.django_db
def test_a_clash_with_a_concurrent_change_is_a_command_error(monkeypatch):
    from django.db import IntegrityError

    from organisations.management.commands import import_organisations

    def clash(**kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "ods_code"\nDETAIL')

    monkeypatch.setattr(import_organisations, "directory_import", clash)
    with pytest.raises(CommandError, match=r"the directory changed while it ran .*again"):
        run(EXPORT_LATER)
