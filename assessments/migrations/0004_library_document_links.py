import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Room for the evidence library: each file becomes a version of a library document and
    answers link to library documents. Filled by 0005; the old answer columns go in 0006."""

    dependencies = [
        ("assessments", "0003_evidence_item_help_and_answer_format"),
        ("evidence", "0001_library_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="document",
            name="library_document",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="versions",
                to="evidence.librarydocument",
            ),
        ),
        migrations.AddField(
            model_name="document",
            name="version_number",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="answer",
            name="library_document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="evidence.librarydocument",
            ),
        ),
        migrations.AddField(
            model_name="answerrevision",
            name="library_document",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="evidence.librarydocument",
            ),
        ),
    ]
