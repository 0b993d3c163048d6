"""Data security and protection incidents: the report, its follow-ups and its notifications.

A report is a draft until it is submitted; submission gives it a reference and fixes its facts and
verdict. Anything learned later is an IncidentUpdate (appended, never edited), and each time the
regulator must hear of it an IncidentNotification records the sending. Which values the list
fields hold comes from the scales file (incidents/scales.py), not from choices here, so
correcting a list is a data change.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .rules import ReportAnswers

REFERENCE_PREFIX = "INC"


class YesNoDontKnow(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    DONT_KNOW = "dont_know", "Don't know"


class PeopleTold(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No – we have decided not to tell them"
    NOT_YET = "not_yet", "Not yet"


class InformationAffected(models.TextChoices):
    CONFIDENTIALITY = "confidentiality", "Seen or shared when it should not have been"
    INTEGRITY = "integrity", "Changed or corrupted"
    AVAILABILITY = "availability", "Lost, deleted or could not be reached"


class Verdict(models.TextChoices):
    NOT_REPORTABLE = "none", "Not reportable – record it locally"
    ICO = "ico", "Reportable to the ICO"
    ICO_DHSC = "ico_dhsc", "Reportable to the ICO – also notify DHSC or NHS England"


# "Who else has been told": the answer that nobody else has been told yet.
NOBODY_ELSE = "nobody"


class Incident(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="incidents"
    )
    # Given at submission (INC-2026-000123); drafts have none.
    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents_started",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now)
    # Raised by every save: a save based on an older version is refused, never overwrites.
    version = models.PositiveIntegerField(default=1)

    # When: times are stored in UTC and shown in Europe/London.
    happened_at = models.DateTimeField(null=True, blank=True)
    happened_at_unknown = models.BooleanField(default=False)
    discovered_at = models.DateTimeField(null=True, blank=True)  # starts the 72-hour clock
    how_discovered = models.TextField(blank=True)

    # What
    description = models.TextField(blank=True)
    breach_category = models.CharField(max_length=64, blank=True)
    cyber_caused = models.CharField(max_length=12, choices=YesNoDontKnow.choices, blank=True)
    information_affected = models.JSONField(default=list, blank=True)  # InformationAffected
    personal_data = models.JSONField(default=list, blank=True)
    people_categories = models.JSONField(default=list, blank=True)
    records_count = models.PositiveIntegerField(null=True, blank=True)
    records_not_known = models.BooleanField(default=False)
    people_count = models.PositiveIntegerField(null=True, blank=True)
    people_not_known = models.BooleanField(default=False)
    consequences = models.TextField(blank=True)
    containment = models.TextField(blank=True)
    people_told = models.CharField(max_length=12, choices=PeopleTold.choices, blank=True)
    people_told_details = models.TextField(blank=True)
    others_told = models.JSONField(default=list, blank=True)  # values, or [NOBODY_ELSE]

    # How bad
    likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    # Children or vulnerable adults among the people affected (from people_categories).
    vulnerable_groups = models.BooleanField(default=False)

    # Fixed at submission
    scales_version = models.PositiveSmallIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    verdict_reason = models.TextField(blank=True)
    near_miss = models.BooleanField(default=False)
    late_reason = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents_submitted",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "state"], name="incident_org_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(reference__isnull=False),
                name="incident_reference_once_submitted",
            ),
            models.CheckConstraint(
                condition=Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5),
                name="incident_likelihood_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(severity__isnull=True) | Q(severity__gte=1, severity__lte=5),
                name="incident_severity_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft incident {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    def answers(self) -> ReportAnswers:
        """The report's answers as plain data, for incidents.rules."""
        return ReportAnswers(
            happened_at=self.happened_at,
            happened_at_unknown=self.happened_at_unknown,
            discovered_at=self.discovered_at,
            how_discovered=self.how_discovered,
            description=self.description,
            breach_category=self.breach_category,
            cyber_caused=self.cyber_caused,
            information_affected=tuple(self.information_affected),
            personal_data=tuple(self.personal_data),
            people_categories=tuple(self.people_categories),
            records_count=self.records_count,
            records_not_known=self.records_not_known,
            people_count=self.people_count,
            people_not_known=self.people_not_known,
            consequences=self.consequences,
            containment=self.containment,
            people_told=self.people_told,
            others_told=tuple(self.others_told),
            likelihood=self.likelihood,
            severity=self.severity,
        )


def reference_for(*, pk: int, year: int) -> str:
    """INC-2026-000123: the year it was submitted and the incident's own number."""
    return f"{REFERENCE_PREFIX}-{year}-{pk:06d}"


class IncidentUpdate(models.Model):
    """Something learned or done after submission, appended to the incident and never edited."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", "Follow-up"
        CLOSE = "close", "Closed"
        WITHDRAW = "withdraw", "Withdrawn"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident_updates",
    )
    # Kept as written when the account is later removed.
    created_by_name = models.CharField(max_length=200, blank=True)
    new_facts = models.TextField(blank=True)
    actions_taken = models.TextField(blank=True)
    outcome = models.TextField(blank=True)  # closing
    lessons_learned = models.TextField(blank=True)  # closing
    reason = models.TextField(blank=True)  # withdrawing
    revised_likelihood = models.PositiveSmallIntegerField(null=True, blank=True)
    revised_severity = models.PositiveSmallIntegerField(null=True, blank=True)
    # Recomputed from the revised levels (blank when they were not revised).
    scales_version = models.PositiveSmallIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    verdict_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revised_likelihood__isnull=True)
                | Q(revised_likelihood__gte=1, revised_likelihood__lte=5),
                name="incident_update_likelihood_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(revised_severity__isnull=True)
                | Q(revised_severity__gte=1, revised_severity__lte=5),
                name="incident_update_severity_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.incident}"


class IncidentNotification(models.Model):
    """One sending of a report (or of an update to it) to the regulator's address."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # DSPT_INCIDENT_REPORT_EMAIL was empty: nothing was sent (incidents/notify.py).
        UNCONFIGURED = "unconfigured", "Not sent: no destination configured"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    update = models.ForeignKey(
        IncidentUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    destination = models.EmailField(max_length=254, blank=True)  # blank when UNCONFIGURED
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When it entered its state: a notification waiting or sending for too long is stuck
    # (incidents/notify_rules.py), like a document job.
    updated_at = models.DateTimeField(default=timezone.now)
    # Each attempt's outcome, oldest first: {"at": ISO time, "outcome": "sent"|"error", "error"}.
    history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state"], name="incident_notice_state_idx")]

    def __str__(self) -> str:
        return f"Notification of {self.incident} to {self.destination} ({self.state})"


class IncidentReminder(models.Model):
    """A reminder emailed to the person who started a draft (incidents/reminders.py): one row
    per draft and kind, so it is never sent twice."""

    class Kind(models.TextChoices):
        HOURS_48 = "hours_48", "48 hours after discovery"
        HOURS_66 = "hours_66", "66 hours after discovery"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.EmailField(max_length=254)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="incident_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for {self.incident}"
