"""The bulk status check: messy lists in, one table out, the same as CSV and XLSX; bad input is a
clear message and a 4xx, never a 500."""

from __future__ import annotations

import datetime
import io
import zipfile

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import QuestionBank
from organisations.models import Organisation
from publishing.models import PublicationLevel
from register import bulk_input
from register.bulk_input import (
    BULK_ROW_LIMIT,
    BulkInputError,
    bulk_codes_from_file,
    bulk_codes_from_text,
)
from register.search import organisation_statuses_by_code

from ..factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build
from ..pages import csv_rows

TODAY = timezone.localdate()


# Reading lists (no database) -----------------------------------------------------------------

VALUE_CASES = [
    ("lower case and spaces", "  vm8l1 ", "VM8L1"),
    ("leading apostrophe", "'VM8L1", "VM8L1"),
    ("Excel text formula", '="0204"', "0204"),
    ("a number turned float", "204.0", "204"),
    ("scientific notation, recoverable", "2.04E+02", "204"),
    ("scientific notation of a code with E", "8E+123", "8E123"),
    ("a float cell", 204.0, "204"),
    ("an int cell", 204, "204"),
    ("a big float cell of a code with E", 8e123, "8E123"),
]


@pytest.mark.parametrize(
    ("value", "code"), [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES]
)
def test_messy_values_become_codes(value, code):
    assert bulk_input.normalise_bulk_value(value) == code


REFUSED_CASES = [
    ("symbols", "AB$1", "may only hold letters"),
    ("scientific notation that lost digits", "1.23457E+11", "cannot be recovered"),
    ("E code with a short exponent: 8E031 or 8E31?", "8E+31", "cannot be recovered"),
    ("a fraction", 12.5, "a number, not an organisation code"),
    ("a date cell", datetime.date(2006, 4, 1), "turned the code into one"),
    ("too long", "X" * 40, "longer than"),
    ("true", True, "not an organisation code"),
]


@pytest.mark.parametrize(
    ("value", "reason"), [c[1:] for c in REFUSED_CASES], ids=[c[0] for c in REFUSED_CASES]
)
def test_values_that_are_not_codes_are_refused_with_the_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        bulk_input.normalise_bulk_value(value)


def test_a_pasted_list_with_a_header_duplicates_and_bad_rows():
    parsed = bulk_codes_from_text("ODS code\nvm8l1\n VM8L1, ab12\n\n'VAB12\nab$$\nVM8L1\n")
    assert parsed.header_skipped
    assert parsed.codes == ["VM8L1", "AB12", "VAB12"]
    assert parsed.duplicates == [("VM8L1", [2, 3, 7])]
    assert [(p.row, p.value) for p in parsed.problems] == [(6, "ab$$")]


def test_a_csv_file_reads_the_code_column_under_its_header():
    data = "Name;ODS Code\r\nLangdale;vm8l1\r\nElm;\r\n".encode("cp1252")
    parsed = bulk_codes_from_file(data)
    assert parsed.codes == ["VM8L1"]
    assert [(p.row, p.reason) for p in parsed.problems] == [(3, "the code is empty")]


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_file_with_excel_mangled_codes():
    data = _xlsx([["Code"], ["vm8l1"], [204.0], [datetime.date(2006, 4, 1)], [None], ["ab12"]])
    parsed = bulk_codes_from_file(data)
    assert parsed.codes == ["VM8L1", "204", "AB12"]
    assert [p.row for p in parsed.problems] == [4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n ", "empty"),
        (b"PK\x03\x04 not really a zip", "could not be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel"),
        (bytes(range(256)) * 20, "must be a CSV file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "must be a CSV file"),
    ],
)
def test_files_that_cannot_be_read_are_refused_as_a_whole(data, message):
    with pytest.raises(BulkInputError, match=message):
        bulk_codes_from_file(data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    with pytest.raises(BulkInputError, match="could not be opened"):
        bulk_codes_from_file(buffer.getvalue())


def test_more_than_the_limit_is_refused():
    codes = "\n".join(f"V{n:05d}" for n in range(BULK_ROW_LIMIT))
    assert len(bulk_codes_from_text(codes).codes) == BULK_ROW_LIMIT
    with pytest.raises(BulkInputError, match="more than 5,000 rows"):
        bulk_codes_from_text(codes + "\nVEXTRA")
    with pytest.raises(BulkInputError, match="more than 5,000 rows"):
        bulk_codes_from_file(_xlsx([["Code"], *([f"V{n:05d}"] for n in range(BULK_ROW_LIMIT + 1))]))


# The page ----------------------------------------------------------------------------------------


@pytest.fixture
def register_world(db):
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=TODAY + datetime.timedelta(days=30)
    )
    hq = RegisteredOrganisationFactory(
        name="Example Care Group", ods_code="AB12", kind=Organisation.Kind.HEADQUARTERS
    )
    branch = OrganisationFactory(name="Langdale House", ods_code="VM8L1", parent=hq)
    own = RegisteredOrganisationFactory(name="Elm Lodge", ods_code="VEL01", parent=hq)
    publication_build(hq, bank, level=PublicationLevel.MET, sites=(branch, own))
    OrganisationFactory(name="Town Council", ods_code="204")
    OrganisationFactory(
        name="Beech House",
        ods_code="VBE01",
        directory_status="Standards Met",
        directory_published_on=datetime.date(2019, 1, 25),
    )
    return {"hq": hq, "branch": branch}


def _check(client, **data):
    return client.post(reverse("bulk-check"), data)


def _table(response) -> dict[str, list[str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    rows = {}
    for tr in soup.select("table tbody tr"):
        cells = [" ".join(td.get_text(" ").split()) for td in tr.find_all("td")]
        rows[cells[0].removeprefix("ODS code ")] = cells
    return rows


def _text(response) -> str:
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def test_the_form_page_is_public_and_linked_from_the_search(client, db):
    response = client.get(reverse("bulk-check"))
    assert response.status_code == 200
    assert "Check many organisations" in _text(response)
    assert reverse("bulk-check") in client.get(reverse("organisation-search")).content.decode()


def test_pasted_codes_give_one_table(client, register_world):
    response = _check(
        client, codes="ods code\nvm8l1\nVM8L1\n 'vm8l1\n204.0\nVEL01\nab12\nvbe01\nVZZ99\nab$$\n"
    )
    assert response.status_code == 200
    table = _table(response)
    assert list(table) == ["VM8L1", "204", "VEL01", "AB12", "VBE01"]
    assert table["VM8L1"][2:] == [
        "Status 25/26 Standards Met",
        table["AB12"][3],
        "Out of date No",
        "Where the status comes from Covered by the publication of Example Care Group (AB12)",
    ]
    # Registered on its own: its HQ's publication does not speak for it.
    assert table["VEL01"][2] == "Status Not Published"
    assert table["VEL01"][5].endswith("Nothing published")
    assert table["VBE01"][2:5] == [
        "Status 18/19 Standards Met",
        "Date published 25 January 2019",
        "Out of date Out of date",
    ]
    text = _text(response)
    assert "1 code not in the national directory" in text
    assert "VZZ99" in text
    assert "VM8L1 appears 3 times (rows 2, 3, 4)" in text
    assert 'Row 10 ("ab$$"): invalid code' in text
    assert "The first row was a heading" in text


def test_an_uploaded_xlsx_file(client, register_world):
    upload = SimpleUploadedFile(
        "my list.xlsx", _xlsx([["ODS Code", "Name"], ["vm8l1", "Langdale"], [204, "Council"]])
    )
    response = client.post(reverse("bulk-check"), {"file": upload})
    assert response.status_code == 200
    assert list(_table(response)) == ["VM8L1", "204"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Paste at least one ODS code, or upload a file"),
        ({"codes": "   \n  "}, "Paste at least one ODS code, or upload a file"),
        ({"codes": "ab$$\n!!"}, "We could not find any ODS codes in the list"),
        ({"file": b""}, "The selected file is empty"),
        ({"file": b"\x00\x01\x02junk" * 50}, "must be a CSV file or an Excel .xlsx workbook"),
        ({"file": b"PK\x03\x04broken"}, "could not be opened as an Excel .xlsx workbook"),
        ({"codes": "VM8L1", "file": b"VM8L1"}, "Paste the codes or upload a file, not both"),
        ({"codes": "\n".join(["VM8L1"] * 5001)}, "more than 5,000 rows"),
    ],
)
def test_bad_input_is_a_clear_message_never_a_500(client, register_world, data, message):
    if "file" in data:
        data = {**data, "file": SimpleUploadedFile("list.csv", data["file"])}
    response = client.post(reverse("bulk-check"), data)
    assert response.status_code == 400
    text = _text(response)
    assert "There is a problem" in text
    assert message in text


def test_the_download_needs_no_list_from_the_person(client, register_world):
    page = _check(client, codes="vm8l1\n204\nVZZ99\nVBE01")
    codes = BeautifulSoup(page.content, "html.parser").select_one("input[name=codes]")["value"]
    assert codes == "VM8L1,204,VZZ99,VBE01"  # the checked codes, normalised, in the page itself

    response = client.post(reverse("bulk-check-download"), {"codes": codes, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"dspt-status-check-{TODAY.isoformat()}.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == [
        "Code",
        "Organisation Name",
        "Status",
        "Date Of Publication",
        "Primary Sector",
        "Commissioner",
        "Out Of Date",
        "Source Of Status",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["VM8L1"][2] == "25/26 Standards Met"
    assert by_code["VM8L1"][6:] == [
        "No",
        "Covered by the publication of Example Care Group (AB12)",
    ]
    assert by_code["VBE01"][2:4] == ["18/19 Standards Met", "25/01/2019"]
    assert by_code["VBE01"][6] == "Yes"
    assert by_code["VZZ99"] == ["VZZ99", "", "", "", "", "", "", "Not in the national directory"]

    xlsx = client.post(reverse("bulk-check-download"), {"codes": codes, "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value or "" for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Code"
    assert [row[:3] for row in values[1:3]] == [
        ["VM8L1", "Langdale House", "25/26 Standards Met"],
        ["204", "Town Council", "Not Published"],
    ]
    assert sheet["A3"].data_type == "s"  # "204" stays text, never a number again


def test_names_cannot_run_as_formulas_in_either_download(client, db):
    OrganisationFactory(name='=HYPERLINK("http://x")', ods_code="VIN01")
    csv_response = client.post(reverse("bulk-check-download"), {"codes": "VIN01", "format": "csv"})
    assert csv_rows(csv_response)[1][1] == '\'=HYPERLINK("http://x")'
    xlsx = client.post(reverse("bulk-check-download"), {"codes": "VIN01", "format": "xlsx"})
    cell = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active["B2"]
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"
    assert cell.quotePrefix


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"codes": "VM8L1", "format": "pdf"},
        {"codes": "VM8L1,AB$$", "format": "csv"},
        {"codes": ",".join(f"V{n:05d}" for n in range(5001)), "format": "csv"},
    ],
)
def test_a_forged_download_is_refused(client, db, data):
    response = client.post(reverse("bulk-check-download"), data)
    assert response.status_code == 400
    assert "Check your list again" in _text(response)


def test_a_get_of_the_download_goes_back_to_the_form(client, db):
    response = client.get(reverse("bulk-check-download"))
    assert response.status_code == 302
    assert response["Location"] == reverse("bulk-check")


def test_5000_codes_take_four_queries(db):
    OrganisationFactory.create_batch(30)
    codes = [f"V{n:05d}" for n in range(BULK_ROW_LIMIT - 30)] + list(
        Organisation.objects.values_list("ods_code", flat=True)
    )
    with CaptureQueriesContext(connection) as queries:
        statuses = organisation_statuses_by_code(codes=codes)
    assert len(statuses.results) == 30
    assert len(statuses.unknown) == BULK_ROW_LIMIT - 30
    # Organisations, banks, the own and HQ latest publications: whatever the number of codes.
    assert len(queries.captured_queries) == 3


def test_the_check_is_rate_limited(client, db, settings):
    settings.DSPT_RATE_LIMITS_ENABLED = True
    settings.DSPT_RATE_LIMITS = {"search": 100, "verify": 100, "bulk": 2}
    cache.clear()
    try:
        assert _check(client, codes="VM8L1").status_code == 200
        assert client.get(reverse("bulk-check")).status_code == 200
        limited = _check(client, codes="VM8L1")
        assert limited.status_code == 429
        assert client.post(reverse("bulk-check-download"), {"codes": "VM8L1"}).status_code == 429
    finally:
        cache.clear()
