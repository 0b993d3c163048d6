"""Each evidence item says what meets it (see assessments.rules.MeetsWhen).

Items already loaded get what the bank files say for their answer type: "Yes" for yes/no items,
any listed option for choice items, and "provided" for the rest. Loading the year's bank file
again replaces these with the file's own values (thresholds for number and date items).
"""

from django.db import migrations, models


def fill_meets_when(apps, schema_editor):
    EvidenceItem = apps.get_model("assessments", "EvidenceItem")
    for item in EvidenceItem.objects.all().only("answer_type", "options"):
        if item.answer_type in ("yes_no", "yes_no_text"):
            item.meets_when = {"answers": ["yes"]}
        elif item.answer_type == "choice" and item.options:
            item.meets_when = {"answers": [option["value"] for option in item.options]}
        else:
            item.meets_when = {"provided": True}
        item.save(update_fields=["meets_when"])


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidenceitem",
            name="meets_when",
            field=models.JSONField(default=dict),
            preserve_default=False,
        ),
        migrations.RunPython(fill_meets_when, migrations.RunPython.noop),
    ]
