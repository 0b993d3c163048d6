"""Handing a private stored file to the person who may have it, under the name people see.

From the local private folder the web worker streams it. From S3-compatible object storage the
worker sends the browser to a signed address instead, good for DSPT_S3_URL_SECONDS and for this
one file, with the download's name and type signed into it: the bytes never pass through the
web worker, and the address is useless to anyone who finds it a minute later.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.core.files import File
from django.http import FileResponse, HttpResponse, HttpResponseRedirect

NO_STORE = "private, no-store"


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


def _signed_url(
    stream: File, *, filename: str, content_type: str, cache_control: str
) -> str | None:
    """The signed address of `stream`'s object when it lives in object storage, else None."""
    if not settings.DSPT_S3_BUCKET:
        return None
    from storages.backends.s3 import S3Storage

    storage = getattr(stream, "storage", None)
    if not isinstance(storage, S3Storage):
        return None
    return storage.url(
        stream.name,
        parameters={
            "ResponseContentDisposition": attachment_header(filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": cache_control,
        },
        expire=settings.DSPT_S3_URL_SECONDS,
    )


def stored_file_response(
    stream: File, *, filename: str, content_type: str, cache_control: str = NO_STORE
) -> HttpResponse:
    """A download of `stream` (opened by the caller, which recorded the download where it is
    private) as `filename`. `cache_control` is the file's own: a redirect to a signed address is
    never kept, as the address stops working within a minute."""
    url = _signed_url(
        stream, filename=filename, content_type=content_type, cache_control=cache_control
    )
    if url is not None:
        stream.close()
        response: HttpResponse = HttpResponseRedirect(url)
        response["Cache-Control"] = NO_STORE
    else:
        response = FileResponse(stream, content_type=content_type)
        response["Content-Disposition"] = attachment_header(filename)
        response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
