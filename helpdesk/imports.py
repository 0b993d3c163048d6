"""Importing an uploaded directory file in a Celery worker, and when an import counts as stuck.

What `helpdesk.tasks` calls. The work is the command's own: `read_directory_file` then
`directory_import` (`manage.py import_organisations` runs the same two), so a file imported here
gives the same counts as from the command line. Like documents (docs/adr/0005-documents-as-jobs.md)
this module never sends a task; `helpdesk.services` does.

Faults: the import writes in one transaction, so a worker killed mid-import leaves nothing half
written; its task is tried again (acks late) and the file imported whole. A job queued or running
for longer than it should take is stale: its page offers "Try again", and the periodic sweep
marks jobs stale for much longer failed.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from documents.jobs import ABANDONED_FACTOR, Staleness, StorageUnavailable
from dspt_portal.wording import counted
from organisations.directory import DirectoryFileError, read_directory_file
from organisations.directory_import import ImportReport, directory_import

from .models import ImportJob
from .rules import import_kind_problem

logger = logging.getLogger(__name__)

FAILED_MESSAGE = (
    "The import stopped before it finished. Nothing from this file was saved. Try again; if it "
    "fails again, try later."
)
NOT_STARTED_MESSAGE = "The import could not be started. Try again in a few minutes."
# Progress is written at most once per this many rows.
PROGRESS_EVERY_ROWS = 1000
# The messages kept for the page (rows imported with a warning, links not made); the count of all
# of them is kept too.
MESSAGES_KEPT = 500

_QUEUED, _RUNNING = ImportJob.State.QUEUED, ImportJob.State.RUNNING
# The 2019 export (31,970 rows) takes well under two minutes on a loaded machine; these leave
# room for a backed-up queue and for the task's own retries while the database restarts.
STALE_AFTER: dict[str, timedelta] = {
    _QUEUED: timedelta(minutes=10),
    _RUNNING: timedelta(minutes=20),
}


def import_staleness(*, state: str, age: timedelta) -> Staleness:
    """Whether a job that has been in `state` for `age` is stuck. Only waiting work can be."""
    limit = STALE_AFTER.get(state)
    if limit is None:
        return Staleness.FRESH
    if age > limit * ABANDONED_FACTOR:
        return Staleness.ABANDONED
    if age > limit:
        return Staleness.STALE
    return Staleness.FRESH


def import_job_is_stale(job: ImportJob, *, now: datetime | None = None) -> bool:
    age = (now or timezone.now()) - job.updated_at
    return import_staleness(state=job.state, age=age) is not Staleness.FRESH


def import_job_may_retry(job: ImportJob) -> bool:
    """Stuck, or stopped by a fault rather than by what the file holds (trying a file the import
    refused again would refuse it again)."""
    if job.kind == ImportJob.Kind.QUESTION_BANK:
        return False
    if job.state == ImportJob.State.FAILED:
        return job.error in (FAILED_MESSAGE, NOT_STARTED_MESSAGE)
    return import_job_is_stale(job)


class _Progress:
    """Writes a job's progress on a database connection of its own.

    The import runs in one transaction: progress written on the import's own connection would be
    invisible to the job page until the very end. Progress is a courtesy, so a fault here is logged
    and the import goes on.
    """

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        self.last: tuple[str, int] | None = None
        table = self.connection.ops.quote_name(ImportJob._meta.db_table)
        self.sql = (
            f"UPDATE {table} SET stage = %s, progress_done = %s, progress_total = %s WHERE id = %s"
        )

    def stage(self, stage: str):
        def report(done: int, total: int) -> None:
            last = self.last
            if (
                last is not None
                and last[0] == stage
                and done < total
                and done - last[1] < PROGRESS_EVERY_ROWS
            ):
                return
            self.last = (stage, done)
            try:
                with self.connection.cursor() as cursor:
                    cursor.execute(self.sql, [stage, done, max(total, done), self.job_id])
            except DatabaseError as error:
                logger.warning("Import job %s: progress not written (%s)", self.job_id, error)

        return report

    def close(self) -> None:
        self.connection.close()


def import_job_run(*, job_id: int) -> ImportJob:
    """Imports the job's file. Safe to run twice: a finished job is left as it is."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.is_finished:
            return job
        job.state = ImportJob.State.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.stage = ImportJob.Stage.READING
        job.progress_done = job.progress_total = 0
        job.error = ""
        job.save()

    progress = _Progress(job_id)
    try:
        with tempfile.TemporaryDirectory() as folder:
            # The reader takes a path, and an ODS file's sector is guessed from its name.
            path = Path(folder) / Path(job.file.name).name
            try:
                with job.file.open("rb") as stream:
                    path.write_bytes(stream.read())
            except OSError as error:
                raise StorageUnavailable(f"could not read {job.file.name}") from error
            try:
                parsed = read_directory_file(
                    path,
                    sector=job.sector or None,
                    progress=progress.stage(ImportJob.Stage.READING),
                )
            except DirectoryFileError as error:
                return _finish_refused(job_id, error.message)
            wrong_kind = import_kind_problem(kind=job.kind, detected=parsed.format)
            if wrong_kind:
                return _finish_refused(job_id, wrong_kind)
            try:
                report = directory_import(
                    parsed=parsed, progress=progress.stage(ImportJob.Stage.SAVING)
                )
            except IntegrityError:
                # Someone registered an organisation with one of the file's codes meanwhile; the
                # import was rolled back whole.
                return _finish_refused(
                    job_id,
                    "Nothing was imported: the directory changed while this file was being "
                    "imported. Upload the file again.",
                )
    finally:
        progress.close()
    return _finish_done(job_id, report)


def _finish_done(job_id: int, report: ImportReport) -> ImportJob:
    messages = [
        *(f"Imported, but not linked to a headquarters: {p}" for p in report.link_problems),
        *(str(p) for p in report.warnings),
    ]
    if report.headquarters_marked:
        messages.insert(
            0,
            "Marked as headquarters (named as a parent by this file): "
            + ", ".join(report.headquarters_marked),
        )
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.state = ImportJob.State.DONE
        job.description = report.description[:255]
        job.created = report.created
        job.updated = report.updated
        job.unchanged = report.unchanged
        job.rejected = report.rejected_count
        job.rejected_rows = [[problem.row, problem.reason] for problem in report.rejected]
        job.unknown_columns = list(report.unknown_columns)
        job.unknown_values = [
            {"column": u.column, "value": u.value, "rows": u.rows} for u in report.unknown_values
        ]
        job.messages = messages[:MESSAGES_KEPT]
        job.messages_total = len(messages)
        job.stage = ImportJob.Stage.SAVING
        job.progress_done = job.progress_total = report.data_rows
        job.finished_at = timezone.now()
        job.save()
    return job


def _finish_refused(job_id: int, message: str) -> ImportJob:
    """The file cannot be imported as a whole: the job fails with the reason, nothing written."""
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        state=ImportJob.State.FAILED, error=message, finished_at=now, updated_at=now
    )
    return ImportJob.objects.get(pk=job_id)


def import_job_fail(*, job_id: int, error: BaseException | None = None) -> None:
    if error is not None:
        logger.error("Import job %s failed", job_id, exc_info=error)
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id, state__in=[_QUEUED, _RUNNING]).update(
        state=ImportJob.State.FAILED, error=FAILED_MESSAGE, finished_at=now, updated_at=now
    )


def import_jobs_fail_abandoned(*, now: datetime | None = None) -> int:
    """Marks failed every import stale for so long that nothing will finish it; how many.

    Run every few minutes by Celery beat; the state and age are checked in the UPDATE itself, so a
    job that finishes meanwhile is left alone."""
    now = now or timezone.now()
    marked = 0
    for state, limit in STALE_AFTER.items():
        marked += ImportJob.objects.filter(
            state=state, updated_at__lt=now - limit * ABANDONED_FACTOR
        ).update(
            state=ImportJob.State.FAILED, error=FAILED_MESSAGE, finished_at=now, updated_at=now
        )
    if marked:
        logger.warning("Marked %s failed", counted(marked, "abandoned import job"))
    return marked
