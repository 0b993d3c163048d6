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


class QuizLink(models.Model):
    """A personal, single-use link to the frontline quiz for one staff member.

    The link's secret is shown to the manager once and never stored: only its SHA-256 hash is
    kept, so a copy of the database opens no quiz. The link is used up when its quiz is
    finished; it can also expire or be revoked before that (training/quiz_rules.link_state).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="quiz_links"
    )
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="quiz_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "staff_member"], name="quiz_link_org_member"),
        ]

    def __str__(self) -> str:
        return f"Quiz link for {self.staff_member} made {self.created_at:%d %B %Y}"


class QuizAttempt(models.Model):
    """Someone taking the quiz through a link: one attempt per link. Answers are kept here page
    by page (question key -> chosen option key), so nothing is lost between pages, and the
    attempt stores the quiz file's version it was marked with."""

    link = models.OneToOneField(QuizLink, on_delete=models.CASCADE, related_name="attempt")
    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz_version = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(default=dict)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    out_of = models.PositiveSmallIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # The learning outcomes with a wrong answer (outcome keys, in quiz order), to go over again.
    revisit = models.JSONField(default=list)
    training_record = models.OneToOneField(
        TrainingRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["staff_member", "-started_at"], name="quiz_attempt_member"),
        ]

    def __str__(self) -> str:
        return f"Quiz attempt by {self.staff_member} started {self.started_at:%d %B %Y}"

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None
