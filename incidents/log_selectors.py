"""Reads for the incident log and what follows submission. Every read takes the organisation:
another organisation's incidents are never found."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min, Q, QuerySet

from organisations.models import Organisation

from . import log_rules
from .models import Incident, IncidentNotification
from .selectors import incident_list


def incident_log(*, organisation: Organisation, filters: log_rules.LogFilters) -> list[Incident]:
    """The organisation's incidents matching `filters`, newest first, with their updates and
    notifications (three queries whatever the number)."""
    incidents: QuerySet[Incident] = incident_list(organisation=organisation).prefetch_related(
        "updates", "notifications"
    )
    if filters.status:
        incidents = incidents.filter(state=filters.status)
    if filters.category:
        incidents = incidents.filter(breach_category=filters.category)
    if filters.year:
        start, end = log_rules.year_bounds(filters.year)
        incidents = incidents.filter(
            Q(discovered_at__gte=start, discovered_at__lt=end)
            | Q(discovered_at__isnull=True, created_at__gte=start, created_at__lt=end)
        )
    return list(incidents)


def incident_earliest(*, organisation: Organisation) -> dt.date | None:
    """The local date of the organisation's earliest incident (for the years offered)."""
    found = Incident.objects.filter(organisation=organisation).aggregate(
        discovered=Min("discovered_at"), created=Min("created_at")
    )
    moments = [moment for moment in found.values() if moment is not None]
    return log_rules.local_date(min(moments)) if moments else None


def incident_reports_in_year(*, organisation: Organisation, year: str) -> int:
    """How many reports (submitted or closed, near misses included; not drafts, not withdrawn)
    the organisation has for incidents discovered in the DSPT year."""
    start, end = log_rules.year_bounds(year)
    return Incident.objects.filter(
        organisation=organisation,
        state__in=(Incident.State.SUBMITTED, Incident.State.CLOSED),
        discovered_at__gte=start,
        discovered_at__lt=end,
    ).count()


def incident_with_history(*, organisation: Organisation, incident_id: int) -> Incident:
    """One incident with its updates and notifications; Incident.DoesNotExist for another
    organisation's id."""
    return (
        incident_list(organisation=organisation)
        .prefetch_related("updates__created_by", "notifications__update")
        .get(pk=incident_id)
    )


def notification_get(
    *, organisation: Organisation, incident_id: int, notification_id: int
) -> IncidentNotification:
    """Raises IncidentNotification.DoesNotExist unless it is this organisation's incident's."""
    return IncidentNotification.objects.select_related("incident", "update").get(
        pk=notification_id, incident_id=incident_id, incident__organisation=organisation
    )
