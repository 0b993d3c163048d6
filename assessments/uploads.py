"""Checks an uploaded evidence file before anything keeps it.

Care managers upload policies, spreadsheets and scanned certificates as evidence. We only keep
files we can tell are one of a few document formats, and we tell that from the bytes, never from
the name or the browser's declared type (both are chosen by whoever sends the request). The checks
here are pure: no database, no storage and no Django, so they can be tested with byte strings and
reused by a background task or a management command.

What is refused, and why:

* more than ``MAX_UPLOAD_BYTES``: at most that many bytes plus one are ever read, so an endless or
  enormous body costs us a bounded amount of memory;
* empty files;
* anything whose content is not a PDF, PNG, JPEG, DOCX, XLSX, ODT or ODS. Programs, scripts,
  HTML and SVG (which can carry script), plain ZIP files and older Office (OLE) files all fall
  here;
* ZIP-based documents that would be expensive or unsafe for whatever opens them later: too many
  members, too much data once uncompressed, absurd compression ratios (zip bombs), encrypted or
  damaged members, members with ``..`` or absolute paths, duplicate names and macros;
* Word and Excel files that reach outside themselves or carry other files: a relationship with
  ``TargetMode="External"`` other than a hyperlink (a template attached from a web address, which
  Word fetches and runs macros from when the file is opened; a linked picture or document, which
  tells whoever sent it who opened the file and can leak their Windows credentials) and embedded
  or ActiveX objects (``embeddings/``, ``oleObject`` parts: another file, possibly a program,
  inside the document). The one embedded part allowed is a chart's spreadsheet, linked from the
  chart and itself checked like an uploaded spreadsheet;
* a name whose extension disagrees with the content (a PNG called ``.pdf``), so the name people
  see always matches what they will get when they open it.

The file name is only ever shown to people (stored files get a random name), but ``safe_name``
is cleaned as if it were going to be used as a path anyway: one bad assumption elsewhere should
not become a path-traversal bug.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree import ElementTree

__all__ = [
    "MAX_UPLOAD_BYTES",
    "CheckedUpload",
    "UploadRejected",
    "check_upload",
    "sniff",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# Limits for ZIP containers (DOCX, XLSX, ODT, ODS). A large real spreadsheet has a few hundred
# members and expands to tens of megabytes; these leave plenty of room while keeping whatever
# opens the file later (a preview, a virus scanner, a person's Excel) out of trouble.
MAX_ARCHIVE_MEMBERS = 2_000
MAX_ARCHIVE_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
# XML compresses well (20:1 is common), so a high ratio alone is normal; it is only suspicious
# when the member is also big.
MAX_MEMBER_RATIO = 100
RATIO_CHECKED_ABOVE_BYTES = 10 * 1024 * 1024

MAX_NAME_LENGTH = 120

_CHUNK_BYTES = 64 * 1024
# Big enough for every signature below; ``sniff`` is only ever given the start of a file.
SNIFF_BYTES = 64

MESSAGE_EMPTY = "The selected file is empty"
MESSAGE_TOO_LARGE = "The selected file must be smaller than 10 MB"
MESSAGE_WRONG_TYPE = (
    "The selected file must be a PDF, Word document (DOCX), Excel spreadsheet (XLSX), "
    "OpenDocument text (ODT) or spreadsheet (ODS), PNG or JPEG"
)
MESSAGE_OLD_OFFICE_FORMAT = (
    "The selected file must be saved as a Word document (DOCX) or Excel spreadsheet (XLSX), "
    "not the older DOC or XLS format"
)
MESSAGE_PASSWORD_PROTECTED = "The selected file must not be password protected"
MESSAGE_MACROS = "The selected file must not contain macros"
MESSAGE_DAMAGED = (
    "The selected file could not be opened – it may be damaged, so save it again and upload "
    "the new copy"
)
MESSAGE_EXTERNAL_CONTENT = (
    "The selected file must not load anything from outside it, such as a linked template, "
    "picture or document. Save it as a PDF and upload that"
)
MESSAGE_EMBEDDED_OBJECTS = (
    "The selected file must not contain embedded objects, such as another file or a program "
    "inside it. Save it as a PDF and upload that"
)
MESSAGE_TOO_MANY_PARTS = "The selected file contains too many parts to be checked"
MESSAGE_EXPANDS_TOO_MUCH = "The selected file is too large to be checked once it is uncompressed"
MESSAGE_NAME_MISMATCH = "The selected file's name says .{extension} but it is {kind}"


class UploadRejected(Exception):
    """The file cannot be accepted; ``message`` is one sentence to show the person.

    ``code`` is a stable, short reason for logs and tests, so neither has to match the wording.
    """

    def __init__(self, message: str, *, code: str = "rejected") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class CheckedUpload:
    """What we learned about an accepted file.

    ``extension`` is the lower-case extension ``safe_name`` ends with (``jpg`` or ``jpeg`` are
    both kept as the person named the file); ``content_type`` and ``kind_label`` come from the
    detected content.
    """

    safe_name: str
    content_type: str
    extension: str
    kind_label: str
    size: int
    sha256: str


@dataclass(frozen=True)
class _Kind:
    content_type: str
    label: str
    article: str
    # The first is added to names that have no extension.
    extensions: tuple[str, ...]

    @property
    def described(self) -> str:
        return f"{self.article} {self.label}"


_KINDS: dict[str, _Kind] = {
    "pdf": _Kind("application/pdf", "PDF", "a", ("pdf",)),
    "png": _Kind("image/png", "PNG image", "a", ("png",)),
    "jpeg": _Kind("image/jpeg", "JPEG image", "a", ("jpg", "jpeg")),
    "docx": _Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document (DOCX)",
        "a",
        ("docx",),
    ),
    "xlsx": _Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel spreadsheet (XLSX)",
        "an",
        ("xlsx",),
    ),
    "odt": _Kind(
        "application/vnd.oasis.opendocument.text",
        "OpenDocument text document (ODT)",
        "an",
        ("odt",),
    ),
    "ods": _Kind(
        "application/vnd.oasis.opendocument.spreadsheet",
        "OpenDocument spreadsheet (ODS)",
        "an",
        ("ods",),
    ),
}

_OPENDOCUMENT_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}

# "%PDF-" then a version. Readers accept the header anywhere in the first 1024 bytes, but we
# require it at the very start: every mainstream producer (Word, LibreOffice, print-to-PDF,
# scanners) writes it there, and the tolerance is exactly what HTML/PDF polyglots rely on to be
# both a harmless-looking PDF and a page a browser will run. Re-saving fixes the rare odd file.
_PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_ZIP_LOCAL_HEADER = b"PK\x03\x04"
# Compound File Binary: .doc, .xls, .ppt, .msg, and Office files saved with a password (the
# encrypted DOCX/XLSX is wrapped in one of these, under a stream named "EncryptedPackage").
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

_ZIP_ENCRYPTED_FLAG = 0x1
# Office and OpenDocument only ever use these; refusing the rest also keeps the bzip2 and LZMA
# decoders (and their different failure modes) away from untrusted bytes.
_ZIP_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
# What zipfile and zlib raise on malformed archives. UnicodeDecodeError (bad UTF-8 member names)
# is a ValueError; encrypted members are refused before RuntimeError could come up.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    NotImplementedError,
    RuntimeError,
    ElementTree.ParseError,
)

# Relationship types (the last part of the Type address) that put another object inside an
# Office file: an OLE object, an embedded package (another Office file) or an ActiveX control.
_EMBEDDING_RELATIONSHIPS = frozenset({"oleobject", "package", "control", "activexcontrolbinary"})
# The only relationship allowed to point outside the file: a link someone clicks.
_EXTERNAL_ALLOWED_RELATIONSHIPS = frozenset({"hyperlink"})
# Folders Office keeps embedded objects and ActiveX controls in (word/embeddings/, xl/activeX/).
_EMBEDDING_FOLDERS = frozenset({"embeddings", "activex"})


def sniff(head: bytes) -> str | None:
    """The family the first bytes of a file belong to: pdf, png, jpeg or zip, else None.

    "zip" only means the bytes are worth opening as an archive; ``check_upload`` decides whether
    the archive is a document we accept.
    """
    if _PDF_HEADER.match(head):
        return "pdf"
    # A PNG's first chunk must be IHDR; checking it costs nothing and rules out near misses.
    if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
        return "png"
    if head.startswith(_JPEG_SIGNATURE):
        return "jpeg"
    if head.startswith(_ZIP_LOCAL_HEADER):
        return "zip"
    return None


def check_upload(*, name: str, stream: BinaryIO, declared_size: int | None = None) -> CheckedUpload:
    """Read, identify and name an uploaded file, or raise ``UploadRejected``.

    Reads from the stream's current position and, when the stream can seek, puts it back there
    afterwards so the caller can save the same stream. ``declared_size`` (for example Django's
    ``UploadedFile.size``) only lets an oversized file be refused before reading; the bytes
    actually read are what count.
    """
    if declared_size is not None and declared_size > MAX_UPLOAD_BYTES:
        raise UploadRejected(MESSAGE_TOO_LARGE, code="too_large")

    data = _read_at_most(stream, MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRejected(MESSAGE_TOO_LARGE, code="too_large")
    if not data:
        raise UploadRejected(MESSAGE_EMPTY, code="empty")

    kind_key = _detect(data)
    kind = _KINDS[kind_key]
    safe_name, extension = _name_for(name, kind)
    return CheckedUpload(
        safe_name=safe_name,
        content_type=kind.content_type,
        extension=extension,
        kind_label=kind.label,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --- Reading ---------------------------------------------------------------------------------


def _read_at_most(stream: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes; never asks the stream for more, whatever its size."""
    start = _tell_if_seekable(stream)
    buffer = bytearray()
    while len(buffer) < limit:
        wanted = min(_CHUNK_BYTES, limit - len(buffer))
        chunk = stream.read(wanted)
        if not chunk:
            break
        # A stream handing back more than asked for must not get past the limit either.
        buffer += chunk[:wanted]
    if start is not None:
        stream.seek(start)
    return bytes(buffer)


def _tell_if_seekable(stream: BinaryIO) -> int | None:
    seekable = getattr(stream, "seekable", None)
    try:
        if seekable is not None and seekable():
            return stream.tell()
    except (OSError, ValueError):
        pass
    return None


# --- Identifying the content ---------------------------------------------------------------


def _detect(data: bytes) -> str:
    family = sniff(data[:SNIFF_BYTES])
    if family == "zip":
        return _inspect_archive(data)
    if family is not None:
        return family
    if data.startswith(_OLE_SIGNATURE):
        # Worth a specific message: "save it as DOCX" or "remove the password" is something a
        # care manager can act on, unlike a list of formats.
        if _OLE_ENCRYPTED_STREAM in data:
            raise UploadRejected(MESSAGE_PASSWORD_PROTECTED, code="password_protected")
        raise UploadRejected(MESSAGE_OLD_OFFICE_FORMAT, code="old_office_format")
    raise UploadRejected(MESSAGE_WRONG_TYPE, code="wrong_type")


def _inspect_archive(data: bytes) -> str:
    """Which document a ZIP container is, after checking it is safe to open.

    Everything happens in memory: nothing is extracted, and member names are never used as
    paths.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_archive_shape(members)
            kind_key = _classify_archive(archive, members)
            _read_every_member(archive, members)
    except _ZIP_ERRORS as error:
        raise UploadRejected(MESSAGE_DAMAGED, code="damaged") from error
    return kind_key


def _check_archive_shape(members: list[zipfile.ZipInfo]) -> None:
    """Refuse bombs, encryption and odd member names, using the central directory only."""
    if len(members) > MAX_ARCHIVE_MEMBERS:
        raise UploadRejected(MESSAGE_TOO_MANY_PARTS, code="too_many_parts")
    total = 0
    seen: set[str] = set()
    for info in members:
        if info.flag_bits & _ZIP_ENCRYPTED_FLAG:
            raise UploadRejected(MESSAGE_PASSWORD_PROTECTED, code="password_protected")
        if info.compress_type not in _ZIP_METHODS:
            raise UploadRejected(MESSAGE_DAMAGED, code="damaged")
        # Never extracted, but a genuine document never has these, and whatever unpacks the
        # file later (a converter, a person's unzip) might not be as careful.
        # (An empty name is refused too: zipfile's own ZipInfo.is_dir() fails on one.)
        parts = info.filename.replace("\\", "/").split("/")
        if (
            not info.filename
            or info.filename.startswith(("/", "\\"))
            or ".." in parts
            or ":" in parts[0]
        ):
            raise UploadRejected(MESSAGE_DAMAGED, code="unsafe_archive")
        # Two members with one name (part names are case-insensitive in Office files) let two
        # programs see two different documents in the same file.
        folded = info.filename.casefold()
        if folded in seen:
            raise UploadRejected(MESSAGE_DAMAGED, code="unsafe_archive")
        seen.add(folded)
        if info.file_size > RATIO_CHECKED_ABOVE_BYTES and info.file_size > MAX_MEMBER_RATIO * max(
            info.compress_size, 1
        ):
            raise UploadRejected(MESSAGE_EXPANDS_TOO_MUCH, code="expands_too_much")
        total += info.file_size
        if total > MAX_ARCHIVE_UNCOMPRESSED_BYTES:
            raise UploadRejected(MESSAGE_EXPANDS_TOO_MUCH, code="expands_too_much")


def _classify_archive(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str:
    files = {info.filename.casefold(): info for info in members if not info.is_dir()}
    if members and members[0].filename == "mimetype":
        return _classify_opendocument(archive, members[0], files)
    if "[content_types].xml" in files:
        return _classify_office_open_xml(archive, files)
    raise UploadRejected(MESSAGE_WRONG_TYPE, code="wrong_type")


def _classify_opendocument(
    archive: zipfile.ZipFile, first: zipfile.ZipInfo, files: dict[str, zipfile.ZipInfo]
) -> str:
    # The OpenDocument package rules: "mimetype" first, at the very start, uncompressed, so that
    # the type can be read at a fixed offset; and a manifest listing the parts.
    if (
        first.compress_type != zipfile.ZIP_STORED
        or first.header_offset != 0
        or first.file_size > 100
        or "meta-inf/manifest.xml" not in files
    ):
        raise UploadRejected(MESSAGE_WRONG_TYPE, code="wrong_type")
    kind_key = _OPENDOCUMENT_MIMETYPES.get(archive.read(first))
    if kind_key is None:  # a presentation, drawing, template...
        raise UploadRejected(MESSAGE_WRONG_TYPE, code="wrong_type")
    return kind_key


def _classify_office_open_xml(
    archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], *, nested: bool = False
) -> str:
    is_word = "word/document.xml" in files
    is_excel = "xl/workbook.xml" in files
    if is_word == is_excel:  # neither (a PowerPoint, say) or, suspiciously, both
        raise UploadRejected(MESSAGE_WRONG_TYPE, code="wrong_type")
    # A .docm/.xlsm renamed to .docx/.xlsx: the macros live in vbaProject.bin and the content
    # types say "macroEnabled". Either gives it away.
    content_types = files["[content_types].xml"]
    if any(name.endswith("vbaproject.bin") for name in files) or (
        b"macroenabled" in _read_member_head(archive, content_types, 1024 * 1024).lower()
    ):
        raise UploadRejected(MESSAGE_MACROS, code="macros")
    _check_office_parts(archive, files, nested=nested)
    return "docx" if is_word else "xlsx"


def _check_office_parts(
    archive: zipfile.ZipFile, files: dict[str, zipfile.ZipInfo], *, nested: bool = False
) -> None:
    """Refuses embedded objects and relationships that reach outside the file.

    One kind of embedded part is common in ordinary documents and allowed: the spreadsheet
    holding a chart's figures (``word/embeddings/Microsoft_Excel_Worksheet.xlsx``, linked from
    ``word/charts/_rels/chart1.xml.rels``). It is accepted only when a chart links it, and only
    after passing every check an uploaded spreadsheet passes, one level deep (a chart's
    spreadsheet holding further embedded parts is refused).
    """
    chart_workbooks: set[str] = set()
    for name, info in files.items():
        if name.endswith(".rels"):
            chart_workbooks |= _check_relationships(archive, info, allow_chart_data=not nested)
    for name, info in files.items():
        *folders, base = name.split("/")
        if _EMBEDDING_FOLDERS.intersection(folders) or base.startswith("oleobject"):
            if name not in chart_workbooks:
                raise UploadRejected(MESSAGE_EMBEDDED_OBJECTS, code="embedded_objects")
            _check_chart_workbook(archive, info)


def _check_chart_workbook(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """A chart's spreadsheet: a genuine XLSX with no macros, embedded objects or outside links.

    Its size is already bounded by the outer archive's checks, so reading it whole is safe.
    """
    with zipfile.ZipFile(io.BytesIO(archive.read(info))) as inner:
        members = inner.infolist()
        _check_archive_shape(members)
        inner_files = {member.filename.casefold(): member for member in members}
        inner_files = {name: m for name, m in inner_files.items() if not m.is_dir()}
        if "[content_types].xml" not in inner_files or "xl/workbook.xml" not in inner_files:
            raise UploadRejected(MESSAGE_EMBEDDED_OBJECTS, code="embedded_objects")
        if _classify_office_open_xml(inner, inner_files, nested=True) != "xlsx":
            raise UploadRejected(MESSAGE_EMBEDDED_OBJECTS, code="embedded_objects")
        _read_every_member(inner, members)


# A chart's relationships part: word/charts/_rels/chart1.xml.rels, xl/charts/_rels/chart2.xml.rels
_CHART_RELATIONSHIPS_PART = re.compile(r"(?:word|xl)/charts/_rels/chart[0-9]+\.xml\.rels")


def _check_relationships(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, allow_chart_data: bool
) -> set[str]:
    """One relationships part (``word/_rels/settings.xml.rels`` and the like), read as a stream.

    Returns the parts (case-folded names) it links as a chart's spreadsheet, when that is allowed.
    Python's XML parser never fetches external entities, and the expat it uses refuses entity
    expansion attacks; the part's size was bounded by ``_check_archive_shape`` already.
    """
    part = info.filename.casefold()
    chart_part = allow_chart_data and bool(_CHART_RELATIONSHIPS_PART.fullmatch(part))
    # Targets are relative to the folder of the part the relationships belong to:
    # word/charts/_rels/chart1.xml.rels → word/charts/.
    base = posixpath.dirname(posixpath.dirname(part))
    chart_workbooks: set[str] = set()
    with archive.open(info) as member:
        for _event, element in ElementTree.iterparse(member):
            if element.tag.rpartition("}")[2] != "Relationship":
                continue
            kind = (element.get("Type") or "").rstrip("/").rpartition("/")[2].casefold()
            external = (element.get("TargetMode") or "").strip().casefold() == "external"
            target = (element.get("Target") or "").casefold()
            element.clear()
            if kind == "package" and chart_part and not external:
                resolved = posixpath.normpath(posixpath.join(base, target))
                folders = resolved.split("/")[:-1]
                if resolved.endswith(".xlsx") and "embeddings" in folders:
                    chart_workbooks.add(resolved)
                    continue
            if kind in _EMBEDDING_RELATIONSHIPS:
                raise UploadRejected(MESSAGE_EMBEDDED_OBJECTS, code="embedded_objects")
            if external and kind not in _EXTERNAL_ALLOWED_RELATIONSHIPS:
                raise UploadRejected(MESSAGE_EXTERNAL_CONTENT, code="external_content")
    return chart_workbooks


def _read_member_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with archive.open(info) as member:
        return member.read(limit)


def _read_every_member(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Decompress every member to nowhere, so damage shows now rather than when someone opens it.

    zipfile stops each member at the size the central directory declares and then checks its
    CRC, so a member lying about its size is caught here, and the total work is bounded by the
    sizes already checked.
    """
    for info in members:
        if info.is_dir():
            continue
        with archive.open(info) as member:
            while member.read(_CHUNK_BYTES):
                pass


# --- Naming -----------------------------------------------------------------------------------

# Kept: zero-width non-joiner and joiner are part of how Persian, Indic scripts and emoji are
# written. Other format characters go, above all the bidirectional overrides that make
# "invoice\u202efdp.exe" display as "invoiceexe.pdf".
_KEPT_FORMAT_CHARACTERS = frozenset("\u200c\u200d")
# Quotes are kept: 'Policy "final".pdf' is a name people give files, and downloads carry it whole
# (dspt_portal/downloads.py).
_FORBIDDEN_CHARACTERS = frozenset("/\\:*?<>|")
# Browsers send a file name in a form with these three characters percent-encoded (the HTML
# standard's multipart/form-data encoding), so 'Policy "final".pdf' arrives as
# "Policy %22final%22.pdf". Nothing else is encoded: a literal "%20" stays as it is.
_FORM_ESCAPES = {"%22": '"', "%0A": "\n", "%0D": "\r"}
_FORM_ESCAPE = re.compile("|".join(_FORM_ESCAPES), re.IGNORECASE)
_WHITESPACE_CONTROLS = frozenset("\t\n\v\f\r\x85")
_PATH_SEPARATORS = re.compile(r"[/\\]")
_DRIVE_PREFIX = re.compile(r"^[A-Za-z]:")
# Short, letters and digits, at least one letter: "pdf", "docx", "mp4". Anything else after the
# last dot ("Policy v1.2", "Minutes 12.03.2025") is part of the name, not an extension.
_EXTENSION = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")


def _name_for(raw_name: str, kind: _Kind) -> tuple[str, str]:
    """The name to show people, and its lower-case extension; refuses a misleading extension."""
    cleaned = _clean_name(raw_name)
    stem, dot, suffix = cleaned.rpartition(".")
    if not (dot and _EXTENSION.fullmatch(suffix)):
        stem, suffix = cleaned, ""
    extension = suffix.lower()
    if extension and extension not in kind.extensions:
        raise UploadRejected(
            MESSAGE_NAME_MISMATCH.format(extension=extension, kind=kind.described),
            code="name_mismatch",
        )
    if not extension:
        suffix = extension = kind.extensions[0]
    # No leading dots (hidden files, "..") or trailing dots and spaces (which Windows drops,
    # changing the name when the file is downloaded).
    stem = stem.strip(". ")
    stem = stem[: MAX_NAME_LENGTH - len(suffix) - 1].rstrip(". ") or "document"
    return f"{stem}.{suffix}", extension


def _clean_name(raw_name: str) -> str:
    text = _FORM_ESCAPE.sub(lambda match: _FORM_ESCAPES[match.group(0).upper()], raw_name)
    text = unicodedata.normalize("NFC", text)
    kept = []
    for character in text:
        category = unicodedata.category(character)
        if character in _WHITESPACE_CONTROLS or category in ("Zl", "Zp"):
            kept.append(" ")  # "Annual\nreport" reads better as two words than as one
        elif category in ("Cc", "Cs") or (
            category == "Cf" and character not in _KEPT_FORMAT_CHARACTERS
        ):
            continue
        else:
            kept.append(character)
    text = "".join(kept)
    # Browsers send a bare name, but old Internet Explorer sent "C:\Users\...\file.pdf", and a
    # hand-made request can send anything: keep only what follows the last separator of either
    # kind, then any drive ("C:file.pdf" is relative to drive C's current folder).
    text = _PATH_SEPARATORS.split(text)[-1]
    text = _DRIVE_PREFIX.sub("", text)
    text = "".join(character for character in text if character not in _FORBIDDEN_CHARACTERS)
    # Removing characters can bring a letter and a combining accent together again.
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text.rstrip(". ")
