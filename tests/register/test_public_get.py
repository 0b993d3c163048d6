"""`register.search.organisation_public_get`: the organisation a code names, with its HQ, read as
public columns only (kept answers hold what it reads), through a query compiled once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Organisation
from register.search import PUBLIC_COLUMNS, organisation_public_get, organisation_public_view

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
