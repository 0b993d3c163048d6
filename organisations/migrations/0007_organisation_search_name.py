"""The stored, folded name the public search matches and sorts on (organisations/search_name.py).

PostgreSQL computes it with ``dspt_unaccent`` (made by publishing/0002), gets a GIN trigram index
on it for "names containing …", and loses the trigram index on the expression it replaces.
"""

import django.db.models.functions.text
from django.db import migrations, models

import organisations.search_name

TRIGRAM_INDEX = "organisation_search_name_trgm"
OLD_TRIGRAM_INDEX = "organisation_name_folded_trgm"


def _trigram_schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname = 'pg_trgm'"
        )
        return schema_editor.connection.ops.quote_name(cursor.fetchone()[0])


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    table = quote(apps.get_model("organisations", "Organisation")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(TRIGRAM_INDEX)} ON {table}"
        f" USING gin (search_name {_trigram_schema(schema_editor)}.gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(OLD_TRIGRAM_INDEX)}")


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.connection.ops.quote_name
    table = quote(apps.get_model("organisations", "Organisation")._meta.db_table)
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(OLD_TRIGRAM_INDEX)} ON {table}"
        f" USING gin (lower(dspt_unaccent(name)) {_trigram_schema(schema_editor)}.gin_trgm_ops)"
    )
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(TRIGRAM_INDEX)}")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0006_helpdesk_requests_and_suspension"),
        # dspt_unaccent and the pg_trgm extension.
        ("publishing", "0002_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower(
                    organisations.search_name.DsptUnaccent(
                        django.db.models.functions.text.Trim(models.F("name"))
                    )
                ),
                output_field=models.CharField(max_length=255),
            ),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["search_name", "ods_code"], name="organisation_search_name"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
