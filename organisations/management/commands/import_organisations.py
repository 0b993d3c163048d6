"""`manage.py import_organisations PATH [PATH ...]`: load the national directory.

Reads NHS ODS standard CSV files and the toolkit's organisation search export (xlsx or csv). Every
file is read and checked before anything is written, so a file that cannot be imported stops the
run without a partial import; each file is then written in a transaction of its own.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import IntegrityError

from organisations.directory import DirectoryFile, DirectoryFileError, read_directory_file
from organisations.directory_import import ImportReport, directory_import
from organisations.models import PrimarySector


class ProgressBar:
    """`Importing  12000/31970 [###.......] 37%` on one terminal line, redrawn at most 5 times a
    second: drawing every row would cost more than the import itself."""

    def __init__(self, stream: OutputWrapper, label: str, *, width: int = 30, every: float = 0.2):
        self.stream = stream
        self.label = label
        self.width = width
        self.every = every
        self._last_drawn = 0.0
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last_drawn < self.every:
            return
        self._last_drawn = now
        total = max(total, done, 1)
        filled = self.width * done // total
        line = (
            f"{self.label} {done:>{len(str(total))}}/{total} "
            f"[{'#' * filled}{'.' * (self.width - filled)}] {100 * done // total:3d}%"
        )
        self.stream.write("\r" + line.ljust(self._shown), ending="", style_func=_plain)
        self.stream.flush()
        self._shown = len(line)

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r" + " " * self._shown + "\r", ending="", style_func=_plain)
            self.stream.flush()
            self._shown = 0


def _plain(text: str) -> str:
    return text


def not_understood_lines(report: ImportReport) -> list[str]:
    """What the file held that the import could not use: columns once, values with row counts."""
    lines = []
    if report.unknown_columns:
        names = ", ".join(f'"{name}"' for name in report.unknown_columns)
        lines.append(f"Columns not understood (not imported): {names}")
    if report.unknown_values:
        lines.append("Values not understood (left blank):")
        lines.extend(
            f'  {unknown.column} "{unknown.value}": {unknown.rows} '
            f"row{'s' if unknown.rows != 1 else ''}"
            for unknown in report.unknown_values
        )
    return lines


class Command(BaseCommand):
    help = (
        "Import organisations from NHS ODS standard CSV files and the toolkit's organisation "
        "search export (xlsx or csv). Safe to re-run: existing organisations are updated."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files to import, in order")
        parser.add_argument(
            "--sector",
            choices=PrimarySector.values,
            help=(
                "primary sector for every row of an ODS file (which has no sector column); "
                "by default it is guessed from the file name (etr, ecarehomesite, ...)"
            ),
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="print only the totals for each file, not each rejected row and warning",
        )

    def handle(self, *args: Any, paths: list[str], sector: str | None, quiet: bool, **options):
        show_progress = not quiet and self.stderr.isatty()

        parsed_files: list[DirectoryFile] = []
        for path in paths:
            bar = ProgressBar(self.stderr, "Reading  ") if show_progress else None
            try:
                parsed_files.append(read_directory_file(path, sector=sector, progress=bar))
            except DirectoryFileError as error:
                raise CommandError(f"{path}: {error.message}") from None
            finally:
                if bar is not None:
                    bar.clear()

        for parsed in parsed_files:
            bar = ProgressBar(self.stderr, "Importing") if show_progress else None
            try:
                report = directory_import(parsed=parsed, progress=bar)
            except IntegrityError as error:
                # Someone registered or added an organisation with one of the file's codes while
                # the import ran. The file's transaction was rolled back; a second run will see it.
                detail = str(error).splitlines()[0]
                raise CommandError(
                    f"{parsed.path}: nothing was imported from this file because the directory "
                    f"changed while it ran ({detail}). Run the import again."
                ) from None
            finally:
                if bar is not None:
                    bar.clear()
            self._print_report(report, quiet=quiet)

    def _print_report(self, report: ImportReport, *, quiet: bool) -> None:
        self.stdout.write(f"{report.path.name}: {report.description}")
        self.stdout.write(report.summary())
        if report.headquarters_marked:
            self.stdout.write(
                f"Marked as headquarters (named as a parent by this file): "
                f"{', '.join(report.headquarters_marked)}"
            )
        # Printed even with --quiet: nothing the file held is dropped without saying so.
        for line in not_understood_lines(report):
            self.stdout.write(line)
        if quiet:
            return
        sections = (
            ("Rejected rows:", report.rejected),
            ("Imported, but not linked to a headquarters:", report.link_problems),
            ("Warnings:", report.warnings),
        )
        for title, problems in sections:
            if problems:
                self.stdout.write(title)
                for problem in problems:
                    self.stdout.write(f"  {problem}")
