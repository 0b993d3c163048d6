"""`manage.py seed_directory [PATH]`: the real national directory for `make run`.

Imports fixtures/dspt-organisation-search-2019-06.xlsx (31,970 organisations, the toolkit's public
search export of June 2019; fixtures/LICENCE-directory.md says where it comes from) through
`import_organisations`, so the public search finds real care homes on a new machine, and prints how
long it took. It runs only while the directory is empty of imported organisations: the demo's own
organisations are added on the portal and do not count, and a second `make run` skips it at once.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from organisations.models import Organisation


def directory_fixture() -> Path:
    return Path(settings.BASE_DIR) / "fixtures" / "dspt-organisation-search-2019-06.xlsx"


class Command(BaseCommand):
    help = (
        "Loads the national directory from fixtures/ into an empty directory (for make run), "
        "and prints how long it took."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", nargs="?", help="a directory file to load instead of the one in fixtures/"
        )

    def handle(self, *args, path: str | None, **options) -> None:
        source = Path(path) if path else directory_fixture()
        imported = Organisation.objects.exclude(source=Organisation.Source.PORTAL)
        already = imported.count()
        if already:
            self.stdout.write(
                f"National directory: already loaded ({already:,} organisations), not imported "
                "again."
            )
            return
        self.stdout.write(
            f"National directory: importing {source.name} (the first time takes a minute or two)"
        )
        started = time.monotonic()
        call_command("import_organisations", str(source), quiet=True, stdout=self.stdout)
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"National directory: {imported.count():,} organisations loaded in {seconds:.1f} s"
            )
        )
