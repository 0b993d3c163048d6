"""Publications: what an organisation published, for which sites, and the answers as published."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse

from assessments import vocabulary
from assessments.models import Assessment, EvidenceItem, QuestionBank
from organisations.models import Organisation

# Crockford-style alphabet: no I, L, O or U, so a code read off paper is hard to mistype.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20  # 20 symbols of 5 bits: 100 bits, far beyond guessing


def verification_code_new() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 5] for i in range(0, CODE_LENGTH, 5))


class PublicationLevel(models.TextChoices):
    APPROACHING = (
        vocabulary.APPROACHING_STANDARDS,
        vocabulary.LEVEL_LABELS[vocabulary.APPROACHING_STANDARDS],
    )
    MET = vocabulary.STANDARDS_MET, vocabulary.LEVEL_LABELS[vocabulary.STANDARDS_MET]
    EXCEEDED = vocabulary.STANDARDS_EXCEEDED, vocabulary.LEVEL_LABELS[vocabulary.STANDARDS_EXCEEDED]


class Publication(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="publications"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="publications")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="publications"
    )
    # The organisation's publications are numbered 1, 2, 3 …; the publish page carries the number
    # it expects to create, so a double press or two administrators at once cannot make two.
    sequence = models.PositiveIntegerField()
    level = models.CharField(max_length=16, choices=PublicationLevel.choices)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_by_name = models.CharField(max_length=150)
    published_as_name = models.CharField(max_length=255)
    published_as_ods_code = models.CharField(max_length=32)
    # The answers, profile and action plan exactly as published; later edits never change them.
    answers_snapshot = models.JSONField(default=list)
    profile_snapshot = models.JSONField(default=dict)
    action_plan = models.JSONField(default=list, blank=True)
    sites = models.ManyToManyField(
        Organisation, through="PublicationSite", related_name="covering_publications"
    )
    # Printed on the certificate; anyone can check it at /verify/<code>/.
    verification_code = models.CharField(
        max_length=32, unique=True, null=True, blank=True, default=None
    )
    # Withdrawn by the helpdesk (made in error or by fraud): kept, never deleted, and from then on
    # it decides no status (coverage.py, selectors.py) and its certificate is not valid (ADR 10).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_by_name = models.CharField(max_length=150, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sequence"], name="publication_sequence_unique"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "-published_at"])]

    def __str__(self) -> str:
        return f"{self.status_text} – {self.published_as_name}"

    def save(self, *args, **kwargs) -> None:
        if not self.verification_code:
            self.verification_code = verification_code_new()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("publication-detail", args=[self.pk])

    @property
    def status_text(self) -> str:
        """As the toolkit writes it: `25/26 Standards Met`."""
        return vocabulary.status_text(self.bank.year, self.level)

    @property
    def has_certificate(self) -> bool:
        """A certificate may be downloaded: its level earns one and it has not been withdrawn."""
        return vocabulary.earns_certificate(self.level) and not self.is_withdrawn

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class PublicationSite(models.Model):
    """A branch an HQ published for (the publisher itself is not listed here)."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="site_links"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="publication_site_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "organisation"], name="publication_site_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.publication}"


class ActionPlanEntry(models.Model):
    """The plan for an item not yet done, for an Approaching Standards publication."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="action_plan_entries"
    )
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="+")
    action = models.TextField()
    responsible_person = models.CharField(max_length=150)
    target_date = models.DateField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="action_plan_entry_once"),
        ]

    def __str__(self) -> str:
        return f"Plan for {self.item.ref}"


class ReminderSent(models.Model):
    """A reminder email that went out; each is sent once per organisation and year."""

    class Kind(models.TextChoices):
        DAYS_60 = "days_60", "60 days before the deadline"
        DAYS_30 = "days_30", "30 days before the deadline"
        DAYS_7 = "days_7", "7 days before the deadline"
        OUT_OF_DATE = "out_of_date", "Status out of date"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="reminders_sent"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recipients = models.TextField()
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "bank", "kind"], name="reminder_once_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.organisation}"
