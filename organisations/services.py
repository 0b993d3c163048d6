"""Writes. Every change to organisations, people and invitations goes through a function here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Invitation, Membership, Organisation, OrganisationProfile, User
from .roles import Role
from .rules import is_last_administrator_change


class ServiceError(Exception):
    """A change that cannot be made, with a message written for the person who asked for it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RegistrationError(ServiceError):
    pass


class ExistingAccount(Exception):
    """Registration with an email address that already has an account.

    The page must not say so (that would tell anyone which addresses have accounts), so the
    owner of the address is told by email instead.
    """

    def __init__(self, email: str):
        super().__init__(email)
        self.email = email


def existing_account_notify(*, email: str, organisation: Organisation, sign_in_url: str) -> None:
    body = render_to_string(
        "organisations/email/registration_existing_account.txt",
        {"organisation": organisation, "sign_in_url": sign_in_url},
    )
    send_mail(
        f"Registering {organisation.name} on the {settings.DSPT_SERVICE_NAME}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [email],
    )


class LastAdministratorError(ServiceError):
    pass


class ConflictError(ServiceError):
    """Someone else changed the same thing since the page was loaded."""


class InvitationError(ServiceError):
    def __init__(self, message: str, *, status: int):
        super().__init__(message)
        self.status = status


# --- Registration -------------------------------------------------------------------------------


def registration_problem(*, organisation: Organisation | None, ods_code: str) -> str | None:
    """Why this organisation cannot be registered now, or None when it can."""
    if organisation is None:
        return (
            f"We cannot find the ODS code {ods_code} in the national directory. "
            "Check the code and try again"
        )
    if organisation.is_registered:
        return (
            f"{organisation.name} ({organisation.ods_code}) is already registered. "
            "Ask one of its administrators to invite you"
        )
    parent = organisation.parent
    if parent is not None and parent.is_registered:
        return (
            f"This site is covered by its HQ {parent.name} ({parent.ods_code}). "
            "Ask an administrator there to invite you"
        )
    if organisation.is_closed():
        return (
            f"{organisation.name} ({organisation.ods_code}) closed on "
            f"{organisation.closed_on:%-d %B %Y} and cannot be registered"
        )
    return None


@dataclass(frozen=True)
class NewAccount:
    full_name: str
    email: str
    password: str


def organisation_register(
    *,
    organisation_id: int,
    primary_sector: str,
    user: User | None = None,
    new_account: NewAccount | None = None,
) -> Membership:
    """Registers a directory organisation; the person becomes its first administrator.

    Locks the organisation row so two people registering the same code at once cannot both win.
    """
    if (user is None) == (new_account is None):
        raise ValueError("Give either an existing user or a new account")
    with transaction.atomic():
        organisation = (
            Organisation.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=organisation_id)
        )
        problem = registration_problem(organisation=organisation, ods_code=organisation.ods_code)
        if problem:
            raise RegistrationError(problem)
        if new_account is not None:
            if User.objects.filter(email__iexact=new_account.email).exists():
                raise ExistingAccount(new_account.email)
            user = User.objects.create_user(
                new_account.email, new_account.password, full_name=new_account.full_name
            )
        organisation.primary_sector = primary_sector
        organisation.registration_state = Organisation.RegistrationState.REGISTERED
        organisation.registered_at = timezone.now()
        organisation.save(
            update_fields=["primary_sector", "registration_state", "registered_at", "updated_at"]
        )
        OrganisationProfile.objects.get_or_create(organisation=organisation)
        return Membership.objects.create(
            user=user, organisation=organisation, role=Role.ADMINISTRATOR
        )


# --- Organisation profile -----------------------------------------------------------------------


def profile_get_or_create(*, organisation: Organisation) -> OrganisationProfile:
    profile, _ = OrganisationProfile.objects.get_or_create(organisation=organisation)
    return profile


def profile_update(
    *, organisation: Organisation, expected_version: int, changes: dict, updated_by: User
) -> OrganisationProfile:
    with transaction.atomic():
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
        return profile


# --- People -------------------------------------------------------------------------------------


def _lock_administrators(organisation: Organisation) -> int:
    """Locks the organisation's administrator rows and returns how many there are.

    Two administrators demoting each other at the same moment must not leave none behind.
    """
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=Role.ADMINISTRATOR)
        .values_list("pk", flat=True)
    )
    return len(admins)


def membership_change_role(
    *, organisation: Organisation, membership_id: int, role: Role, expected_role: Role | str
) -> Membership:
    with transaction.atomic():
        administrator_count = _lock_administrators(organisation)
        membership = (
            organisation.memberships.select_for_update()
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
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        return membership


def membership_remove(*, organisation: Organisation, membership_id: int) -> User:
    with transaction.atomic():
        administrator_count = _lock_administrators(organisation)
        membership = (
            organisation.memberships.select_for_update()
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
    accept_url_for,
) -> Invitation:
    """Creates an invitation and emails its single-use link.

    `accept_url_for(token)` turns the token into the absolute link; only a hash of the token is
    stored, so the link cannot be recovered from the database. A pending invitation for the same
    address is replaced so only the newest link works.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
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


def invitation_cancel(*, organisation: Organisation, invitation_id: int) -> Invitation:
    invitation = organisation.invitations.get(pk=invitation_id)
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
    return invitation


def invitation_find(*, token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=_token_hash(token))
        .first()
    )


def invitation_problem(*, invitation: Invitation) -> InvitationError | None:
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
    *, token: str, user: User | None = None, new_account: NewAccount | None = None
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
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        return membership
