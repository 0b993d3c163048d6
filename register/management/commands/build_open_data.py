"""`manage.py build_open_data`: make the open data file of the whole register now (Celery beat
makes it every night; this is for a first file, or after a fault)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat

from register.services import open_data_file_build


class Command(BaseCommand):
    help = "Make the open data file of the whole register (gzipped CSV) now."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        record = open_data_file_build()
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Open data file {record.file.name}: {record.organisations:,} organisations, "
            f"{filesizeformat(record.size_bytes)}, made in {seconds:.1f} s"
        )
