"""`register.search.organisation_public_get`: the organisation a code names, with its HQ, read as
public columns only (kept answers hold what it reads), through a query compiled once."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organisations.models import Organisation
from register.search import (
    PUBLIC_COLUMNS,
    organisation_public_get,
    organisation_public_view,
    organisation_public_view_for_code,
)

from ..factories import OrganisationFactory, RegisteredOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    hq = RegisteredOrganisationFactory(
        ods_code="VG100", name="Glade Group", kind=Organisation.Kind.HEADQUARTERS
    )
    branch = OrganisationFactory(
        ods_code="VG101", name="Glade House", parent=hq, telephone="01234 567890"
    )
    lone = RegisteredOrganisationFactory(ods_code="VG200", name="Glade Lodge")
    return hq, branch, lone


@pytest.mark.parametrize("asked", ["VG101", "vg101", " VG101 "])
def test_a_code_however_typed_finds_the_organisation_and_its_hq(group, asked):
    hq, branch, _ = group
    found = organisation_public_get(ods_code=asked)
    assert found is not None
    assert (found.pk, found.ods_code, found.name) == (branch.pk, "VG101", "Glade House")
    assert found.registration_state == branch.registration_state
    with CaptureQueriesContext(connection) as queries:
        assert (found.parent.pk, found.parent.ods_code, found.parent.name) == (
            hq.pk,
            "VG100",
            "Glade Group",
        )
    assert len(queries) == 0


def test_an_organisation_without_an_hq_has_none(group):
    found = organisation_public_get(ods_code="VG200")
    assert found is not None
    assert found.name == "Glade Lodge"
    assert found.parent_id is None
    assert found.parent is None


@pytest.mark.parametrize("asked", ["VG999", "", "   ", "VG10", "G101", "%", "VG1_1"])
def test_no_organisation_for_another_code(group, asked):
    assert organisation_public_get(ods_code=asked) is None


def test_only_public_columns_are_read_of_both(group):
    found = organisation_public_get(ods_code="VG101")
    assert found is not None
    private = {"telephone", "address_line_1", "suspended_at", "created_at", "updated_at"}
    # (get_deferred_fields names the parent by its column, parent_id)
    public = {"parent_id" if column == "parent" else column for column in PUBLIC_COLUMNS}
    for organisation in (found, found.parent):
        assert private <= organisation.get_deferred_fields()
        assert not public & organisation.get_deferred_fields()


def test_an_hqs_branches_are_its_own_by_name_as_public_columns_only(group):
    hq, branch, lone = group
    other_hq = RegisteredOrganisationFactory(
        ods_code="VG300", name="Other Group", kind=Organisation.Kind.HEADQUARTERS
    )
    OrganisationFactory(ods_code="VG301", name="Another Place", parent=other_hq)
    OrganisationFactory(ods_code="VG102", name="Aspen Glade", parent=hq)
    OrganisationFactory(ods_code="VG103", name="Aspen Glade", parent=hq)
    view = organisation_public_view(organisation=hq)
    assert [row.organisation.ods_code for row in view.branches] == ["VG102", "VG103", "VG101"]
    private = {"telephone", "address_line_1", "suspended_at", "created_at", "updated_at"}
    for row in view.branches:
        assert private <= row.organisation.get_deferred_fields()
    assert [
        row.organisation.ods_code
        for row in organisation_public_view(organisation=other_hq).branches
    ] == ["VG301"]
    assert organisation_public_view(organisation=lone).branches == []
    assert organisation_public_view(organisation=branch).branches == []


# --- An organisation's page in one statement ----------------------------------------------------


@pytest.fixture
def pages_world(bank, helpdesk_operator):
    """Organisations of every kind a page shows differently."""
    from audit.services import Actor
    from helpdesk.services import publication_withdraw
    from tests.factories import publication_build

    now = timezone.now()
    hq = RegisteredOrganisationFactory(
        ods_code="VP100", name="Pine Group", kind=Organisation.Kind.HEADQUARTERS
    )
    covered = OrganisationFactory(ods_code="VP101", name="Pine House", parent=hq)
    registered_later = RegisteredOrganisationFactory(
        ods_code="VP102",
        name="Pine Lodge",
        parent=hq,
        registered_at=now - datetime.timedelta(days=20),
    )
    publication_build(
        hq,
        bank,
        level="met",
        sites=[covered, registered_later],
        published_at=now - datetime.timedelta(days=40),
    )
    # After the site registered: its history leaves this one out.
    publication_build(
        hq,
        bank,
        level="exceeded",
        sites=[covered, registered_later],
        published_at=now - datetime.timedelta(days=5),
    )
    publication_build(registered_later, bank, level="approaching")
    withdrawn = RegisteredOrganisationFactory(ods_code="VP200", name="Pine Mews")
    publication_build(withdrawn, bank, level="met", published_at=now - datetime.timedelta(days=30))
    publication_withdraw(
        publication=publication_build(withdrawn, bank, level="exceeded"),
        reason="Published in error",
        actor=Actor(user=helpdesk_operator),
    )
    OrganisationFactory(
        ods_code="VP300",
        name="Old Pine",
        directory_status="18/19 Standards Met",
        directory_published_on=datetime.date(2019, 1, 25),
    )
    RegisteredOrganisationFactory(ods_code="VP400", name="Pine Nothing Yet")
    return ["VP100", "VP101", "VP102", "VP200", "VP300", "VP400"]


def test_a_page_read_in_one_statement_is_the_page_read_in_several(pages_world):
    for code in pages_world:
        one = organisation_public_view_for_code(code=code)
        several = organisation_public_view(organisation=organisation_public_get(ods_code=code))
        assert one == several, code
        assert one.organisation.parent == several.organisation.parent, code
        if one.organisation.parent is not None:
            assert one.organisation.parent.name == several.organisation.parent.name
    # And the organisations differ where the comparison has to look.
    views = {code: organisation_public_view_for_code(code=code) for code in pages_world}
    assert [entry.status_text for entry in views["VP102"].history] == [
        "25/26 Approaching Standards",
        "25/26 Standards Met",
    ]
    assert views["VP102"].status.level == "Approaching Standards"
    assert [branch.organisation.ods_code for branch in views["VP100"].branches] == [
        "VP101",
        "VP102",
    ]
    assert views["VP200"].has_withdrawn
    assert views["VP200"].status.level == "Standards Met"
    assert views["VP300"].status.from_directory
    assert organisation_public_view_for_code(code="VP999") is None


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="one statement on PostgreSQL; the embedded default reads the page in several",
)
def test_a_sites_page_is_read_in_one_statement(pages_world):
    with CaptureQueriesContext(connection) as queries:
        view = organisation_public_view_for_code(code="VP101")
    assert view.status.via_hq_code == "VP100"
    assert len(queries.captured_queries) == 1
    # An HQ's branches and their statuses take two more.
    with CaptureQueriesContext(connection) as queries:
        organisation_public_view_for_code(code="VP100")
    assert len(queries.captured_queries) == 3
