"""Checking a certificate: the public page its verification code and QR code lead to."""

from __future__ import annotations

import re

from django.shortcuts import redirect, render
from django.utils import timezone

from assessments.vocabulary import CERTIFICATE_LEVELS
from dspt_portal.ratelimit import rate_limited
from organisations.access import Access, requires

from . import search, status
from .models import CODE_ALPHABET, CODE_LENGTH, Publication

_CODE_CHARACTERS = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# People copy codes by hand: the letters the alphabet leaves out stand for digits they look like.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def normalise_code(raw: str) -> str | None:
    """`abcde fghij-…` → `ABCDE-FGHIJ-…`, or None when it cannot be a certificate code."""
    compact = re.sub(r"[\s\-]", "", raw or "").upper().translate(_LOOKALIKES)
    if not _CODE_CHARACTERS.fullmatch(compact):
        return None
    return "-".join(compact[i : i + 5] for i in range(0, CODE_LENGTH, 5))


@requires(Access.PUBLIC)
@rate_limited("verify")
def certificate_verify(request, code: str):
    normalised = normalise_code(code)
    if normalised is None:
        return render(
            request,
            "publishing/verify.html",
            {"outcome": "malformed", "code": code[:60]},
            status=404,
        )
    if normalised != code:
        return redirect("certificate-verify", code=normalised)
    publication = (
        Publication.objects.select_related("bank", "organisation")
        .filter(verification_code=normalised, level__in=CERTIFICATE_LEVELS)
        .first()
    )
    if publication is None:
        return render(
            request,
            "publishing/verify.html",
            {"outcome": "unknown", "code": normalised},
            status=404,
        )
    today = timezone.localdate()
    later = (
        Publication.objects.filter(
            organisation_id=publication.organisation_id, published_at__gt=publication.published_at
        )
        .select_related("bank")
        .order_by("-published_at")
        .first()
    )
    deadlines = search.publication_deadlines()
    if later is not None:
        outcome = "superseded"
    elif not status.is_current(year=publication.bank.year, deadlines=deadlines, today=today):
        outcome = "out_of_date"
    else:
        outcome = "current"
    return render(
        request,
        "publishing/verify.html",
        {
            "outcome": outcome,
            "code": normalised,
            "publication": publication,
            "later": later,
            "current_until": status.current_until(year=publication.bank.year, deadlines=deadlines),
            # An HQ's certificate does not speak for a site registered on its own.
            "cover_ended": search.publication_cover_ended(publication=publication),
        },
    )
