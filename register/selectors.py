"""Reads of the register's own rows (the search and status reads are in search.py)."""

from __future__ import annotations

from .models import OpenDataFile


def open_data_file_latest() -> OpenDataFile | None:
    """The open data file served now: the newest complete one (one query)."""
    return OpenDataFile.objects.order_by("-built_at", "-pk").first()
