"""Cells that spreadsheet software shows as text and never runs as a formula (CSV injection).

The one place that knows OWASP's list of formula triggers; every CSV and spreadsheet the portal
writes goes through `safe_cell` (CSV) or sets the quote prefix itself when `starts_formula`.
"""

from __future__ import annotations

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def safe_cell(value: object) -> str:
    """A CSV cell as text: a leading apostrophe keeps "=HYPERLINK(…)" from running."""
    text = "" if value is None else str(value)
    return "'" + text if starts_formula(text) else text
