"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from organisations.models import Membership, Organisation

from .models import AuditEvent


def activity_for(*, organisation: Organisation, event: str = "") -> QuerySet[AuditEvent]:
    """Events in this organisation, and its people's own account events (sign-ins, two-factor)
    from the time they joined it: never another organisation's events, and nothing a person
    did before they were one of its people (when they may have worked for someone else).
    Each carries `by_helpdesk`: made by helpdesk staff (on the organisation's behalf)."""
    while_a_member = Exists(
        Membership.objects.filter(
            organisation=organisation,
            user_id=OuterRef("user_id"),
            created_at__lte=OuterRef("created_at"),
        )
    )
    events = (
        AuditEvent.objects.filter(
            Q(organisation=organisation) | Q(while_a_member, organisation__isnull=True)
        )
        .select_related("user")
        # Done by helpdesk staff: shown as "Helpdesk (their name)", the detail as the sentence.
        .annotate(
            by_helpdesk=ExpressionWrapper(
                Q(user__helpdesk_operator__isnull=False), output_field=BooleanField()
            )
        )
    )
    if event:
        events = events.filter(event=event)
    return events.order_by("-created_at", "-pk")
