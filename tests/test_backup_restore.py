"""The README's backup and restore steps work: pg_dump, pg_restore into a fresh database."""

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.db import connection

from assessments import services as assessment_services

from .factories import answer_items, bank_build


def _env(db: dict) -> dict:
    return {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}


def _args(db: dict) -> list[str]:
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]


@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_a_fresh_database_with_the_same_answers(
    tmp_path, organisation, administrator
):
    assert connection.vendor == "postgresql"
    assert shutil.which("pg_dump"), "PostgreSQL client tools"
    assert shutil.which("pg_restore"), "PostgreSQL client tools"
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    with connection.cursor() as cursor:
        cursor.execute("SELECT item_id, text, choice, version FROM assessments_answer ORDER BY id")
        original = cursor.fetchall()
    assert len(original) > 10

    db = connection.settings_dict
    dump = tmp_path / "dspt.dump"
    subprocess.run(
        ["pg_dump", *_args(db), "--format=custom", "--no-owner", f"--file={dump}", db["NAME"]],
        check=True,
        env=_env(db),
    )
    fresh = f"dspt_restore_{uuid.uuid4().hex[:8]}"
    # From template0, so the restore itself creates the extensions it needs.
    subprocess.run(
        ["createdb", *_args(db), "--template=template0", fresh], check=True, env=_env(db)
    )
    try:
        subprocess.run(
            ["pg_restore", *_args(db), "--no-owner", f"--dbname={fresh}", str(dump)],
            check=True,
            env=_env(db),
        )
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"], dbname=fresh
        ) as restored:
            rows = restored.execute(
                "SELECT item_id, text, choice, version FROM assessments_answer ORDER BY id"
            ).fetchall()
            organisations = restored.execute(
                "SELECT ods_code FROM organisations_organisation WHERE id = %s", [organisation.pk]
            ).fetchone()
        assert rows == original
        assert organisations == (organisation.ods_code,)
    finally:
        subprocess.run(["dropdb", *_args(db), "--if-exists", fresh], check=True, env=_env(db))
