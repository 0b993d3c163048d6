"""DocumentJob moves here from publishing. Its table stays as it is (publishing_documentjob): only
Django's idea of which app owns it changes, here and in publishing 0004."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import documents.models


def content_type_to_documents(apps, schema_editor):
    """Keeps the model's content type (and the permissions on it) rather than leaving it stale."""
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="documents", model="documentjob").exists():
        content_types.objects.filter(app_label="publishing", model="documentjob").update(
            app_label="documents"
        )


def content_type_to_publishing(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="publishing", model="documentjob").exists():
        content_types.objects.filter(app_label="documents", model="documentjob").update(
            app_label="publishing"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("assessments", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisations", "0001_initial"),
        ("publishing", "0003_documents_and_reminders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DocumentJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("assessment_xlsx", "Assessment spreadsheet"),
                                    ("publication_xlsx", "Assessment spreadsheet as published"),
                                    ("certificate", "Certificate"),
                                ],
                                max_length=32,
                            ),
                        ),
                        ("subject", models.CharField(max_length=64)),
                        ("fingerprint", models.CharField(max_length=64)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("queued", "Queued"),
                                    ("running", "Being made"),
                                    ("ready", "Ready"),
                                    ("failed", "Failed"),
                                ],
                                default="queued",
                                max_length=16,
                            ),
                        ),
                        ("progress", models.PositiveSmallIntegerField(default=0)),
                        ("error_message", models.TextField(blank=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "file",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                upload_to=documents.models._job_file_path,
                            ),
                        ),
                        ("file_name", models.CharField(blank=True, max_length=255)),
                        ("content_type", models.CharField(blank=True, max_length=128)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "assessment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="assessments.assessment",
                            ),
                        ),
                        (
                            "organisation",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="document_jobs",
                                to="organisations.organisation",
                            ),
                        ),
                        (
                            "publication",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="publishing.publication",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "publishing_documentjob",
                        "ordering": ["-created_at"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("kind", "subject", "fingerprint"),
                                name="document_job_once_per_data",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_documents, content_type_to_publishing),
    ]
