"""Refuses a request body bigger than the largest form the portal has, before anything reads it.

Django caps the form fields it parses (``DATA_UPLOAD_MAX_MEMORY_SIZE``,
``DATA_UPLOAD_MAX_NUMBER_FIELDS``: a 400 when exceeded) but not uploaded files, which it streams to
a temporary file however big they are. The largest thing anyone needs to send is one evidence file
(10 MB) with its form, so a body declared bigger than ``DSPT_MAX_REQUEST_BODY_BYTES`` gets a plain
413 page straight away. The proxy and gunicorn limits in front of the portal (docs/deploy.md) are
the first line; this one holds when someone reaches the container directly.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render


def declared_length(request) -> int:
    """The Content-Length the client declared; Django reads no body without one."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestBodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DSPT_MAX_REQUEST_BODY_BYTES
        if declared_length(request) > limit:
            response = render(request, "413.html", status=413)
            # The unread body would otherwise follow on a kept-alive connection.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
