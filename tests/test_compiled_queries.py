"""Queries compiled once and run with other ids (dspt_portal/compiled_queries.py): the same rows
as the ORM gives, whatever the number of ids, and compiled once per size."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import QuestionBank
from dspt_portal.compiled_queries import CompiledQuery, padded_size
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
