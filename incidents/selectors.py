"""Reads for incident reports. Every read takes the organisation: another organisation's incident
is never found."""

from __future__ import annotations

from django.db.models import QuerySet

from organisations.models import Organisation

from .models import Incident


def incident_list(*, organisation: Organisation) -> QuerySet[Incident]:
    return Incident.objects.filter(organisation=organisation).select_related(
        "created_by", "submitted_by"
    )


def incident_get(*, organisation: Organisation, incident_id: int) -> Incident:
    """Raises Incident.DoesNotExist for an id that is not this organisation's."""
    return incident_list(organisation=organisation).get(pk=incident_id)
