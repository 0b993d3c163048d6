"""The index behind the public organisation search (PostgreSQL only; nothing happens on SQLite).

The search matches ``lower(dspt_unaccent(name)) LIKE '%…%'``. A leading wildcard rules out a
B-tree index, so a GIN trigram index (pg_trgm) is built on that expression. ``unaccent()`` itself
is only STABLE (its dictionary could change), and index expressions must be IMMUTABLE, hence the
usual wrapper that names the dictionary explicitly and is declared IMMUTABLE. The extensions'
schemas are looked up rather than assumed, so the wrapper and operator class are found wherever
the extensions were installed.
"""

from django.db import migrations

INDEX_NAME = "organisation_name_folded_trgm"
FUNCTION_NAME = "dspt_unaccent"


def _extension_schema(cursor, name: str) -> str:
    cursor.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = %s",
        [name],
    )
    return cursor.fetchone()[0]


def create_search_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    table = quote(apps.get_model("organisations", "Organisation")._meta.db_table)
    # Both are "trusted" extensions (PostgreSQL 13+): the database owner may create them.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    with connection.cursor() as cursor:
        unaccent_schema = quote(_extension_schema(cursor, "unaccent"))
        trgm_schema = quote(_extension_schema(cursor, "pg_trgm"))
    # The dictionary is passed as a regdictionary literal so the result never depends on
    # search_path; its schema name is an identifier from the catalogue, quoted.
    dictionary = f"{unaccent_schema}.unaccent".replace("'", "''")
    schema_editor.execute(
        f"CREATE OR REPLACE FUNCTION {FUNCTION_NAME}(text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
        f" RETURN {unaccent_schema}.unaccent('{dictionary}'::regdictionary, $1)"
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX_NAME)} ON {table}"
        f" USING gin (lower({FUNCTION_NAME}(name)) {trgm_schema}.gin_trgm_ops)"
    )


def drop_search_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    # The extensions stay: other things may use them, and dropping them needs more privilege.
    schema_editor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(INDEX_NAME)}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION_NAME}(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("publishing", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_index, drop_search_index, elidable=False),
    ]
