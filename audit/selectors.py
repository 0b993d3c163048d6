"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from organisations.models import Membership, Organisation

from .models import AuditEvent


def activity_for(*, organisation: Organisation, event: str = "") -> QuerySet[AuditEvent]:
    """Events in this organisation, and its people's own account events (sign-ins, two-factor)
    from the time they joined it: never another organisation's events, and nothing a person
    did before they were one of its people (when they may have worked for someone else)."""
    while_a_member = Exists(
        Membership.objects.filter(
            organisation=organisation,
            user_id=OuterRef("user_id"),
            created_at__lte=OuterRef("created_at"),
        )
    )
    events = AuditEvent.objects.filter(
        Q(organisation=organisation) | Q(while_a_member, organisation__isnull=True)
    ).select_related("user")
    if event:
        events = events.filter(event=event)
    return events.order_by("-created_at", "-pk")
