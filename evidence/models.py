"""The organisation's evidence library: every document kept once, with its versions.

A `LibraryDocument` is what a person thinks of as "our data protection policy": a title, who
owns it, when it is next reviewed. Its files are `assessments.Document` rows (one per version,
`Document.library_document` and `version_number`); `current_version` points at the newest. Answers
link to the library document (`Answer.library_document`), never to one file, so a new version
shows on every item that uses it while the older files and the answers' revisions stay.

This module imports nothing above `organisations`, so `assessments` may link answers to it; the
library's pages and services (which read answers and publications) sit above `publishing`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organisations.models import Organisation


class LibraryDocument(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="library_documents"
    )
    title = models.CharField(max_length=200)
    # A person's name or a role ("Registered manager"): free text, as care teams change.
    owner = models.CharField(max_length=200, blank=True)
    review_date = models.DateField(null=True, blank=True)
    # The newest file; None only for a moment while the first version is being stored.
    current_version = models.ForeignKey(
        "assessments.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Bumped on every change of the details: a save from a page showing an older one is a
    # conflict (as answers do).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["organisation", "review_date"], name="library_review_idx")]

    def __str__(self) -> str:
        return self.title
