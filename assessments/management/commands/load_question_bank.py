"""`manage.py load_question_bank PATH`: load (or reload) one DSPT year's question bank file.

The whole file is checked before anything is written, and a file with problems is refused with the
full list of them. Loading is safe to repeat: items are matched by ref, so answers stay attached,
and an unchanged file changes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from assessments.bank import (
    BankDefinition,
    BankError,
    LevelCounts,
    check_bank_size,
    counts_by_section_and_level,
    parse_bank,
    total_counts,
)
from assessments.bank_loader import LoadReport, question_bank_load

COLUMNS = ("Approaching", "Met only", "Standards Met total", "Non-mandatory", "Total")


class _DryRun(Exception):
    """Raised inside the transaction to roll a --dry-run load back."""

    def __init__(self, report: LoadReport) -> None:
        self.report = report


class Command(BaseCommand):
    help = (
        "Load a DSPT question bank file (YAML) for one year: checks it, then creates or updates "
        "the year's sections and evidence items. Safe to re-run."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", metavar="PATH", help="the bank file, e.g. fixtures/*.yaml")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check the file and report what would change, without writing anything",
        )

    def handle(self, *args: Any, path: str, dry_run: bool, **options: Any) -> None:
        data = self._read(Path(path))
        try:
            text = data.decode("utf-8-sig")  # tolerate the byte order mark some editors add
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path}: the file is not UTF-8 text (byte {error.start + 1} cannot be read)"
            ) from None
        try:
            definition = parse_bank(text, source_name=path)
            report = self._load(definition, hashlib.sha256(data).hexdigest(), dry_run=dry_run)
        except BankError as error:
            raise CommandError(error.message) from None
        except IntegrityError as error:
            # Another load of the same year created it between our check and our insert; the
            # transaction was rolled back, and a second run will update the row it made.
            detail = str(error).splitlines()[0]
            raise CommandError(
                f"{path}: nothing was loaded because the bank changed while loading ({detail}). "
                f"Run the command again."
            ) from None
        self._print(definition, report, dry_run=dry_run)

    def _read(self, path: Path) -> bytes:
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        if not path.is_file():
            raise CommandError(f"{path}: not a file")
        try:
            check_bank_size(path.stat().st_size, source_name=str(path))
            return path.read_bytes()
        except BankError as error:
            raise CommandError(error.message) from None
        except OSError as error:
            raise CommandError(f"{path}: cannot be read ({error.strerror})") from None

    def _load(self, definition: BankDefinition, sha256: str, *, dry_run: bool) -> LoadReport:
        if not dry_run:
            return question_bank_load(definition=definition, source_sha256=sha256)
        try:
            with transaction.atomic():
                raise _DryRun(question_bank_load(definition=definition, source_sha256=sha256))
        except _DryRun as rolled_back:
            return rolled_back.report

    def _print(self, definition: BankDefinition, report: LoadReport, *, dry_run: bool) -> None:
        write = self.stdout.write
        details = ", ".join(
            part
            for part in (
                definition.sector,
                f"toolkit version {definition.toolkit_version}"
                if definition.toolkit_version is not None
                else "",
            )
            if part
        )
        write(f"DSPT {definition.year}" + (f" ({details})" if details else ""))
        deadline = definition.publication_deadline
        write(f"Publication deadline: {deadline.day} {deadline:%B %Y}")
        if definition.previous_year:
            write(f"Previous year: {definition.previous_year}")
        write("")
        for line in _counts_table(definition):
            write(line)
        write("")
        write(report.summary())
        for warning in report.warnings:
            write(self.style.WARNING(f"Check: {warning}"))
        if dry_run:
            write("Dry run: nothing was written.")
        elif report.status == "unchanged":
            write("Unchanged: the database already matches this file.")
        elif report.status == "created":
            write(self.style.SUCCESS(f"Created the {definition.year} question bank."))
        else:
            write(self.style.SUCCESS(f"Updated the {definition.year} question bank."))


def _counts_table(definition: BankDefinition) -> list[str]:
    """Rows of item counts per section, then a total, with right-aligned number columns."""
    counts = counts_by_section_and_level(definition)
    rows: list[tuple[str, LevelCounts]] = [
        (section.title, counts[section.key]) for section in definition.sections
    ]
    rows.append(("Total", total_counts(counts)))
    first_width = max(len("Section"), *(len(title) for title, _ in rows))
    widths = [len(column) for column in COLUMNS]

    def line(first: str, cells: list[str]) -> str:
        aligned = (cell.rjust(width) for cell, width in zip(cells, widths, strict=True))
        return "  ".join([first.ljust(first_width), *aligned])

    lines = [line("Section", list(COLUMNS))]
    for title, level_counts in rows:
        numbers = (
            level_counts.approaching,
            level_counts.met,
            level_counts.standards_met,
            level_counts.optional,
            level_counts.total,
        )
        lines.append(line(title, [str(number) for number in numbers]))
    return lines
