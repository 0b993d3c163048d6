"""The evidence library's rules: plain values in, plain values out (no Django, no database).

* When a document is due for review (`review_state`), as at a given day.
* Whether a file fits the organisation's storage allowance (`fits_quota`, `quota_message`).
* What a new library document is called when it comes from an upload (`title_from_file_name`).
* Whether a document may be deleted (`delete_refusal`).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Sequence
from dataclasses import dataclass

# Within this many days of its review date a document is "due soon".
DUE_SOON_DAYS = 30

OVERDUE = "overdue"
DUE_SOON = "due_soon"

TITLE_MAX_LENGTH = 200


def review_state(review_date: datetime.date | None, *, on: datetime.date) -> str | None:
    """OVERDUE once the review date has passed (the day itself is not overdue), DUE_SOON from
    `DUE_SOON_DAYS` days before it up to the day, None when it is further off or has no date."""
    if review_date is None:
        return None
    if review_date < on:
        return OVERDUE
    if (review_date - on).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return None


def is_overdue(review_date: datetime.date | None, *, on: datetime.date) -> bool:
    return review_state(review_date, on=on) == OVERDUE


def fits_quota(*, used: int, adding: int, quota: int) -> bool:
    """Whether `adding` more bytes keep the organisation within `quota` (exactly full fits)."""
    return used + adding <= quota


def size_text(size: int) -> str:
    """Bytes as people read them: "512 bytes", "3.4 KB", "12.5 MB", "1.2 GB" (1 KB = 1,024)."""
    if size < 1024:
        return f"{size} byte" if size == 1 else f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    raise AssertionError("unreachable")


def quota_message(*, used: int, quota: int) -> str:
    return (
        f"Your organisation has used {size_text(used)} of its {size_text(quota)} storage. "
        "Remove old versions or documents you no longer need, or contact the helpdesk."
    )


def title_from_file_name(file_name: str) -> str:
    """ "Data protection policy.docx" → "Data protection policy"; never empty."""
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return (stem.strip() or file_name.strip() or "Document")[:TITLE_MAX_LENGTH]


@dataclass(frozen=True)
class DeleteRefusal:
    kind: str  # "published" or "in_use"
    message: str


def delete_refusal(
    *, title: str, published_years: Collection[str], used_for: Sequence[str]
) -> DeleteRefusal | None:
    """Why a library document may not be deleted, or None when it may.

    `published_years`: the DSPT years of publications whose answers used it (by a version's
    checksum in the published record, or a saved answer of a published assessment). Those
    records must keep pointing at a file that exists. `used_for`: refs of items whose current
    answers link it; deleting would silently empty them, so they are unlinked first.
    """
    if published_years:
        years = ", ".join(sorted(published_years))
        return DeleteRefusal(
            "published",
            f"You cannot delete {title}: it is evidence in your published assessment "
            f"({years}). Upload a new version instead if it has changed.",
        )
    if used_for:
        refs = ", ".join(used_for)
        return DeleteRefusal(
            "in_use",
            f"You cannot delete {title} while it is used for {refs}. "
            "Remove it from those items first.",
        )
    return None
