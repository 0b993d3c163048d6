"""Handing a private stored file to the person who may have it.

From the local private folder the web worker streams it. From S3-compatible object storage the
worker sends the browser to a signed address instead, good for DSPT_S3_URL_SECONDS and for this
one file, with the download's name and type signed into it: the bytes never pass through the
web worker, and the address is useless to anyone who finds it a minute later.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files import File
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

NO_STORE = "private, no-store"


def _signed_url(stream: File, *, filename: str, content_type: str) -> str | None:
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
            "ResponseContentDisposition": content_disposition_header(True, filename),
            "ResponseContentType": content_type,
            "ResponseCacheControl": NO_STORE,
        },
        expire=settings.DSPT_S3_URL_SECONDS,
    )


def private_file_response(stream: File, *, filename: str, content_type: str) -> HttpResponse:
    """A download of `stream` (opened by the service that recorded the download) as `filename`."""
    url = _signed_url(stream, filename=filename, content_type=content_type)
    if url is not None:
        stream.close()
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        response = FileResponse(
            stream, as_attachment=True, filename=filename, content_type=content_type
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = NO_STORE
    return response
