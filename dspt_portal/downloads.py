"""The Content-Disposition header of a download, carrying a file name exactly as people see it."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote


def attachment_header(filename: str) -> str:
    """`attachment` with the name twice (RFC 6266): `filename*=UTF-8''…` percent-encoded, which
    every current browser reads, so quotes and accents arrive as they are; and before it a plain
    ASCII `filename="…"` for anything older, with what it cannot carry simplified or left out."""
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = (
        "".join(
            "'" if character == '"' else character
            for character in fallback
            if character.isprintable() and character != "\\"
        ).strip()
        or "download"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
