"""Queries compiled once and run with other ids (dspt_portal/compiled_queries.py): the same rows
as the ORM gives, whatever the number of ids, and compiled once per size."""

import datetime
import json
import re

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import QuestionBank
from dspt_portal.compiled_queries import (
    CompiledQuery,
    columns_of,
    instance_from,
    objects_from,
    padded_size,
    prepares_statements,
)
from organisations.models import Organisation
from publishing import selectors
from tests.factories import OrganisationFactory, RegisteredOrganisationFactory, publication_build


@pytest.mark.parametrize(
    ("count", "size"),
    [
        (1, 1),
        (2, 2),
        (3, 4),
        (5, 8),
        (20, 32),
        (500, 512),
        (512, 512),
        (513, 1024),
        (1024, 1024),
        (1025, 1536),
        (5000, 5120),
    ],
)
def test_padded_sizes(count, size):
    assert padded_size(count) == size


@pytest.mark.parametrize(
    ("count", "size"), [(1, 32), (25, 32), (32, 32), (33, 64), (500, 512), (513, 1024)]
)
def test_padded_sizes_from_the_smallest_form(count, size):
    assert padded_size(count, smallest=32) == size


@pytest.mark.django_db
def test_a_page_of_organisations_shares_one_form_of_the_latest_publications(
    publication_facts_world,
):
    ids = list(Organisation.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        for count in (1, 2, 5, len(ids)):
            selectors.latest_publications(organisation_ids=ids[:count])
    # The same statement each time, whatever ids it was asked about.
    assert len({re.sub(r"\d+", "N", query["sql"]) for query in queries}) == 1


@pytest.mark.parametrize("count", [0, -1])
def test_no_ids_is_refused(count):
    with pytest.raises(ValueError, match="at least one id"):
        padded_size(count)


def _names(ids):
    return Organisation.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "name")


@pytest.mark.django_db
def test_rows_match_the_orm_for_every_number_of_ids():
    organisations = OrganisationFactory.create_batch(9)
    ids = [organisation.pk for organisation in organisations]
    built = []

    def build(marker_ids):
        built.append(len(marker_ids))
        return _names(marker_ids)

    query = CompiledQuery(build)
    for count in range(1, 10):
        asked = ids[:count]
        assert sorted(query.rows(asked)) == list(_names(asked))
    # Unknown ids select nothing; an id given twice is one row.
    assert query.rows([ids[0], ids[0], -5]) == [(ids[0], organisations[0].name)]
    assert query.rows([-5]) == []
    # Compiled once for each size used: 1, 2, 4, 8 and 16 ids.
    assert built == [1, 2, 4, 8, 16]


@pytest.mark.django_db
def test_runs_through_djangos_cursor_so_query_counts_see_it():
    organisation = OrganisationFactory()
    query = CompiledQuery(_names)
    query.rows([organisation.pk])
    with CaptureQueriesContext(connection) as queries:
        assert query.rows([organisation.pk]) == [(organisation.pk, organisation.name)]
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_a_query_that_uses_an_id_twice_is_refused():
    query = CompiledQuery(lambda ids: _names(ids).filter(parent_id__in=ids))
    with pytest.raises(ValueError, match="exactly once"):
        query.rows([1])


@pytest.mark.django_db
def test_a_query_that_drops_the_ids_is_refused():
    query = CompiledQuery(lambda ids: Organisation.objects.values_list("pk"))
    with pytest.raises(ValueError, match="exactly once"):
        query.rows([1])


@pytest.fixture
def publication_facts_world(db):
    """An HQ publishing twice (the later for two sites), a site publishing for itself and then
    withdrawn, one publishing for itself too, and one with nothing: their ids."""
    bank = QuestionBank.objects.create(
        year="2025-26", publication_deadline=datetime.date(2026, 6, 30)
    )
    hq = RegisteredOrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    branch, own_and_hq, withdrawn_own, nothing = OrganisationFactory.create_batch(4)
    now = timezone.now()
    publication_build(hq, bank, level="approaching", published_at=now - datetime.timedelta(days=40))
    publication_build(hq, bank, level="met", sites=(branch, own_and_hq))
    publication_build(
        own_and_hq, bank, level="exceeded", published_at=now - datetime.timedelta(days=3)
    )
    publication_build(
        withdrawn_own, bank, level="met", published_at=now - datetime.timedelta(days=60)
    )
    publication_build(
        withdrawn_own, bank, level="exceeded", withdrawn_at=now - datetime.timedelta(days=1)
    )
    return [hq.pk, branch.pk, own_and_hq.pk, withdrawn_own.pk, nothing.pk]


def test_latest_publications_compiled_rows_equal_the_orm_rows(publication_facts_world):
    ids = publication_facts_world
    compiled = {pk: (own, hq) for pk, own, hq in selectors._LATEST_PUBLICATIONS.rows(ids)}
    by_orm = {pk: (own, hq) for pk, own, hq in selectors._latest_publications_query(ids)}

    def decoded(value):
        return json.loads(value) if isinstance(value, str) else value

    assert compiled.keys() == by_orm.keys() == set(ids)
    for pk in ids:
        assert [decoded(v) for v in compiled[pk]] == [decoded(v) for v in by_orm[pk]]
    # The world has organisations with an own publication, one via an HQ, and neither.
    assert any(by_orm[pk][0] is not None for pk in ids)
    assert any(by_orm[pk][1] is not None for pk in ids)
    assert any(by_orm[pk] == (None, None) for pk in ids)


# Prepared statements (PostgreSQL) -----------------------------------------------------------------


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_the_latest_publications_read_is_a_prepared_statement(publication_facts_world):
    ids = publication_facts_world
    assert prepares_statements()
    before = _prepared_statements()
    first = selectors.latest_publications(organisation_ids=ids)
    prepared = [s for s in _prepared_statements() if s not in before]
    assert len(prepared) == 1
    assert "JSONB_BUILD_OBJECT" in prepared[0]
    # Run again: the same statement, not another one, and the same answer.
    assert selectors.latest_publications(organisation_ids=ids) == first
    assert len(_prepared_statements()) == len(before) + 1


def test_thousands_of_ids_are_bound_on_the_client_never_prepared(publication_facts_world):
    """A plan PostgreSQL keeps for a statement of thousands of ids took four times as long as
    one made for the values (the bulk check): past 512 ids nothing is prepared, however often it
    runs, and the answer is the same."""
    ids = publication_facts_world
    strangers = list(range(10**9, 10**9 + 600))  # no such organisations
    expected = selectors.latest_publications(organisation_ids=ids)
    before = _prepared_statements()
    for _ in range(7):  # past the runs after which PostgreSQL may keep one plan
        with CaptureQueriesContext(connection) as queries:
            facts = selectors.latest_publications(organisation_ids=ids + strangers)
        assert len(queries.captured_queries) == 1
    assert _prepared_statements() == before
    assert facts == expected | {stranger: [] for stranger in strangers}


def test_a_prepared_statement_reads_the_rows_as_they_are_now(publication_facts_world):
    """Prepared is the plan, never the answer: a publication made after the statement was
    prepared is the latest at the next run."""
    nothing = publication_facts_world[-1]
    for _ in range(7):  # past the runs after which PostgreSQL may keep one plan
        assert selectors.latest_publications(organisation_ids=[nothing]) == {nothing: []}
    publication = publication_build(
        Organisation.objects.get(pk=nothing), QuestionBank.objects.get(), level="met"
    )
    (fact,) = selectors.latest_publications(organisation_ids=[nothing])[nothing]
    assert fact.publication_id == publication.pk
    assert fact.verification_code == publication.verification_code


def test_prepared_statements_survive_a_rolled_back_savepoint(publication_facts_world):
    ids = publication_facts_world
    expected = selectors.latest_publications(organisation_ids=ids)

    def read_then_fail():
        with transaction.atomic():
            assert selectors.latest_publications(organisation_ids=ids) == expected
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        read_then_fail()
    assert selectors.latest_publications(organisation_ids=ids) == expected


def test_nothing_is_prepared_when_the_setting_is_off(publication_facts_world, monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    assert not prepares_statements()
    before = _prepared_statements()
    with CaptureQueriesContext(connection) as queries:
        facts = selectors.latest_publications(organisation_ids=publication_facts_world)
    assert len(queries.captured_queries) == 1
    assert _prepared_statements() == before
    monkeypatch.undo()
    assert selectors.latest_publications(organisation_ids=publication_facts_world) == facts


def test_a_prepared_query_that_fails_is_djangos_database_error(db):
    query = CompiledQuery(lambda ids: _names(ids).extra(where=["1 / (id - id) = 1"]))
    organisation = OrganisationFactory()
    with pytest.raises(DataError), transaction.atomic():
        query.rows([organisation.pk])
    # The connection is usable afterwards, as after any failed query in a savepoint.
    assert Organisation.objects.filter(pk=organisation.pk).exists()


# Rows as model instances ------------------------------------------------------------------------


@pytest.mark.django_db
def test_objects_are_what_raw_gives():
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    branches = [OrganisationFactory(parent=hq, name=name) for name in ("Beech", "Ash", "Cedar")]
    query = CompiledQuery(
        lambda ids: (
            Organisation.objects.filter(parent_id=ids[0])
            .only("name", "ods_code", "parent")
            .order_by("name")
        )
    )
    compiled = query.compiled(1)
    by_raw = list(Organisation.objects.raw(compiled.sql, compiled.params_for([hq.pk])))
    found = query.objects(Organisation, [hq.pk])
    assert [o.name for o in found] == ["Ash", "Beech", "Cedar"] == [o.name for o in by_raw]
    assert [o.pk for o in found] == [o.pk for o in by_raw]
    assert {o.pk for o in found} == {o.pk for o in branches}
    for made, raw in zip(found, by_raw, strict=True):
        assert made.get_deferred_fields() == raw.get_deferred_fields()
        assert (made.ods_code, made.parent_id) == (raw.ods_code, raw.parent_id)
        assert made._state.adding is False
        assert made._state.db == raw._state.db == "default"
    # A deferred column is read when asked for, as with raw().
    with CaptureQueriesContext(connection) as queries:
        assert found[0].town == Organisation.objects.get(pk=found[0].pk).town
    assert len(queries.captured_queries) == 2


@pytest.mark.django_db
def test_objects_refuse_columns_the_model_does_not_have():
    organisation = OrganisationFactory()
    query = CompiledQuery(lambda ids: Organisation.objects.filter(pk__in=ids).values("pk", "name"))
    with pytest.raises(ValueError, match="Not columns of Organisation"):
        query.objects(Organisation, [organisation.pk])


def test_a_prepared_statement_is_logged_as_any_query_is(publication_facts_world):
    ids = publication_facts_world
    with CaptureQueriesContext(connection) as queries:
        selectors.latest_publications(organisation_ids=ids[:1])
    (logged,) = queries.captured_queries
    assert logged["sql"].startswith('SELECT "organisations_organisation"."id"')
    # The values are written in, as Django shows a query bound on the client (the one id
    # repeated to fill the smallest form).
    assert f"IN ({', '.join([str(ids[0])] * 32)})" in logged["sql"]


@pytest.mark.django_db
def test_an_instance_from_some_columns_is_what_only_gives():
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    branch = OrganisationFactory(
        parent=hq, directory_published_on=datetime.date(2019, 1, 25), town="Leeds"
    )
    columns = columns_of(Organisation, only=("name", "parent", "directory_published_on"))
    assert columns == ["id", "name", "parent_id", "directory_published_on"]
    (values,) = Organisation.objects.filter(pk=branch.pk).values_list(*columns)
    made = instance_from(Organisation, values, only=("name", "parent", "directory_published_on"))
    by_only = Organisation.objects.only("name", "parent", "directory_published_on").get(
        pk=branch.pk
    )
    assert made.get_deferred_fields() == by_only.get_deferred_fields()
    assert (made.pk, made.name, made.parent_id) == (branch.pk, branch.name, hq.pk)
    assert made.directory_published_on == datetime.date(2019, 1, 25)
    assert made.town == "Leeds"  # deferred: read when asked for
    with pytest.raises(ValueError, match="columns"):
        instance_from(Organisation, values[:-1], only=("name", "parent", "directory_published_on"))


@pytest.mark.django_db
def test_objects_from_read_any_db_api_description():
    """SQLite's cursor describes columns as plain tuples, psycopg's as Column objects: both name
    the column first (the embedded default once failed an HQ's page on this)."""
    organisation = OrganisationFactory(name="Ash House")

    class TupleDescribedCursor:
        description = (("id", *[None] * 6), ("name", *[None] * 6))
        db = connection

        def fetchall(self):
            return [(organisation.pk, "Ash House")]

    (made,) = objects_from(Organisation, TupleDescribedCursor())
    assert (made.pk, made.name) == (organisation.pk, "Ash House")
    assert made.get_deferred_fields() >= {"ods_code", "town"}
