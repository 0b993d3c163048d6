import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """After 0005 every file is a library document's version and every answer names its library
    document: the answers' own file columns go, and a file always belongs to the library."""

    dependencies = [
        ("assessments", "0005_documents_into_library"),
    ]

    operations = [
        migrations.RemoveField(model_name="answer", name="document"),
        migrations.RemoveField(model_name="answerrevision", name="document"),
        migrations.AlterField(
            model_name="document",
            name="library_document",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="versions",
                to="evidence.librarydocument",
            ),
        ),
        migrations.AlterField(
            model_name="document",
            name="version_number",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.UniqueConstraint(
                fields=("library_document", "version_number"),
                name="document_version_unique_in_library_document",
            ),
        ),
    ]
