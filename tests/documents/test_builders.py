"""The assessment spreadsheet and the certificate: data in, files out, read back. No database."""

import datetime
import io
import re
import zipfile
from pathlib import Path
from string import Template
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from documents.builders import certificate as certificate_module
from documents.builders.certificate import (
    PACKAGE_DIR,
    CertificateData,
    build_certificate_pdf,
    certificate_html,
    package_only_fetcher,
)
from documents.builders.excel import (
    CARRIED_FORWARD,
    HEADERS,
    MAX_CELL_CHARS,
    NOT_APPLICABLE,
    REVIEWED,
    SUMMARY_HEADERS,
    SUMMARY_SHEET,
    AssessmentWorkbook,
    WorkbookOrganisation,
    WorkbookRow,
    WorkbookSummary,
    build_assessment_workbook,
    rows_from_snapshot,
)
from publishing.snapshot import AnswersSnapshot

ROOT = Path(__file__).resolve().parents[2]
UTC = datetime.UTC
LONDON = ZoneInfo("Europe/London")
INJECTION = '=HYPERLINK("http://x")'

ORGANISATION = WorkbookOrganisation(
    name="Langdale House",
    ods_code="VAB12",
    address_lines=("12 Kirkland", "Kendal", "LA9 5AF"),
    sector="Care home",
)
SUMMARY = WorkbookSummary(
    year="2025-26",
    progress_text="Progress: 30 of 40 mandatory evidence items provided",
    met_text="Standards Met: 41 of 51 evidence items provided",
    generated_at=datetime.datetime(2026, 5, 10, 14, 30),
    title="Data security assessment 2025-26",
)
# The ten National Data Guardian standards, as the sections of a year's bank are named.
SECTION_TITLES = (
    "Personal confidential data",
    "Staff responsibilities",
    "Training",
    "Managing data access",
    "Process reviews",
    "Responding to incidents",
    "Continuity planning",
    "Unsupported systems",
    "IT protection",
    "Accountable suppliers",
)


def row(ref, section, **changes) -> WorkbookRow:
    values = dict(
        ref=ref,
        section=section,
        question=f"Question {ref}: does your organisation have a policy for this?",
        level_label="Standards Met",
        answer="Yes",
        comments="Reviewed at the March staff meeting.",
        document="policy.pdf",
        last_changed_by="Ann Smith",
        last_changed_at=datetime.datetime(2026, 3, 1, 12, 0),
        review_state="",
    )
    values.update(changes)
    return WorkbookRow(**values)


def sections_of(total: int) -> list[tuple[str, list[WorkbookRow]]]:
    """`total` items spread over the ten sections, as a year's bank spreads them."""
    sections = []
    for index, title in enumerate(SECTION_TITLES):
        count = total // len(SECTION_TITLES) + (1 if index < total % len(SECTION_TITLES) else 0)
        sections.append((title, [row(f"{index + 1}.1.{n + 1}", title) for n in range(count)]))
    return sections


def build(sections, progress=None) -> bytes:
    return build_assessment_workbook(
        AssessmentWorkbook(organisation=ORGANISATION, summary=SUMMARY, sections=sections),
        progress=progress,
    )


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


LONG_TITLE = "Managing data access: who/what can see [records]? *All* of it\\"
SECTIONS = [
    (
        "Personal confidential data",
        [
            row("1.1.1", "Personal confidential data", answer=INJECTION),
            row(
                "1.1.2",
                "Personal confidential data",
                answer="+44 1539 000000",
                comments="-5 days late; @everyone see\tnotes",
                document="=cmd|' /C calc'!A0",
                last_changed_at=datetime.datetime(2026, 7, 1, 11, 0, tzinfo=UTC),
                review_state=CARRIED_FORWARD,
            ),
            row(
                "1.1.3",
                "Personal confidential data",
                answer="",
                comments="",
                document="",
                last_changed_by="",
                last_changed_at=None,
            ),
        ],
    ),
    (
        LONG_TITLE,
        [
            row(
                "4.1.1",
                LONG_TITLE,
                question="A long question. " * 40,
                comments="Line one\nLine two\x07 with a bell",
                review_state=REVIEWED,
            ),
            row("4.1.2", LONG_TITLE, answer=NOT_APPLICABLE, document=""),
        ],
    ),
    # Cut to 31 characters this would be the same name as the section above.
    (LONG_TITLE + " (again)", [row("4.2.1", LONG_TITLE)]),
    ("History", []),
]


@pytest.fixture(scope="module")
def workbook():
    return read(build(SECTIONS))


# --- the spreadsheet ---------------------------------------------------------------------------


def test_sheets_summary_first_then_one_per_section_in_order(workbook):
    names = workbook.sheetnames
    assert names[0] == SUMMARY_SHEET
    assert len(names) == 1 + len(SECTIONS)
    assert names[1] == "Personal confidential data"
    for name in names:
        assert len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
    assert names[2].startswith("Managing data access")
    assert names[3] != names[2]
    assert names[3].endswith("(2)")
    assert len({name.casefold() for name in names}) == len(names)
    assert names[4].casefold() != "history"  # a name Excel reserves


def test_section_sheet_header_is_bold_frozen_filtered_and_sized(workbook):
    sheet = workbook.worksheets[1]
    assert [cell.value for cell in sheet[1]] == list(HEADERS)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J4"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJ"}
    assert widths["C"] >= 50
    assert widths["E"] >= 40
    assert widths["F"] >= 40
    assert widths["A"] < widths["C"]
    assert sheet.print_title_rows == "$1:$1"


def test_rows_hold_the_answers(workbook):
    sheet = workbook.worksheets[1]
    values = [cell.value for cell in sheet[3]]
    assert values[:8] == [
        "1.1.2",
        "Personal confidential data",
        "Question 1.1.2: does your organisation have a policy for this?",
        "Standards Met",
        "+44 1539 000000",
        "-5 days late; @everyone see\tnotes",
        "=cmd|' /C calc'!A0",
        "Ann Smith",
    ]
    assert values[9] == CARRIED_FORWARD
    assert workbook.worksheets[2]["J2"].value == REVIEWED
    # An item with nothing saved: empty cells, not empty strings or "None".
    assert [cell.value for cell in sheet[4]][4:9] == [None] * 5


def test_last_changed_is_a_real_datetime_in_london_time(workbook):
    sheet = workbook.worksheets[1]
    naive = sheet["I2"]
    assert naive.data_type == "d"
    assert naive.value == datetime.datetime(2026, 3, 1, 12, 0)
    assert "DD/MM/YYYY" in naive.number_format
    # 11:00 UTC in July is 12:00 in London (BST).
    assert sheet["I3"].value == datetime.datetime(2026, 7, 1, 12, 0)


def test_formula_injection_is_stored_as_text(workbook):
    sheet = workbook.worksheets[1]
    cell = sheet["E2"]
    assert cell.data_type == "s"
    assert cell.value == INJECTION
    assert cell.quotePrefix
    for reference in ("E3", "F3", "G3"):
        assert sheet[reference].data_type == "s"
        assert sheet[reference].quotePrefix
    # And no formula anywhere in the file.
    with zipfile.ZipFile(io.BytesIO(build(SECTIONS))) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
                assert b"<f " not in archive.read(name)


def test_formula_injection_in_names_and_titles_is_text_too():
    organisation = WorkbookOrganisation("=1+1", "@A1", ("-2",), "+3")
    summary = WorkbookSummary("2025-26", "=SUM(1)", "=SUM(2)", SUMMARY.generated_at, "=T()")
    data = build_assessment_workbook(
        AssessmentWorkbook(
            organisation=organisation,
            summary=summary,
            sections=[("=Section", [row("1", "=Section", question="=Q", last_changed_by="=U")])],
        )
    )
    workbook = read(data)
    for sheet in workbook.worksheets:
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    if cell.value.startswith("="):
                        assert cell.quotePrefix
    assert workbook[SUMMARY_SHEET]["A1"].value == "=T()"


def test_long_texts_are_wrapped_and_kept_to_the_cell_limit(workbook):
    sheet = workbook.worksheets[2]
    for reference in ("C2", "E2", "F2", "G2"):
        assert sheet[reference].alignment.wrap_text
        assert sheet[reference].alignment.vertical == "top"
    assert sheet["C2"].value == "A long question. " * 40
    # A control character XML cannot hold is dropped, not an error.
    assert sheet["F2"].value == "Line one\nLine two with a bell"

    huge = read(build([("Huge", [row("1", "Huge", comments="x" * 40_000)])]))
    assert len(huge.worksheets[1]["F2"].value) == MAX_CELL_CHARS


def test_summary_sheet(workbook):
    sheet = workbook[SUMMARY_SHEET]
    assert sheet["A1"].value == SUMMARY.title
    assert sheet["A1"].font.b
    details = {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(3, 11)
    }
    assert details == {
        "Organisation": "Langdale House",
        "ODS code": "VAB12",
        "Address": "12 Kirkland, Kendal, LA9 5AF",
        "Sector": "Care home",
        "DSPT year": "2025-26",
        "Progress": SUMMARY.progress_text,
        "Standards Met": SUMMARY.met_text,
        "Generated": datetime.datetime(2026, 5, 10, 14, 30),
    }
    rows = [tuple(values) for values in sheet.iter_rows(min_row=11, values_only=True)]
    header_at = rows.index(SUMMARY_HEADERS)
    table = rows[header_at + 1 :]
    assert table == [
        ("Personal confidential data", 3, 2, 0),
        (LONG_TITLE, 2, 1, 1),
        (LONG_TITLE + " (again)", 1, 1, 0),
        ("History", 0, 0, 0),
        ("Total", 6, 4, 1),
    ]


def test_progress_is_reported_section_by_section():
    reported = []
    build(sections_of(51), progress=reported.append)
    assert reported == sorted(reported)
    assert reported[0] == 0
    assert reported[-1] == 100
    assert len(reported) >= len(SECTION_TITLES) + 2
    assert all(isinstance(percent, int) and 0 <= percent <= 100 for percent in reported)


def test_an_empty_assessment_still_makes_a_workbook():
    workbook = read(build([]))
    assert workbook.sheetnames == [SUMMARY_SHEET]


@pytest.mark.parametrize("items", [51, 200])
def test_the_workbook_holds_every_item(items):
    # How fast it is built is measured by `make bench` (bench_documents), not asserted here.
    workbook = read(build(sections_of(items)))
    assert sum(sheet.max_row - 1 for sheet in workbook.worksheets[1:]) == items


# --- from a publication's snapshot -------------------------------------------------------------

SNAPSHOT = [
    {
        "ref": "1.1.1",
        "section": "Personal confidential data",
        "text": "Do you have a data protection policy?",
        "level": "approaching",
        "answer_type": "yes_no",
        "applies": True,
        "answered": True,
        "answer": "Yes",
        "comments": "Kept in the office",
        "document": "",
        "document_location": "Office filing cabinet",
        "saved_by": "Ann Smith",
        "saved_at": "2026-04-01T09:30:00+00:00",
    },
    {
        "ref": "1.1.2",
        "section": "Personal confidential data",
        "text": "Upload your record of processing",
        "level": "met",
        "answer_type": "document",
        "applies": True,
        "answered": True,
        "answer": "ropa.xlsx",
        "comments": "",
        "document": "ropa.xlsx",
        "document_location": "",
        "saved_by": "Ann Smith",
        "saved_at": "2026-01-15T09:30:00+00:00",
    },
    {
        "ref": "2.1.1",
        "section": "Staff responsibilities",
        "text": "Do staff sign a confidentiality agreement?",
        "level": "optional",
        "answer_type": "yes_no",
        "applies": False,
        "answered": False,
        "answer": "",
        "comments": "",
        "document": "",
        "document_location": "",
        "saved_by": "",
        "saved_at": "",
    },
    {
        "ref": "1.2.1",
        "section": "Personal confidential data",
        "text": "When was the policy last reviewed?",
        "level": "met",
        "answer_type": "date",
        "applies": True,
        "answered": False,
        "answer": "",
        "comments": "",
        "document": "",
        "document_location": "",
        "saved_by": "",
        "saved_at": "",
    },
]


def test_rows_from_snapshot():
    sections = rows_from_snapshot(AnswersSnapshot.from_json(SNAPSHOT))
    assert [title for title, _ in sections] == [
        "Personal confidential data",
        "Staff responsibilities",
    ]
    first, second, third = sections[0][1]
    assert [r.ref for r in sections[0][1]] == ["1.1.1", "1.1.2", "1.2.1"]
    assert first == WorkbookRow(
        ref="1.1.1",
        section="Personal confidential data",
        question="Do you have a data protection policy?",
        level_label="Approaching Standards",
        answer="Yes",
        comments="Kept in the office",
        document="Office filing cabinet",
        last_changed_by="Ann Smith",
        # 09:30 UTC on 1 April is 10:30 in London (BST).
        last_changed_at=datetime.datetime(2026, 4, 1, 10, 30),
        review_state="",
        answered=True,
    )
    assert second.document == "ropa.xlsx"
    assert second.level_label == "Standards Met"
    assert second.last_changed_at == datetime.datetime(2026, 1, 15, 9, 30)  # GMT
    assert third.last_changed_at is None
    assert not third.is_answered
    (skipped,) = sections[1][1]
    assert skipped.answer == NOT_APPLICABLE
    assert skipped.level_label == "Non-mandatory"
    assert not skipped.is_answered


def test_a_workbook_as_published():
    workbook = read(build(rows_from_snapshot(AnswersSnapshot.from_json(SNAPSHOT))))
    assert workbook.sheetnames == [
        SUMMARY_SHEET,
        "Personal confidential data",
        "Staff responsibilities",
    ]
    summary_rows = list(workbook[SUMMARY_SHEET].iter_rows(values_only=True))
    assert ("Personal confidential data", 3, 2, 0) in summary_rows
    assert ("Staff responsibilities", 1, 0, 1) in summary_rows
    assert workbook.worksheets[1]["I2"].value == datetime.datetime(2026, 4, 1, 10, 30)


# --- the certificate ---------------------------------------------------------------------------

CODE = "7KQ2M-9XH4D-PW3RT-A8CZN"
URL = f"https://dspt-portal.example.org/verify/{CODE}/"


def certificate(**changes) -> CertificateData:
    values = dict(
        organisation_name="Langdale House",
        ods_code="VAB12",
        address_lines=("12 Kirkland", "Kendal", "LA9 5AF"),
        level_label="Standards Met",
        year="2025-26",
        published_on=datetime.date(2026, 5, 10),
        verification_code=CODE,
        verification_url=URL,
        sites=(),
    )
    values.update(changes)
    return CertificateData(**values)


def sites(count: int) -> tuple[tuple[str, str], ...]:
    return tuple((f"Sunrise House {n}", f"VS{n:03d}") for n in range(1, count + 1))


def text_of(page) -> str:
    return " ".join(page.extract_text().split())


class Built:
    def __init__(self, data: CertificateData):
        self.pdf = build_certificate_pdf(data)
        self.reader = PdfReader(io.BytesIO(self.pdf))
        self.pages = [text_of(page) for page in self.reader.pages]
        self.text = " ".join(self.pages)


@pytest.fixture(scope="module")
def single():
    return Built(certificate())


@pytest.fixture(scope="module")
def three_sites():
    return Built(
        certificate(organisation_name="Sunrise Care Group", ods_code="VHQ01", sites=sites(3))
    )


@pytest.fixture(scope="module")
def many_sites():
    return Built(
        certificate(
            organisation_name="Sunrise Care Group",
            ods_code="VHQ01",
            level_label="Standards Exceeded",
            sites=sites(300),
        )
    )


def test_single_site_certificate(single):
    assert single.pdf.startswith(b"%PDF-")
    assert len(single.pages) == 1
    text = single.text
    for expected in (
        "Data Security and Protection Toolkit",
        "This is to certify that",
        "Langdale House",
        "VAB12",
        "12 Kirkland, Kendal, LA9 5AF",
        "has published its DSPT assessment for 2025-26 at the level",
        "Standards Met",
        "Date published: 10 May 2026",
        CODE,
        f"Check this certificate at {URL}",
        "Issued by the DSPT self-assessment portal",
    ):
        assert expected in text
    assert "NHS" not in text.replace("DSPT", "")
    assert "Published by" not in text


def test_the_certificate_links_to_its_check_page(single):
    links = [
        annotation.get_object()["/A"]["/URI"]
        for annotation in single.reader.pages[0].get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert URL in links


def test_every_page_is_a4(single, three_sites, many_sites):
    for built in (single, three_sites, many_sites):
        for page in built.reader.pages:
            size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
            assert size[0] == pytest.approx(595.3, abs=1)
            assert size[1] == pytest.approx(841.9, abs=1)


def test_fonts_are_dejavu_and_embedded(single, many_sites):
    for built in (single, many_sites):
        seen = set()
        for page in built.reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                seen.add(str(font["/BaseFont"]))
                descendants = [d.get_object() for d in font.get("/DescendantFonts", [])]
                for part in descendants or [font]:
                    descriptor = part["/FontDescriptor"].get_object()
                    assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys())
        assert seen
        assert all("DejaVu" in name for name in seen)


def test_headquarters_with_three_sites_fits_on_one_page(three_sites):
    assert len(three_sites.pages) == 1
    text = three_sites.text
    assert "Sunrise Care Group" in text
    assert "VHQ01" in text
    assert (
        "Published by Sunrise Care Group (VHQ01), 12 Kirkland, Kendal, LA9 5AF — valid for the "
        "following sites:" in text
    )
    for name, ods in sites(3):
        assert f"{name} ({ods})" in text
    assert "Date published: 10 May 2026" in text
    assert CODE in text
    assert URL in text


def test_headquarters_with_300_sites_continues_on_following_pages(many_sites):
    first, *rest = many_sites.pages
    assert rest
    assert "Standards Exceeded" in first
    assert "Date published: 10 May 2026" in first
    assert "valid for the 300 sites listed on the following pages" in first
    assert CODE in first
    assert URL in first
    assert "Sunrise House 1 " not in first  # the first page stays the certificate
    following = " ".join(rest)
    assert "Sunrise House 1 (VS001)" in following
    assert "Sunrise House 300 (VS300)" in following
    assert f"Sites covered by certificate {CODE}" in rest[0]
    for number, page in enumerate(rest, start=2):
        assert f"Page {number} of {len(many_sites.pages)}" in page
        assert CODE in page
        assert URL in page
    assert len(many_sites.pages) <= 6


def test_500_sites_still_fit():
    built = Built(certificate(sites=sites(500)))
    assert "Sunrise House 500 (VS500)" in built.text
    assert len(built.pages) <= 8


def test_long_names_keep_the_certificate_to_one_page():
    name = ("Featherstonehaugh-Cholmondeley Residential and Nursing Care Services " * 4)[:255]
    built = Built(certificate(organisation_name=name, level_label="Standards Exceeded"))
    assert len(built.pages) == 1
    # A long headquarters name moves even a few sites to the following page.
    built = Built(certificate(organisation_name=name, sites=sites(2)))
    assert "valid for the 2 sites listed on the following pages" in built.pages[0]
    assert "Sunrise House 2 (VS002)" in built.pages[1]


def _text_boxes(box):
    if type(box).__name__ == "TextBox":
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def test_names_without_spaces_wrap_inside_the_page():
    # The certificate's boxes break a word only when it would overflow (overflow-wrap:
    # break-word, which spares the layout measuring every character); a name with no spaces at
    # all, a site's too, must still break inside the page rather than run off it.
    from weasyprint import HTML

    name = "Q" * 255
    data = certificate(organisation_name=name, sites=(("S" * 255, "V1"),) * 8)
    document = HTML(
        string=certificate_html(data),
        base_url=PACKAGE_DIR.as_uri() + "/",
        url_fetcher=package_only_fetcher(),
    ).render()
    assert len(document.pages) > 1
    for page in document.pages:
        boxes = list(_text_boxes(page._page_box))
        assert boxes
        for box in boxes:
            assert box.position_x >= 0
            assert box.position_x + box.width <= page.width + 0.5, box.text[:20]
    text = " ".join(
        text_of(page) for page in PdfReader(io.BytesIO(build_certificate_pdf(data))).pages
    )
    assert text.replace(" ", "").count("Q") >= 255


def test_names_are_escaped():
    name = 'Smith & Sons <script>alert("x")</script> Care'
    html = certificate_html(certificate(organisation_name=name, sites=(("A<b>&c", "V1"),)))
    assert "<script>" not in html
    assert "<b>" not in html
    assert "Smith &amp; Sons &lt;script&gt;" in html
    built = Built(certificate(organisation_name=name, sites=(("A<b>&c", "V1"),)))
    assert name in built.text
    assert "A<b>&c (V1)" in built.text
    assert "&amp;" not in built.text
    assert "&lt;" not in built.text


def test_the_fetcher_reads_only_this_folder_and_data_urls():
    fetcher = package_only_fetcher()
    response = fetcher.fetch((PACKAGE_DIR / "certificate.css").as_uri())
    assert b"@page" in response.read()
    response.close()
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        (PACKAGE_DIR / ".." / "models.py").as_uri(),
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError, match=r"^Refusing to (read|fetch) "):
            fetcher.fetch(url)


def test_a_refused_fetch_stops_the_rendering(monkeypatch):
    # Were the page ever to refer to anything outside this folder, nothing is fetched and no
    # half-made certificate comes out.
    page = '<html><body><img src="http://169.254.169.254/x.png">$title</body></html>'
    monkeypatch.setattr(certificate_module, "_template", lambda: Template(page))
    with pytest.raises(FatalURLFetchingError, match="Error fetching"):
        build_certificate_pdf(certificate())
