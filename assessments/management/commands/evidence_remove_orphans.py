"""`manage.py evidence_remove_orphans`: deletes evidence files that no document row refers to.

Celery beat runs the same every hour (assessments.remove_orphan_evidence_files); this is for an
operator clearing up by hand, say after a storage outage. Files younger than an hour are left
alone: they may belong to an upload being saved right now.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from assessments import services
from dspt_portal.wording import counted


class Command(BaseCommand):
    help = "Delete evidence files no document refers to (older than an hour by default)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=int(services.ORPHAN_MIN_AGE.total_seconds() // 60),
            help="Leave files younger than this alone (at least 60).",
        )

    def handle(self, *args, min_age_minutes: int, **options):
        if min_age_minutes < 60:
            raise CommandError("--min-age-minutes must be at least 60: uploads may be in progress.")
        removed = services.evidence_orphans_remove(min_age=timedelta(minutes=min_age_minutes))
        for name in removed:
            self.stdout.write(f"removed {name}")
        self.stdout.write(f"{counted(len(removed), 'orphan evidence file')} removed")
