"""AuditEvent now belongs to the audit app (audit 0001). Its table is kept, rows and all: this only
removes the model from organisations' record."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_session_security"),
        ("audit", "0001_auditevent_from_organisations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
