"""The audit trail: recording security-relevant events, and reading them for administrators."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet

from dspt_portal.client_address import client_ip

from .models import AuditEvent, Membership, Organisation, User


class Event(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGNED_OUT = "signed_out", "Signed out"
    MFA_ENABLED = "mfa_enabled", "Two-factor authentication turned on"
    MFA_DISABLED = "mfa_disabled", "Two-factor authentication turned off"
    MFA_VERIFIED = "mfa_verified", "Two-factor code accepted"
    MFA_FAILED = "mfa_failed", "Two-factor code refused"
    MFA_RECOVERY_CODES = "mfa_recovery_codes", "New recovery codes made"
    ORGANISATION_REGISTERED = "organisation_registered", "Organisation registered"
    REGISTRATION_REQUESTED = "registration_requested", "Registration request sent to the helpdesk"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_CANCELLED = "invitation_cancelled", "Invitation cancelled"
    ROLE_CHANGED = "role_changed", "Role changed"
    PERSON_REMOVED = "person_removed", "Person removed"
    PROFILE_CHANGED = "profile_changed", "Organisation profile changed"
    PUBLISHED = "published", "Assessment published"
    DOCUMENT_DOWNLOADED = "document_downloaded", "Evidence document downloaded"
    EXPORT_REQUESTED = "export_requested", "Document requested"
    EXPORT_DOWNLOADED = "export_downloaded", "Document downloaded"


FROM_REQUEST = object()


@dataclass(frozen=True)
class Actor:
    """Who is making a change and from where: taken from the request by a view and handed to the
    service, which records the change's event in the same transaction as the change itself (so
    there is never a change without its event, or an event for a change that was rolled back)."""

    user: User | None = None
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> Actor:
        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )


def audit_record(
    *,
    event: Event | str,
    request=None,
    actor: Actor | None = None,
    user: User | None = None,
    organisation: Organisation | None | object = FROM_REQUEST,
    detail: str = "",
    actor_email: str = "",
) -> AuditEvent:
    """Records an event. The organisation defaults to the request's current one; pass None for
    events about a person's own account (sign-ins, two-factor changes).

    Services pass `actor` (no request): the person defaults to the actor's, and the organisation
    must be given."""
    if actor is None and request is not None:
        actor = Actor.from_request(request)
    if user is None and actor is not None:
        user = actor.user
    if organisation is FROM_REQUEST:
        organisation = getattr(request, "organisation", None) if request is not None else None
    return AuditEvent.objects.create(
        organisation=organisation,
        user=user,
        actor_email=(actor_email or (user.email if user else ""))[:254],
        event=str(event),
        detail=detail[:500],
        ip_address=actor.ip_address if actor is not None else None,
        user_agent=(actor.user_agent if actor is not None else "")[:300],
    )


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
