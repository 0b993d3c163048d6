"""Small pieces of English the portal writes in several places."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """A number and its noun, agreeing: "1 site", "2 sites", "0 sites", "3 answers"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"
