"""Documents made in the background: one row per document asked for, with its state and file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from assessments.models import Assessment
from organisations.models import Organisation
from publishing.models import Publication


def _job_file_path(instance: DocumentJob, filename: str) -> str:
    return f"documents/{instance.organisation_id}/{uuid.uuid4().hex}"


class DocumentJob(models.Model):
    """A document built in the background: its state, progress, and the file once ready.

    One job per kind, subject and fingerprint of the data it is built from: asking again for the
    same document gives the same job, and a change in the data makes a new one.
    """

    class Kind(models.TextChoices):
        ASSESSMENT_XLSX = "assessment_xlsx", "Assessment spreadsheet"
        PUBLICATION_XLSX = "publication_xlsx", "Assessment spreadsheet as published"
        CERTIFICATE = "certificate", "Certificate"
        INCIDENT_LOG_XLSX = "incident_log_xlsx", "Incident log spreadsheet"
        INCIDENT_PDF = "incident_pdf", "Incident report (PDF)"
        # The policy builder makes both from the same answers (evidence/policy_views.py).
        POLICY_DOCX = "policy_docx", "Policy (Word document)"
        POLICY_PDF = "policy_pdf", "Policy (PDF)"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="document_jobs"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # "assessment:12" or "publication:7": with kind and fingerprint, what makes a job unique.
    subject = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    # What the document is made from beyond its subject (the incident log's filters).
    parameters = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=_job_file_path, max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=128, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Made in publishing and moved here; the table keeps its name (migrations 0001 here and
        # publishing 0004).
        db_table = "publishing_documentjob"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject", "fingerprint"], name="document_job_once_per_data"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("document-job", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.READY, self.State.FAILED)
