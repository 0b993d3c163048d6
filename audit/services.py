"""Writing the audit trail. Each service that makes a change records its event here, in the
change's own transaction; views only say who is acting (`Actor.from_request`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from dspt_portal.client_address import client_ip

from .models import AuditEvent, Event

if TYPE_CHECKING:
    from organisations.models import Organisation, User


@dataclass(frozen=True)
class Actor:
    """Who is making a change and from where: taken from the request by a view and handed to the
    service, which records the change's event in the same transaction as the change itself (so
    there is never a change without its event, or an event for a change that was rolled back)."""

    user: User | None = None
    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = getattr(request, "user", None)
        return cls(
            user=user if user is not None and user.is_authenticated else None,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )


def audit_record(
    *,
    event: Event | str,
    organisation: Organisation | None,
    actor: Actor | None = None,
    user: User | None = None,
    detail: str = "",
    actor_email: str = "",
) -> AuditEvent:
    """Records an event. `organisation` is None for events about a person's own account
    (sign-ins, two-factor changes). The person defaults to the actor's."""
    if user is None and actor is not None:
        user = actor.user
    return AuditEvent.objects.create(
        organisation=organisation,
        user=user,
        actor_email=(actor_email or (user.email if user else ""))[:254],
        event=str(event),
        detail=detail[:500],
        ip_address=actor.ip_address if actor is not None else None,
        user_agent=(actor.user_agent if actor is not None else "")[:300],
    )
