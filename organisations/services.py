"""Writes. Every change to organisations, people and invitations goes through a function here."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import dateformat, timezone

from audit.models import Event
from audit.services import Actor, audit_record

from .models import (
    Invitation,
    Membership,
    Organisation,
    OrganisationProfile,
    PendingRegistration,
    RegistrationRequest,
    User,
)
from .roles import Role
from .rules import (
    NEW_LINKS_PER_DAY,
    is_last_administrator_change,
    may_self_register,
    new_link_wait,
)


class ServiceError(Exception):
    """A change that cannot be made, with a message written for the person who asked for it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RegistrationError(ServiceError):
    pass


class LastAdministratorError(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the same thing since the page was loaded."""


class InvitationError(ServiceError):
    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


# --- Registration -------------------------------------------------------------------------------
#
# Nothing is created until the email address is confirmed: the form only mails a single-use link
# (stored as a hash, like an invitation), and the link finishes registration. Every rule is checked
# again when the link is used, because someone else may have registered the code meanwhile.

REGISTRATION_LINK_HOURS = 24


class RegistrationLinkError(ServiceError):
    def __init__(self, message: str, *, status: int, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds, with status 429


def registration_problem(
    *, organisation: Organisation | None, ods_code: str, approved: bool = False
) -> str | None:
    """Why this organisation cannot be registered now, or None when it can.

    Only what anyone can see without an email address: the public search already shows whether an
    organisation is registered. Whether it may register itself is `needs_helpdesk`.
    `approved`: through a request the helpdesk approved, which may register an organisation whose
    registration is suspended (the rightful owner of a disputed registration), never one in use.
    """
    if organisation is None:
        return (
            f"We cannot find the ODS code {ods_code} in the national directory. "
            "Check the code and try again"
        )
    if organisation.is_registered and organisation.is_suspended:
        if not approved:
            return (
                f"The registration of {organisation.name} ({organisation.ods_code}) is suspended "
                "while the helpdesk checks who should run it. Contact the helpdesk"
            )
    elif organisation.is_registered:
        return (
            f"{organisation.name} ({organisation.ods_code}) is already registered. "
            "Ask one of its administrators to invite you"
        )
    if organisation.is_closed():
        return (
            f"{organisation.name} ({organisation.ods_code}) closed on "
            f"{organisation.closed_on:%-d %B %Y} and cannot be registered"
        )
    return None


def needs_helpdesk(*, organisation: Organisation) -> bool:
    """Only adult social care providers register themselves; the helpdesk registers the rest."""
    return not may_self_register(
        primary_sector=organisation.primary_sector, ods_code=organisation.ods_code
    )


def helpdesk_reason(*, organisation: Organisation) -> str:
    sector = organisation.primary_sector or "not recorded"
    return (
        f"{organisation.name} ({organisation.ods_code}) is not listed as an adult social care "
        f"provider in the national directory (its sector is {sector}). Only adult social care "
        "providers register themselves on this service. Contact the helpdesk to register"
    )


def registration_hq_note(*, organisation: Organisation) -> str | None:
    """For a site whose HQ is registered: information, not a refusal."""
    parent = organisation.parent
    if parent is None or not parent.is_registered:
        return None
    return (
        f"Your HQ {parent.name} ({parent.ods_code}) is registered and can publish for this site. "
        "Register separately only if this site's policies and procedures differ from your HQ's: "
        "from then on this site publishes for itself"
    )


def _registration_refusal(organisation: Organisation, *, approved: bool = False) -> str | None:
    if approved:
        # The helpdesk's decision waives the sector check.
        return registration_problem(
            organisation=organisation, ods_code=organisation.ods_code, approved=True
        )
    problem = registration_problem(organisation=organisation, ods_code=organisation.ods_code)
    if problem is None and needs_helpdesk(organisation=organisation):
        problem = helpdesk_reason(organisation=organisation)
    return problem


def registration_start(
    *,
    organisation_id: int,
    email: str,
    link_for: Callable[[str], str],
    actor: Actor | None = None,
    approved_request: RegistrationRequest | None = None,
) -> PendingRegistration | None:
    """Emails the address a single-use link that finishes registering the organisation.

    The person's page says the same whatever happens here, so only the owner of the address learns
    whether it has an account or whether the organisation can still be registered. Returns the
    pending registration, or None when the email explained why it cannot go ahead.
    `link_for(token)` turns the token into the absolute link; the actor's address is kept with it.
    `approved_request`: the helpdesk approved this request (see `registration_approved_problem`).
    """
    email = User.objects.normalize_email(email).strip().lower()
    organisation = Organisation.objects.select_related("parent").get(pk=organisation_id)
    has_account = User.objects.filter(email__iexact=email).exists()
    context = {
        "organisation": organisation,
        "service_name": settings.DSPT_SERVICE_NAME,
        "has_account": has_account,
    }
    subject = f"Registering {organisation.name} on the {settings.DSPT_SERVICE_NAME}"
    problem = _registration_refusal(organisation, approved=approved_request is not None)
    pending = None
    if problem:
        context["problem"] = problem
        body = render_to_string("organisations/email/registration_refused.txt", context)
    else:
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        with transaction.atomic():
            # Only the newest link for this address and organisation works.
            PendingRegistration.objects.filter(
                organisation=organisation,
                email__iexact=email,
                completed_at__isnull=True,
                cancelled_at__isnull=True,
            ).update(cancelled_at=now)
            pending = PendingRegistration.objects.create(
                organisation=organisation,
                email=email,
                token_hash=_token_hash(token),
                created_at=now,
                expires_at=now + timedelta(hours=REGISTRATION_LINK_HOURS),
                ip_address=actor.ip_address if actor is not None else None,
                approved_request=approved_request,
            )
        context.update({"pending": pending, "link": link_for(token)})
        body = render_to_string("organisations/email/registration_link.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return pending


_Tokened = TypeVar("_Tokened", bound=Model)


def _find_by_token(queryset: QuerySet[_Tokened], token: str) -> _Tokened | None:
    """The row whose stored hash is this emailed token's, or None (never a query for a token
    no link of ours could hold)."""
    if not token or len(token) > 200:
        return None
    return queryset.filter(token_hash=_token_hash(token)).first()


def registration_find(*, token: str) -> PendingRegistration | None:
    return _find_by_token(
        PendingRegistration.objects.select_related("organisation", "organisation__parent"), token
    )


def registration_link_problem(*, pending: PendingRegistration) -> RegistrationLinkError | None:
    """Why this link cannot finish registration now, or None. Checks every rule again."""
    if pending.completed_at is not None:
        return RegistrationLinkError(
            "This link has already been used. Sign in to work on your organisation", status=410
        )
    if pending.cancelled_at is not None:
        return RegistrationLinkError(
            "This link has been replaced by a newer one. Use the link in the most recent email "
            "we sent you, or ask for a new link",
            status=410,
        )
    if pending.expires_at <= timezone.now():
        return RegistrationLinkError(
            f"This link has expired. Links last {REGISTRATION_LINK_HOURS} hours. "
            "We can send a new link to the same email address",
            status=410,
        )
    return _registration_organisation_problem(pending)


def _registration_organisation_problem(
    pending: PendingRegistration,
) -> RegistrationLinkError | None:
    """Why the organisation cannot be registered through this link now, or None."""
    organisation = pending.organisation
    approved = pending.approved_request_id is not None
    if organisation.is_suspended and not approved:
        return RegistrationLinkError(
            f"The registration of {organisation.name} ({organisation.ods_code}) is suspended "
            "while the helpdesk checks who should run it. Contact the helpdesk",
            status=409,
        )
    if organisation.is_registered and not (approved and organisation.is_suspended):
        return RegistrationLinkError(
            f"{organisation.name} ({organisation.ods_code}) was registered by someone else after "
            "you asked for this link. Ask one of its administrators to invite you",
            status=409,
        )
    problem = _registration_refusal(organisation, approved=approved)
    if problem:
        return RegistrationLinkError(problem, status=409)
    return None


def registration_new_link_offered(*, pending: PendingRegistration) -> bool:
    """Whether the page of this link offers "Send a new link": it has expired or been replaced,
    was never used, and the organisation can still be registered through it."""
    return (
        pending.completed_at is None
        and not pending.is_pending()
        and _registration_organisation_problem(pending) is None
    )


def registration_link_resend(
    *, token: str, link_for: Callable[[str], str], actor: Actor | None = None
) -> PendingRegistration:
    """Emails a new link for the registration whose expired (or replaced) link is `token`: to the
    address already on it, never another, with the helpdesk's approval it carried. Every other
    link for that address and organisation stops working. At most NEW_LINKS_PER_DAY new links a
    day per registration. Raises RegistrationLinkError with a message for the person."""
    if not token or len(token) > 200:
        raise RegistrationLinkError("We cannot find this registration link", status=404)
    now = timezone.now()
    with transaction.atomic():
        pending = (
            PendingRegistration.objects.select_for_update(of=("self",))
            .select_related("organisation", "organisation__parent")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        if pending is None:
            raise RegistrationLinkError("We cannot find this registration link", status=404)
        # The whole registration: every link for this address and organisation, locked, so two
        # requests at once are counted one after the other.
        links = list(
            PendingRegistration.objects.select_for_update()
            .filter(organisation_id=pending.organisation_id, email__iexact=pending.email)
            .order_by("pk")
        )
        if any(link.completed_at is not None for link in links):
            raise RegistrationLinkError(
                "This registration has been finished. Sign in to work on your organisation",
                status=410,
            )
        if pending.is_pending(now):
            raise RegistrationLinkError(
                "This link still works: use it to finish registering", status=409
            )
        wait_until = new_link_wait(
            sent_at=[link.created_at for link in links if link.resent_from_id is not None],
            now=now,
        )
        if wait_until is not None:
            raise RegistrationLinkError(
                f"We have already sent {NEW_LINKS_PER_DAY} new links for this registration in "
                "the last 24 hours. Check your inbox and junk or spam folder for the newest "
                "email from us. You can ask for another after "
                + dateformat.format(timezone.localtime(wait_until), r"H:i \o\n j F Y"),
                status=429,
                retry_after=max(1, int((wait_until - now).total_seconds())),
            )
        problem = _registration_organisation_problem(pending)
        if problem:
            raise problem
        PendingRegistration.objects.filter(
            pk__in=[link.pk for link in links],
            completed_at__isnull=True,
            cancelled_at__isnull=True,
        ).update(cancelled_at=now)
        new_token = secrets.token_urlsafe(32)
        fresh = PendingRegistration.objects.create(
            organisation=pending.organisation,
            email=pending.email,
            token_hash=_token_hash(new_token),
            created_at=now,
            expires_at=now + timedelta(hours=REGISTRATION_LINK_HOURS),
            ip_address=actor.ip_address if actor is not None else None,
            approved_request=pending.approved_request,
            resent_from=pending,
        )
        audit_record(
            actor=actor,
            event=Event.REGISTRATION_LINK_RESENT,
            organisation=pending.organisation,
            actor_email=pending.email,
            detail=f"A new link to finish registering {pending.organisation.name} was emailed "
            f"to {pending.email}, asked for from an earlier link that no longer worked"
            + (" (approved by the helpdesk)" if pending.approved_request_id else ""),
        )
    organisation = pending.organisation
    context = {
        "organisation": organisation,
        "service_name": settings.DSPT_SERVICE_NAME,
        "has_account": User.objects.filter(email__iexact=pending.email).exists(),
        "pending": fresh,
        "link": link_for(new_token),
        "new_link": True,
    }
    send_mail(
        f"Your new link to register {organisation.name} on the {settings.DSPT_SERVICE_NAME}",
        render_to_string("organisations/email/registration_link.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [pending.email],
    )
    return fresh


def organisation_register(
    *, organisation_id: int, user: User, approved: bool = False
) -> Membership:
    """Registers a directory organisation; the person becomes its first administrator.

    Locks the organisation row so two people registering the same code at once cannot both win.
    Callers have proved the person holds the email address (see `registration_complete`).
    `approved`: through a request the helpdesk approved, which may register an organisation whose
    registration is suspended: it is registered afresh, and the people of the suspended
    registration keep their (suspended) memberships, without access.
    """
    with transaction.atomic():
        organisation = (
            Organisation.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=organisation_id)
        )
        problem = _registration_refusal(organisation, approved=approved)
        if problem:
            raise RegistrationError(problem)
        organisation.registration_state = Organisation.RegistrationState.REGISTERED
        organisation.registered_at = timezone.now()
        organisation.suspended_at = None
        organisation.save(
            update_fields=["registration_state", "registered_at", "suspended_at", "updated_at"]
        )
        OrganisationProfile.objects.get_or_create(organisation=organisation)
        earlier = Membership.objects.filter(user=user, organisation=organisation).first()
        if earlier is not None:
            # The new owner was one of the suspended registration's people.
            earlier.role = Role.ADMINISTRATOR
            earlier.suspended_at = None
            earlier.save(update_fields=["role", "suspended_at", "updated_at"])
            return earlier
        return Membership.objects.create(
            user=user, organisation=organisation, role=Role.ADMINISTRATOR
        )


def registration_complete(
    *,
    token: str,
    user: User | None = None,
    new_account: NewAccount | None = None,
    actor: Actor | None = None,
) -> Membership:
    """Uses a registration link once: the signed-in owner of the address, or a new account for
    it, becomes the organisation's first administrator."""
    if (user is None) == (new_account is None):
        raise ValueError("Give either an existing user or a new account")
    with transaction.atomic():
        pending = (
            PendingRegistration.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        if pending is None:
            raise RegistrationLinkError("We cannot find this registration link", status=404)
        problem = registration_link_problem(pending=pending)
        if problem:
            raise problem
        if new_account is not None:
            already = RegistrationLinkError(
                "An account already uses this email address. Sign in to finish registering",
                status=409,
            )
            if User.objects.filter(email__iexact=pending.email).exists():
                raise already
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        pending.email, new_account.password, full_name=new_account.full_name
                    )
            except IntegrityError as error:
                raise already from error
        assert user is not None
        if user.email.lower() != pending.email.lower():
            raise RegistrationLinkError(
                f"This link was sent to {pending.email}, but you are signed in as {user.email}. "
                "Sign out, then open the link again",
                status=403,
            )
        try:
            membership = organisation_register(
                organisation_id=pending.organisation_id,
                user=user,
                approved=pending.approved_request_id is not None,
            )
        except RegistrationError as error:
            raise RegistrationLinkError(error.message, status=409) from error
        pending.completed_at = timezone.now()
        pending.completed_by = user
        pending.save(update_fields=["completed_at", "completed_by"])
        audit_record(
            actor=actor,
            event=Event.ORGANISATION_REGISTERED,
            user=membership.user,
            organisation=membership.organisation,
            detail=f"Confirmed by the link emailed to {pending.email}"
            + (" (approved by the helpdesk)" if pending.approved_request_id else ""),
        )
        return membership


def registration_request_store(
    *,
    organisation: Organisation,
    email: str,
    full_name: str,
    reason: str,
    actor: Actor | None = None,
) -> RegistrationRequest:
    """Keeps a request from an organisation that may not register itself, for the helpdesk."""
    with transaction.atomic():
        stored = RegistrationRequest.objects.create(
            ods_code=organisation.ods_code,
            organisation=organisation,
            organisation_name=organisation.name,
            primary_sector=organisation.primary_sector,
            email=User.objects.normalize_email(email).strip().lower(),
            full_name=full_name,
            reason=reason,
            ip_address=actor.ip_address if actor is not None else None,
        )
        audit_record(
            actor=actor,
            event=Event.REGISTRATION_REQUESTED,
            organisation=None,
            actor_email=stored.email,
            detail=f"{stored.organisation_name} ({stored.ods_code})",
        )
        return stored


@dataclass(frozen=True)
class NewAccount:
    full_name: str
    email: str
    password: str


# --- Organisation profile -----------------------------------------------------------------------


def profile_update(
    *,
    organisation: Organisation,
    expected_version: int,
    changes: dict,
    updated_by: User,
    actor: Actor | None = None,
) -> OrganisationProfile:
    with transaction.atomic():
        # The first save creates the profile: pages only read it (selectors.profile_get).
        OrganisationProfile.objects.get_or_create(organisation=organisation)
        profile = OrganisationProfile.objects.select_for_update().get(organisation=organisation)
        if profile.version != expected_version:
            raise ConflictError(
                "Someone else changed the organisation profile after you opened this page. "
                "Check their changes below, then make yours again"
            )
        for name, value in changes.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.version += 1
        profile.updated_by = updated_by
        profile.save()
        audit_record(
            actor=actor,
            event=Event.PROFILE_CHANGED,
            user=updated_by,
            organisation=organisation,
        )
        return profile


# --- People -------------------------------------------------------------------------------------


def _lock_administrators(organisation: Organisation) -> int:
    """Locks the organisation's administrator rows and returns how many there are.

    Two administrators demoting each other at the same moment must not leave none behind.
    """
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=Role.ADMINISTRATOR, suspended_at__isnull=True)
        .values_list("pk", flat=True)
    )
    return len(admins)


def membership_change_role(
    *,
    organisation: Organisation,
    membership_id: int,
    role: Role,
    expected_role: Role | str,
    actor: Actor | None = None,
) -> Membership:
    with transaction.atomic():
        administrator_count = _lock_administrators(organisation)
        membership = (
            organisation.memberships.select_for_update()
            .filter(suspended_at__isnull=True)
            .select_related("user")
            .get(pk=membership_id)
        )
        if membership.role != expected_role:
            raise ConflictError(
                f"Someone else changed {membership.user}'s role to "
                f"{membership.get_role_display().lower()} after you opened this page"
            )
        if is_last_administrator_change(
            current_role=membership.role, new_role=role, administrator_count=administrator_count
        ):
            raise LastAdministratorError(
                f"{membership.user} is the only administrator. Make someone else an "
                "administrator first"
            )
        previous = membership.get_role_display().lower()
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            actor=actor,
            event=Event.ROLE_CHANGED,
            organisation=organisation,
            detail=f"{membership.user.email}: {previous} to {Role(role).label.lower()}",
        )
        return membership


def membership_remove(
    *, organisation: Organisation, membership_id: int, actor: Actor | None = None
) -> User:
    with transaction.atomic():
        administrator_count = _lock_administrators(organisation)
        membership = (
            organisation.memberships.select_for_update()
            .filter(suspended_at__isnull=True)
            .select_related("user")
            .get(pk=membership_id)
        )
        if is_last_administrator_change(
            current_role=membership.role, new_role=None, administrator_count=administrator_count
        ):
            raise LastAdministratorError(
                f"{membership.user} is the only administrator and cannot be removed. Make "
                "someone else an administrator first"
            )
        membership.delete()
        audit_record(
            actor=actor,
            event=Event.PERSON_REMOVED,
            organisation=organisation,
            detail=membership.user.email,
        )
        return membership.user


# --- Invitations --------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: Role,
    invited_by: User,
    accept_url_for: Callable[[str], str],
    actor: Actor | None = None,
    record: Callable[[Invitation], object] | None = None,
) -> Invitation:
    """Creates an invitation and emails its single-use link.

    `accept_url_for(token)` turns the token into the absolute link; only a hash of the token is
    stored, so the link cannot be recovered from the database. A pending invitation for the same
    address is replaced so only the newest link works. `record(invitation)` writes the audit
    event instead of "Invitation sent" (the helpdesk sending one again records its own).
    """
    email = User.objects.normalize_email(email).strip().lower()
    if organisation.memberships.filter(
        user__email__iexact=email, suspended_at__isnull=True
    ).exists():
        raise ServiceError(f"{email} is already a member of {organisation.name}")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        organisation.invitations.filter(
            email__iexact=email, accepted_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=now)
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + timedelta(days=settings.DSPT_INVITATION_DAYS),
        )
        if record is not None:
            record(invitation)
        else:
            audit_record(
                actor=actor,
                event=Event.INVITATION_SENT,
                user=invited_by,
                organisation=organisation,
                detail=f"{invitation.email} as {invitation.get_role_display().lower()}",
            )
        context = {
            "invitation": invitation,
            "accept_url": accept_url_for(token),
            "service_name": settings.DSPT_SERVICE_NAME,
        }
        subject = (
            f"You have been invited to join {organisation.name} on the {settings.DSPT_SERVICE_NAME}"
        )
        body = render_to_string("organisations/email/invitation.txt", context)
    # Sent only once the invitation is saved, so a failed save never reaches anyone's inbox.
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email])
    return invitation


def invitation_cancel(
    *, organisation: Organisation, invitation_id: int, actor: Actor | None = None
) -> Invitation:
    with transaction.atomic():
        invitation = organisation.invitations.select_for_update().get(pk=invitation_id)
        if invitation.accepted_at is None and invitation.cancelled_at is None:
            invitation.cancelled_at = timezone.now()
            invitation.save(update_fields=["cancelled_at"])
            audit_record(
                actor=actor,
                event=Event.INVITATION_CANCELLED,
                organisation=organisation,
                detail=invitation.email,
            )
    return invitation


def invitation_find(*, token: str) -> Invitation | None:
    return _find_by_token(Invitation.objects.select_related("organisation", "invited_by"), token)


def invitation_problem(*, invitation: Invitation) -> InvitationError | None:
    if invitation.organisation.is_suspended:
        return InvitationError(
            f"The registration of {invitation.organisation.name} is suspended while the helpdesk "
            "checks who should run it, so this invitation cannot be used now. Contact the helpdesk",
            status=409,
        )
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        return InvitationError(
            "This invitation link has already been used or was cancelled. Ask an administrator "
            f"of {invitation.organisation.name} to send you a new invitation",
            status=410,
        )
    if invitation.expires_at <= timezone.now():
        return InvitationError(
            "This invitation link has expired. Invitations last "
            f"{settings.DSPT_INVITATION_DAYS} days. Ask an administrator of "
            f"{invitation.organisation.name} to send you a new one",
            status=410,
        )
    return None


def invitation_accept(
    *,
    token: str,
    user: User | None = None,
    new_account: NewAccount | None = None,
    actor: Actor | None = None,
) -> Membership:
    """Accepts an invitation once: adds the membership for the signed-in person or a new account."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        if invitation is None:
            raise InvitationError("We cannot find this invitation", status=404)
        problem = invitation_problem(invitation=invitation)
        if problem:
            raise problem
        if new_account is not None:
            if User.objects.filter(email__iexact=invitation.email).exists():
                raise InvitationError(
                    "An account already uses this email address. Sign in to accept the invitation",
                    status=409,
                )
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        invitation.email, new_account.password, full_name=new_account.full_name
                    )
            except IntegrityError as error:
                raise InvitationError(
                    "An account already uses this email address. Sign in to accept the invitation",
                    status=409,
                ) from error
        assert user is not None
        if user.email.lower() != invitation.email.lower():
            raise InvitationError(
                f"This invitation was sent to {invitation.email}, but you are signed in as "
                f"{user.email}. Sign out, then open the link again",
                status=403,
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=invitation.organisation, defaults={"role": invitation.role}
        )
        if not created and membership.suspended_at is not None:
            # One of the people of an earlier, suspended registration, invited by the new one.
            membership.role = invitation.role
            membership.suspended_at = None
            membership.save(update_fields=["role", "suspended_at", "updated_at"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            actor=actor,
            event=Event.INVITATION_ACCEPTED,
            user=user,
            organisation=invitation.organisation,
            detail=f"{invitation.email} as {membership.get_role_display().lower()}",
        )
        return membership
