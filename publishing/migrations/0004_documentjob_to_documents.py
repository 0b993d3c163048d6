"""DocumentJob now belongs to the documents app (documents 0001). The table stays: this only
takes the model out of publishing's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_documentjob_from_publishing"),
        ("publishing", "0003_documents_and_reminders"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DocumentJob")],
            database_operations=[],
        ),
    ]
