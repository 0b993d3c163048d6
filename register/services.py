"""Writes of the public register: the daily open data file of the whole register."""

from __future__ import annotations

import datetime
import gzip
import io
import logging
import secrets
import tempfile
from typing import IO

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .exports import EXPORT_HEADER, export_row, write_csv_rows
from .models import OpenDataFile
from .search import publication_deadlines, register_export_chunks

logger = logging.getLogger(__name__)

OPEN_DATA_CHUNK = 2000


def _write_register(raw: IO[bytes], *, today: datetime.date) -> int:
    """The whole register as gzipped CSV into `raw`, a chunk of organisations at a time (one
    query a chunk); the number of organisations written."""
    deadlines = publication_deadlines()
    count = 0
    # mtime=0: the same register makes the same bytes, whatever the time of day.
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed:
        text = io.TextIOWrapper(compressed, encoding="utf-8", newline="")
        # A byte-order mark, so spreadsheet software reads the names' accents as UTF-8.
        text.write("\ufeff")
        write_csv_rows(text, [EXPORT_HEADER])
        for chunk in register_export_chunks(
            chunk_size=OPEN_DATA_CHUNK, today=today, deadlines=deadlines
        ):
            write_csv_rows(
                text, (export_row(organisation, status) for organisation, status in chunk)
            )
            count += len(chunk)
        text.flush()
        text.detach()
    return count


def open_data_file_build(*, today: datetime.date | None = None) -> OpenDataFile:
    """Makes today's open data file and makes it the one served.

    Written to a local temporary file first, then saved to storage under a new name; only then is
    its row created, so the previous file is served until the new one is complete. Older files
    are deleted afterwards. A build that fails leaves the previous file in place, and no new file
    behind.
    """
    now = timezone.now()
    today = today or timezone.localdate(now)
    with tempfile.TemporaryFile() as raw:
        count = _write_register(raw, today=today)
        size = raw.tell()
        raw.seek(0)
        record = OpenDataFile(built_on=today, built_at=now, size_bytes=size, organisations=count)
        # A random part, so two builds on one day never write to the same name.
        name = f"dspt-register-{today.isoformat()}-{secrets.token_hex(4)}.csv.gz"
        record.file.save(name, File(raw), save=False)
    try:
        with transaction.atomic():
            record.save()
    except Exception:
        record.file.delete(save=False)
        raise
    older = OpenDataFile.objects.exclude(pk=record.pk).filter(built_at__lte=record.built_at)
    for old in older:
        try:
            old.file.delete(save=False)
        except OSError as error:  # the row goes anyway; the file can be removed by hand
            logger.warning("Old open data file %s not deleted: %s", old.file.name, error)
        old.delete()
    return record
