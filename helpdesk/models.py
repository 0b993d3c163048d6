"""Helpdesk staff and the notices they publish."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from .roles import HelpdeskRole


class Operator(models.Model):
    """A person on the helpdesk (created by `manage.py create_operator`): not a member of any
    organisation. Every helpdesk page needs a verified second factor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_operator"
    )
    role = models.CharField(max_length=16, choices=HelpdeskRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Notice(models.Model):
    """News from the helpdesk (a deadline change, a known problem) shown on every provider's
    dashboard and on the public News page from `published_at` until the end of `expires_on`."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=2000)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


def _import_file_path(instance: ImportJob, filename: str) -> str:
    # The file keeps its own name (an ODS file's name says which sector it holds) in a folder of
    # its own, so two uploads of files with one name never meet.
    return f"helpdesk/imports/{uuid.uuid4().hex}/{get_valid_filename(filename)[:100]}"


class ImportJob(models.Model):
    """A directory file or question bank uploaded on the helpdesk, and what its import did.

    Directory files are imported in the background (helpdesk/imports.py) by the same reader and
    importer as `manage.py import_organisations`; a question bank is checked and loaded while the
    operator waits (it is small), and its row records the result the same way.
    """

    class Kind(models.TextChoices):
        ODS = "ods", "NHS ODS file (CSV)"
        TOOLKIT_EXPORT = "toolkit_export", "Toolkit directory export (CSV or Excel)"
        QUESTION_BANK = "question_bank", "Next year's question bank (YAML)"

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Failed"

    class Stage(models.TextChoices):
        READING = "reading", "Reading the file"
        SAVING = "saving", "Saving the organisations"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_by_name = models.CharField(max_length=150)
    notes = models.TextField(max_length=500, blank=True)
    file = models.FileField(upload_to=_import_file_path, max_length=255)
    file_name = models.CharField(max_length=255)
    # For ODS files (which have no sector column): blank means "from the file name".
    sector = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=255, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # [[row number, reason], ...]: the rejected rows' CSV.
    rejected_rows = models.JSONField(default=list, blank=True)
    unknown_columns = models.JSONField(default=list, blank=True)
    # [{"column": ..., "value": ..., "rows": n}, ...], most frequent first.
    unknown_values = models.JSONField(default=list, blank=True)
    # Other lines worth reading: rows imported with a warning, links not made.
    messages = models.JSONField(default=list, blank=True)
    messages_total = models.PositiveIntegerField(default=0)
    # Reading the file, then saving the organisations: each counts rows up to its total.
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job entered its state: every state change saves it (progress does not).
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("helpdesk:import", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent_done(self) -> int:
        """Reading is the first half of the bar, saving the second."""
        if self.state == self.State.DONE:
            return 100
        if not self.progress_total:
            return 0
        half = min(50, 50 * self.progress_done // self.progress_total)
        return half + (50 if self.stage == self.Stage.SAVING else 0)
