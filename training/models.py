"""The staff training register: the people who work for an organisation and their training.

People here need no account: a care manager lists staff, directors, trustees and volunteers so the
portal can say how many were trained in the last 12 months (evidence item 3.2.1). A training
record is a course someone completed on a date: typed in by a manager, imported, or recorded by
the portal when the person passes the frontline quiz.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from organisations.models import Organisation


class StaffRole(models.TextChoices):
    STAFF = "staff", "Staff member"
    DIRECTOR = "director", "Director"
    TRUSTEE = "trustee", "Trustee"
    VOLUNTEER = "volunteer", "Volunteer"


class StaffMember(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="staff_members"
    )
    name = models.CharField(max_length=200)
    # What the person does (free text, e.g. "Care assistant", "Registered manager").
    job_title = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=16, choices=StaffRole.choices, default=StaffRole.STAFF)
    start_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)
    # Bumped on every edit: an edit from a page showing an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organisation", "name"], name="staff_org_name")]

    def __str__(self) -> str:
        return self.name


class TrainingSource(models.TextChoices):
    RECORDED = "recorded", "Recorded by a manager"
    IMPORTED = "imported", "Imported from a file"
    QUIZ = "quiz", "Frontline quiz in the portal"


class TrainingRecord(models.Model):
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="training_records"
    )
    completed_on = models.DateField()
    course = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True)
    source = models.CharField(
        max_length=16, choices=TrainingSource.choices, default=TrainingSource.RECORDED
    )
    # For a quiz pass: the score, as answered right out of asked.
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    out_of = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        indexes = [
            models.Index(fields=["staff_member", "-completed_on"], name="training_member_date"),
        ]

    def __str__(self) -> str:
        return f"{self.course} on {self.completed_on:%d %B %Y}"
