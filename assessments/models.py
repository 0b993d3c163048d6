"""The question bank (versioned by DSPT year), assessments, answers, their history and documents."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse

from organisations.models import Organisation

from . import vocabulary


class AnswerType(models.TextChoices):
    TEXT = "text", "Text"
    YES_NO = "yes_no", "Yes or no"
    YES_NO_TEXT = "yes_no_text", "Yes or no, with text"
    DATE = "date", "Date"
    NUMBER = "number", "Number"
    DOCUMENT = "document", "Document"
    CHOICE = "choice", "One of a list"


class Level(models.TextChoices):
    """Which standard an evidence item counts towards."""

    APPROACHING = (
        vocabulary.ITEM_APPROACHING,
        vocabulary.ITEM_LEVEL_LABELS[vocabulary.ITEM_APPROACHING],
    )
    MET = vocabulary.ITEM_MET, vocabulary.ITEM_LEVEL_LABELS[vocabulary.ITEM_MET]
    OPTIONAL = vocabulary.ITEM_OPTIONAL, vocabulary.ITEM_LEVEL_LABELS[vocabulary.ITEM_OPTIONAL]


class QuestionBank(models.Model):
    """One DSPT year's list of evidence items, loaded from a bank file."""

    year = models.CharField(max_length=9, unique=True, help_text="For example 2025-26")
    sector = models.CharField(max_length=64, blank=True)
    toolkit_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # The deadline has moved before (31 March, 30 September), so it lives with the year's bank.
    publication_deadline = models.DateField()
    previous_year = models.CharField(max_length=9, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    source_sha256 = models.CharField(max_length=64, blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"DSPT {self.year}"

    @property
    def short_year(self) -> str:
        """`25/26` for 2025-26, as the toolkit writes it in statuses."""
        return vocabulary.short_year(self.year)


class Section(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=64)
    title = models.CharField(max_length=255)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["bank", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "key"], name="section_key_unique_in_bank"),
            models.UniqueConstraint(
                fields=["bank", "position"], name="section_position_unique_in_bank"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EvidenceItem(models.Model):
    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    ref = models.CharField(max_length=16)
    text = models.TextField()
    guidance = models.TextField(blank=True)
    answer_type = models.CharField(max_length=16, choices=AnswerType.choices)
    # For "choice" items: [{"value": ..., "label": ...}, ...] in the order shown.
    options = models.JSONField(default=list, blank=True)
    level = models.CharField(max_length=16, choices=Level.choices)
    depends_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="dependants"
    )
    # The answers to `depends_on` that make this item apply; empty means "any answer".
    depends_on_answers = models.JSONField(default=list, blank=True)
    condition_text = models.TextField(blank=True)
    # What an answer must say for the requirement to be met: {"answers": [...]},
    # {"at_least": "95"}, {"within_months": 12} or {"provided": true} (assessments.rules.MeetsWhen).
    # No default: an item that does not say would let "No" count as met.
    meets_when = models.JSONField()
    ndg_standard = models.PositiveSmallIntegerField()
    position = models.PositiveIntegerField()
    # A known format the answer is checked against (assessments.rules.ANSWER_FORMATS), or "".
    answer_format = models.CharField(max_length=32, blank=True, default="")
    # Help shown beside the item, from the bank file: an example answer and comment, the keys of
    # the policy templates that support it (fixtures/policy-templates.yaml) and further guidance
    # links as [{"title": ..., "url": ...}].
    example_response = models.TextField(blank=True, default="")
    example_comment = models.TextField(blank=True, default="")
    policy_templates = models.JSONField(default=list, blank=True)
    guidance_links = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["bank", "position"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "ref"], name="item_ref_unique_in_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.text[:60]}"

    @property
    def is_mandatory(self) -> bool:
        """The toolkit's "Mandatory" tag: needed for Approaching Standards."""
        return self.level == Level.APPROACHING


class Assessment(models.Model):
    """One organisation's answers for one DSPT year."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="assessments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-bank__year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "bank"], name="assessment_one_per_organisation_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.bank}"

    def get_absolute_url(self) -> str:
        return reverse("assessment-overview", args=[self.bank.year])


def _document_path(instance: Document, filename: str) -> str:
    # Unguessable and free of anything the uploader chose.
    return f"evidence/{instance.organisation_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    """An uploaded evidence file, kept privately and served only through a permission check.

    Each is one version of a document in the organisation's library (evidence.LibraryDocument);
    answers link to the library document, which shows its newest version."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(upload_to=_document_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=128)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    library_document = models.ForeignKey(
        "evidence.LibraryDocument", on_delete=models.CASCADE, related_name="versions"
    )
    version_number = models.PositiveIntegerField()

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["library_document", "version_number"],
                name="document_version_unique_in_library_document",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class AnswerFields(models.Model):
    """The value columns an answer and each of its saved revisions hold."""

    text = models.TextField(blank=True)
    choice = models.CharField(max_length=64, blank=True)  # yes / no, or a choice item's option
    date = models.DateField(null=True, blank=True)
    number = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The library document this answer uses (its newest version is the file shown); the
    # library's delete refuses while an answer uses it (evidence.services).
    library_document = models.ForeignKey(
        "evidence.LibraryDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    document_location = models.TextField(blank=True)
    comments = models.TextField(blank=True)

    VALUE_FIELDS = (
        "text",
        "choice",
        "date",
        "number",
        "library_document_id",
        "document_location",
        "comments",
    )

    class Meta:
        abstract = True


class Answer(AnswerFields):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="answers")
    # Bumped on every save: a save from a page showing an older version is a conflict.
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()
    # Copied from last year's assessment and not yet looked at again.
    needs_review = models.BooleanField(default=False)
    carried_forward_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "item"], name="answer_one_per_item_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.item.ref}"


class AnswerRevision(AnswerFields):
    """Every saved version of an answer, so nothing anyone typed is ever lost."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["answer", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "version"], name="revision_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"
