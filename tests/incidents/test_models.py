"""What the database itself refuses about incidents."""

import pytest
from django.db import IntegrityError, transaction

from incidents.models import Incident, IncidentUpdate, reference_for


@pytest.mark.django_db
def test_only_a_draft_may_have_no_reference(organisation):
    Incident.objects.create(organisation=organisation)  # a draft
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(organisation=organisation, state=Incident.State.SUBMITTED)


@pytest.mark.django_db
def test_references_are_unique(organisation):
    Incident.objects.create(organisation=organisation, state="submitted", reference="INC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(organisation=organisation, state="submitted", reference="INC-1")


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["likelihood", "severity"])
@pytest.mark.parametrize("value", [0, 6])
def test_levels_outside_1_to_5_are_refused(organisation, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(organisation=organisation, **{field: value})


@pytest.mark.django_db
def test_an_update_level_outside_1_to_5_is_refused(organisation):
    incident = Incident.objects.create(organisation=organisation)
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentUpdate.objects.create(incident=incident, kind="follow_up", revised_severity=9)


@pytest.mark.parametrize(
    ("pk", "year", "reference"),
    [
        (123, 2026, "INC-2026-000123"),
        (1, 2027, "INC-2027-000001"),
        (1234567, 2026, "INC-2026-1234567"),
    ],
)
def test_reference_format(pk, year, reference):
    assert reference_for(pk=pk, year=year) == reference


def test_every_step_form_reads_and_writes_its_own_answers():
    """The step base class only declares initial_from/values; every step must override both."""
    from incidents.forms import STEP_FORMS, StepForm

    for step, form_class in STEP_FORMS.items():
        assert form_class.initial_from is not StepForm.initial_from, step
        assert form_class.values is not StepForm.values, step
