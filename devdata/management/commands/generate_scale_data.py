"""`manage.py generate_scale_data`: a national-scale data set to measure the portal against.

The real directory (the toolkit's 2019 export, 31,970 organisations) is imported with the ordinary
importer, then generated organisations (codes ZZHQ…, ZZS…) bring it up to --organisations, with
headquarters and branches, registered organisations with people, 2025-26 assessments and answers,
and publications. See devdata/scale_data.py for what is generated and how it stays valid.

    manage.py generate_scale_data                 # 100,000 organisations, 25,000 assessments …
    manage.py generate_scale_data --small         # a few hundred, in seconds (tests)
    manage.py generate_scale_data --reset         # remove generated rows first, then generate
    manage.py generate_scale_data --if-missing    # do nothing when scale data is there already
"""

from __future__ import annotations

import dataclasses
import io
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from assessments import selectors as assessment_selectors
from devdata import scale_data
from organisations.directory import DirectoryFileError, read_directory_file
from organisations.directory_import import directory_import
from organisations.management.commands.import_organisations import ProgressBar

DEFAULT_DIRECTORY = (
    settings.BASE_DIR.parent / "shared" / "data" / "dspt-organisation-search-2019-06.xlsx"
)
BANK_FILE = settings.BASE_DIR / "fixtures" / "question-bank-2025-26.yaml"


class _StageBars:
    """One progress bar per stage, on the terminal only."""

    def __init__(self, stream):
        self.stream = stream
        self.stage = None
        self.bar: ProgressBar | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.clear()
            self.stage = stage
            self.bar = ProgressBar(self.stream, f"{stage:<18}")
        self.bar(done, total)

    def clear(self) -> None:
        if self.bar is not None:
            self.bar.clear()
            self.bar = None


class Command(BaseCommand):
    help = (
        "Generate a national-scale data set (real 2019 directory + generated ZZ… organisations, "
        "assessments, answers and publications) for benchmarks. Bulk inserts only."
    )

    def add_arguments(self, parser) -> None:
        defaults = scale_data.ScaleSpec()
        parser.add_argument(
            "--organisations",
            type=int,
            default=None,
            help=f"organisations in the whole directory (default {defaults.organisations})",
        )
        parser.add_argument(
            "--headquarters",
            type=int,
            default=None,
            help=f"generated headquarters (default {defaults.headquarters})",
        )
        parser.add_argument(
            "--assessments",
            type=int,
            default=None,
            help=(
                "registered organisations with a 2025-26 assessment "
                f"(default {defaults.assessments})"
            ),
        )
        parser.add_argument(
            "--publications",
            type=int,
            default=None,
            help=f"publications (default {defaults.publications})",
        )
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--small",
            action="store_true",
            help="a small data set in seconds (no directory import unless --directory is given)",
        )
        parser.add_argument(
            "--directory",
            type=Path,
            default=None,
            help=f"the directory export to import first (default {DEFAULT_DIRECTORY})",
        )
        parser.add_argument(
            "--no-directory", action="store_true", help="do not import the directory"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="remove the generated rows (ZZ… organisations, @scale.invalid people) first",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="do nothing (successfully) when scale data exists already",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        spec = scale_data.SMALL if options["small"] else scale_data.ScaleSpec()
        overrides = {
            name: options[name]
            for name in ("organisations", "headquarters", "assessments", "publications", "seed")
            if options[name] is not None
        }
        spec = dataclasses.replace(spec, **overrides)
        if connection.vendor != "postgresql" and not options["small"]:
            self.stderr.write(
                "Note: this database is not PostgreSQL; rows are written with bulk_create, "
                "which is much slower than COPY."
            )

        if scale_data.scale_data_exists():
            if options["if_missing"] and not options["reset"]:
                self.stdout.write("Scale data is there already; nothing to do.")
                self._print_counts(scale_data.scale_data_counts())
                return
            if not options["reset"]:
                raise CommandError(
                    "Scale data exists already in this database (organisations with codes "
                    f"{', '.join(p + '…' for p in scale_data.GENERATED_PREFIXES)} or people "
                    f"@{scale_data.EMAIL_DOMAIN}). Run again with --reset to remove it and "
                    "generate it afresh, or --if-missing to keep it."
                )
        bars = _StageBars(self.stderr) if self.stderr.isatty() else None
        if options["reset"]:
            step = time.monotonic()
            removed = scale_data.scale_data_delete()
            self.stdout.write(
                "Removed: "
                + ", ".join(f"{count} {label}" for label, count in removed.items())
                + f" ({time.monotonic() - step:.1f} s)"
            )

        step = time.monotonic()
        call_command("load_question_bank", str(BANK_FILE), stdout=io.StringIO())
        bank = assessment_selectors.bank_get(year=scale_data.YEAR)
        self.stdout.write(f"Question bank {bank.year}: {bank.items.count()} items")

        directory = options["directory"]
        if directory is None and not options["small"]:
            directory = DEFAULT_DIRECTORY
        if directory is not None and not options["no_directory"]:
            self._import_directory(directory)
        self.stdout.write(f"Directory ready ({time.monotonic() - step:.1f} s)")

        try:
            report = scale_data.scale_data_generate(spec=spec, bank=bank, progress=bars)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        finally:
            if bars is not None:
                bars.clear()
        self._print_counts(report.counts)
        self.stdout.write(
            "Seconds: "
            + ", ".join(f"{label} {seconds:.1f}" for label, seconds in report.seconds.items())
        )
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s")

    def _import_directory(self, path: Path) -> None:
        bar = ProgressBar(self.stderr, "Reading directory ") if self.stderr.isatty() else None
        try:
            parsed = read_directory_file(path, progress=bar)
        except DirectoryFileError as error:
            raise CommandError(f"{path}: {error.message}") from None
        finally:
            if bar is not None:
                bar.clear()
        generated = [r.ods_code for r in parsed.records if scale_data.is_generated_code(r.ods_code)]
        if generated:
            raise CommandError(
                f"{path} holds codes that look generated ({', '.join(generated[:5])}); "
                "the scale data could not be told apart from it"
            )
        bar = ProgressBar(self.stderr, "Importing directory") if self.stderr.isatty() else None
        try:
            report = directory_import(parsed=parsed, progress=bar)
        finally:
            if bar is not None:
                bar.clear()
        self.stdout.write(f"{path.name}: {report.summary()}")

    def _print_counts(self, counts: dict[str, int]) -> None:
        width = max(len(label) for label in counts)
        for label, count in counts.items():
            self.stdout.write(f"  {label:<{width}}  {count:>10,}")
