"""What an operator does on a case: registration requests, suspending a disputed registration,
people (invitations, naming an administrator, unlocking, resetting two-factor) and HQ links.

Every function takes the operator as `actor` and a `reason` (checked by `reason_problem`), makes
its change in one transaction with its audit event, and reuses the rules and services providers
are held to. Each event belongs to the organisation acted on, names the operator as its person,
and its detail reads as a sentence ("The helpdesk made Ana Smith an administrator: previous
administrator left"), which is how the organisation's Activity page shows it.
"""

from __future__ import annotations

from collections.abc import Callable

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.mfa import mfa_enabled, mfa_remove
from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import Invitation, Membership, Organisation, RegistrationRequest, User
from organisations.roles import Role
from organisations.services import (
    ServiceError,
    invitation_create,
    registration_problem,
    registration_start,
)
from publishing.site_rules import SiteFacts, SiteOffer, site_offer

from .models import Operator
from .rules import (
    AdministratorCandidate,
    OrganisationPlace,
    hq_link_problem,
    hq_unlink_problem,
    make_administrator_problem,
    person_action_problem,
    reason_problem,
)


class HelpdeskError(ServiceError):
    """An action the helpdesk cannot take, with the reason; `status` 400 for a rule, 409 when
    the case changed since the page was opened."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


def _reason(reason: str) -> str:
    problem = reason_problem(reason)
    if problem:
        raise HelpdeskError(problem)
    return " ".join(reason.split())


def _operator(actor: Actor) -> User:
    if actor.user is None:
        raise ValueError("Helpdesk actions need the operator")
    return actor.user


def _record(*, event: Event, organisation: Organisation | None, actor: Actor, detail: str) -> None:
    audit_record(event=event, organisation=organisation, actor=actor, detail=detail)


def _send(subject: str, template: str, context: dict, to: list[str]) -> None:
    if not to:
        return
    context = {**context, "service_name": settings.DSPT_SERVICE_NAME}
    body = render_to_string(template, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


# --- Registration requests ------------------------------------------------------------------------


def _open_request(request_id: int) -> RegistrationRequest:
    stored = (
        RegistrationRequest.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=request_id)
    )
    if stored.state != RegistrationRequest.State.OPEN:
        raise HelpdeskError(
            f"{stored.decided_by_name or 'Another operator'} already "
            f"{stored.get_state_display().lower()} this request on "
            f"{timezone.localtime(stored.decided_at):%-d %B %Y at %H:%M}",
            status=409,
        )
    return stored


def _decide(stored: RegistrationRequest, *, state, reason: str, operator: User) -> None:
    stored.state = state
    stored.decided_at = timezone.now()
    stored.decided_by = operator
    stored.decided_by_name = operator.full_name or operator.email
    stored.decision_reason = reason
    stored.save(
        update_fields=["state", "decided_at", "decided_by", "decided_by_name", "decision_reason"]
    )


def registration_request_approve(
    *, request_id: int, reason: str, link_for: Callable[[str], str], actor: Actor
) -> RegistrationRequest:
    """Approves a request: the requester is emailed the registration link the normal flow sends
    (completing it makes them the first administrator), with the sector check waived by this
    decision. Refused when the organisation is registered and in use: suspend it first."""
    reason = _reason(reason)
    operator = _operator(actor)
    with transaction.atomic():
        stored = _open_request(request_id)
        if stored.organisation_id is None:
            raise HelpdeskError(
                f"{stored.ods_code} is no longer in the national directory, so it cannot be "
                "registered. Reject the request instead"
            )
        organisation = Organisation.objects.select_for_update().get(pk=stored.organisation_id)
        if organisation.is_registered and not organisation.is_suspended:
            raise HelpdeskError(
                f"{organisation.name} ({organisation.ods_code}) is already registered. If "
                "someone registered it who should not have, suspend its registration first",
                status=409,
            )
        problem = registration_problem(
            organisation=organisation, ods_code=organisation.ods_code, approved=True
        )
        if problem:
            raise HelpdeskError(problem)
        _decide(stored, state=RegistrationRequest.State.APPROVED, reason=reason, operator=operator)
        _record(
            event=Event.REQUEST_APPROVED,
            organisation=organisation,
            actor=actor,
            detail=f"The helpdesk approved the request from {stored.full_name} ({stored.email}) "
            f"to register {organisation.name}: {reason}",
        )
        pending = registration_start(
            organisation_id=organisation.pk,
            email=stored.email,
            link_for=link_for,
            actor=actor,
            approved_request=stored,
        )
        if pending is None:  # registration_start found a problem the checks above did not
            raise HelpdeskError(f"{organisation.name} cannot be registered now", status=409)
    return stored


def registration_request_reject(
    *, request_id: int, reason: str, actor: Actor
) -> RegistrationRequest:
    """Rejects a request; the requester is emailed the reason."""
    reason = _reason(reason)
    operator = _operator(actor)
    with transaction.atomic():
        stored = _open_request(request_id)
        _decide(stored, state=RegistrationRequest.State.REJECTED, reason=reason, operator=operator)
        _record(
            event=Event.REQUEST_REJECTED,
            organisation=stored.organisation,
            actor=actor,
            detail=f"The helpdesk rejected the request from {stored.full_name} ({stored.email}) "
            f"to register {stored.organisation_name or stored.ods_code}: {reason}",
        )
        _send(
            f"Your request to register {stored.organisation_name or stored.ods_code}",
            "helpdesk/email/request_rejected.txt",
            {"request": stored, "reason": reason},
            [stored.email],
        )
    return stored


# --- Suspending a disputed registration ---------------------------------------------------------


def registration_suspend(*, organisation_id: int, reason: str, actor: Actor) -> Organisation:
    """Suspends a registered organisation ("someone else registered my organisation"): its
    people keep their memberships but lose access at once, its invitations and registration
    links stop working. Nothing is deleted; the public register is unchanged."""
    reason = _reason(reason)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if not organisation.is_registered:
            raise HelpdeskError(
                f"{organisation.name} is not registered, so there is nothing to suspend"
            )
        if organisation.is_suspended:
            raise HelpdeskError(
                f"The registration of {organisation.name} is already suspended", status=409
            )
        now = timezone.now()
        organisation.suspended_at = now
        organisation.save(update_fields=["suspended_at", "updated_at"])
        people = organisation.memberships.filter(suspended_at__isnull=True).update(suspended_at=now)
        _record(
            event=Event.REGISTRATION_SUSPENDED,
            organisation=organisation,
            actor=actor,
            detail=f"The helpdesk suspended the registration ({people} "
            f"{'person' if people == 1 else 'people'} lost access): {reason}",
        )
    return organisation


def registration_reinstate(*, organisation_id: int, reason: str, actor: Actor) -> Organisation:
    """Reverses a suspension: the people suspended with it get their access back."""
    reason = _reason(reason)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if not organisation.is_suspended:
            raise HelpdeskError(
                f"The registration of {organisation.name} is not suspended", status=409
            )
        people = organisation.memberships.filter(suspended_at=organisation.suspended_at).update(
            suspended_at=None
        )
        organisation.suspended_at = None
        organisation.save(update_fields=["suspended_at", "updated_at"])
        _record(
            event=Event.REGISTRATION_REINSTATED,
            organisation=organisation,
            actor=actor,
            detail=f"The helpdesk reinstated the registration ({people} "
            f"{'person' if people == 1 else 'people'} got access back): {reason}",
        )
    return organisation


# --- People ---------------------------------------------------------------------------------------


def _person(user_id: int, actor: Actor) -> User:
    person = User.objects.get(pk=user_id)
    problem = person_action_problem(
        is_helpdesk_staff=Operator.objects.filter(user=person).exists(),
        is_self=person.pk == _operator(actor).pk,
    )
    if problem:
        raise HelpdeskError(problem, status=403)
    return person


def _record_for_person(*, person: User, event: Event, actor: Actor, detail: str) -> None:
    """An event about a person's account, on each organisation they can use (so each one's
    administrators see it); on none when they belong to none."""
    organisations = [
        membership.organisation
        for membership in Membership.objects.filter(
            user=person, suspended_at__isnull=True
        ).select_related("organisation")
    ]
    for organisation in organisations or [None]:
        _record(event=event, organisation=organisation, actor=actor, detail=detail)


def _named(person: User) -> str:
    return person.full_name or person.email


def _pending_invitation(invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "invited_by")
        .get(pk=invitation_id)
    )
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise HelpdeskError(
            f"The invitation for {invitation.email} was already {invitation.status.lower()}",
            status=409,
        )
    if invitation.organisation.is_suspended:
        raise HelpdeskError(
            f"The registration of {invitation.organisation.name} is suspended. Reinstate it first"
        )
    return invitation


def invitation_resend(
    *, invitation_id: int, reason: str, accept_url_for: Callable[[str], str], actor: Actor
) -> Invitation:
    """Sends an invitation again with a fresh link (the old link stops working), for the same
    address and role, through the invitation service administrators use."""
    reason = _reason(reason)
    with transaction.atomic():
        invitation = _pending_invitation(invitation_id)
        organisation = invitation.organisation

        def record(fresh: Invitation) -> None:
            _record(
                event=Event.INVITATION_RESENT,
                organisation=organisation,
                actor=actor,
                detail=f"The helpdesk sent the invitation for {fresh.email} as "
                f"{fresh.get_role_display().lower()} again: {reason}",
            )

        try:
            return invitation_create(
                organisation=organisation,
                email=invitation.email,
                role=Role(invitation.role),
                invited_by=invitation.invited_by or _operator(actor),
                accept_url_for=accept_url_for,
                actor=actor,
                record=record,
            )
        except HelpdeskError:
            raise
        except ServiceError as error:
            raise HelpdeskError(error.message, status=409) from error


def invitation_withdraw(*, invitation_id: int, reason: str, actor: Actor) -> Invitation:
    """Cancels a pending (or expired) invitation: its link stops working."""
    reason = _reason(reason)
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=invitation_id)
        )
        if invitation.accepted_at is not None or invitation.cancelled_at is not None:
            raise HelpdeskError(
                f"The invitation for {invitation.email} was already {invitation.status.lower()}",
                status=409,
            )
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        _record(
            event=Event.INVITATION_CANCELLED_BY_HELPDESK,
            organisation=invitation.organisation,
            actor=actor,
            detail=f"The helpdesk cancelled the invitation for {invitation.email}: {reason}",
        )
    return invitation


def administrator_candidate_state(*, person: User, organisation: Organisation) -> str:
    """What the person is in the organisation now, as the page showed it ("member", "viewer",
    "invited:<role>", ...): the form sends it back, so a change meanwhile is noticed."""
    membership = Membership.objects.filter(user=person, organisation=organisation).first()
    if membership is not None and membership.suspended_at is None:
        return membership.role
    invitation = _invitation_for(person, organisation)
    if invitation is not None:
        return f"invited:{invitation.role}"
    return "suspended" if membership is not None else "none"


def _invitation_for(person: User, organisation: Organisation) -> Invitation | None:
    return (
        organisation.invitations.filter(
            email__iexact=person.email,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .order_by("-created_at")
        .first()
    )


def administrator_candidate(*, person: User, organisation: Organisation) -> AdministratorCandidate:
    membership = Membership.objects.filter(user=person, organisation=organisation).first()
    active = membership is not None and membership.suspended_at is None
    invitation = None if active else _invitation_for(person, organisation)
    return AdministratorCandidate(
        person=_named(person),
        organisation=organisation.name,
        organisation_registered=organisation.is_registered,
        organisation_suspended=organisation.is_suspended,
        role=membership.role if active else None,
        membership_suspended=membership is not None and not active,
        invited_role=invitation.role if invitation is not None else None,
    )


def administrator_make(
    *, user_id: int, organisation_id: int, expected_state: str, reason: str, actor: Actor
) -> Membership | Invitation:
    """Makes a named person an administrator (the last one has left): they must already be a
    member or viewer there, or have a pending invitation (whose role becomes administrator).
    The person and the organisation's remaining administrators are emailed."""
    reason = _reason(reason)
    with transaction.atomic():
        person = _person(user_id, actor)
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if administrator_candidate_state(person=person, organisation=organisation) != (
            expected_state
        ):
            raise HelpdeskError(
                f"{_named(person)}'s place in {organisation.name} changed after you opened this "
                "page. Check it again",
                status=409,
            )
        problem = make_administrator_problem(
            administrator_candidate(person=person, organisation=organisation)
        )
        if problem:
            raise HelpdeskError(problem)
        administrators = list(
            organisation.memberships.filter(
                role=Role.ADMINISTRATOR, suspended_at__isnull=True
            ).values_list("user__email", flat=True)
        )
        membership = (
            organisation.memberships.select_for_update()
            .filter(user=person, suspended_at__isnull=True)
            .first()
        )
        changed: Membership | Invitation
        if membership is not None:
            membership.role = Role.ADMINISTRATOR
            membership.save(update_fields=["role", "updated_at"])
            changed = membership
            detail = f"The helpdesk made {_named(person)} an administrator"
        else:
            invitation = _invitation_for(person, organisation)
            assert invitation is not None  # the rule above needs one
            invitation.role = Role.ADMINISTRATOR
            invitation.save(update_fields=["role"])
            changed = invitation
            detail = f"The helpdesk made {_named(person)}'s invitation one for an administrator"
        _record(
            event=Event.ADMINISTRATOR_MADE,
            organisation=organisation,
            actor=actor,
            detail=f"{detail}: {reason}",
        )
        context = {
            "person": person,
            "organisation": organisation,
            "reason": reason,
            "invited": isinstance(changed, Invitation),
        }
        subject = f"{_named(person)} is now an administrator of {organisation.name}"
        _send(subject, "helpdesk/email/administrator_made.txt", context, [person.email])
        _send(
            subject,
            "helpdesk/email/administrator_made_colleagues.txt",
            context,
            [email for email in administrators if email.lower() != person.email.lower()],
        )
    return changed


def _attempts_for(person: User):
    return AccessAttempt.objects.filter(username__iexact=person.email)


def account_unlock(*, user_id: int, reason: str, actor: Actor) -> int:
    """Clears the failed sign-ins that locked the account (django-axes), from every address.
    Returns how many records were cleared."""
    reason = _reason(reason)
    with transaction.atomic():
        person = _person(user_id, actor)
        usernames = set(_attempts_for(person).values_list("username", flat=True))
        if not usernames:
            raise HelpdeskError(f"{_named(person)}'s account is not locked", status=409)
        cleared = sum(AxesProxyHandler.reset_attempts(username=username) for username in usernames)
        _record_for_person(
            person=person,
            event=Event.ACCOUNT_UNLOCKED,
            actor=actor,
            detail=f"The helpdesk unlocked {_named(person)}'s account: {reason}",
        )
    return cleared


def two_factor_reset(*, user_id: int, reason: str, actor: Actor) -> User:
    """After identity checks: removes the person's authenticator app and recovery codes (they
    set two-factor up again at their next sign-in) and ends every session they have."""
    reason = _reason(reason)
    with transaction.atomic():
        person = _person(user_id, actor)
        if not mfa_enabled(user=person):
            raise HelpdeskError(
                f"{_named(person)} has not set up two-factor authentication", status=409
            )
        mfa_remove(user=person, actor=actor)  # also rotates the security stamp: sessions end
        _record_for_person(
            person=person,
            event=Event.TWO_FACTOR_RESET,
            actor=actor,
            detail=f"The helpdesk reset {_named(person)}'s two-factor authentication: {reason}",
        )
    return person


# --- HQ and branches ------------------------------------------------------------------------------


def place_of(organisation: Organisation) -> OrganisationPlace:
    return OrganisationPlace(
        pk=organisation.pk,
        label=f"{organisation.name} ({organisation.ods_code})",
        is_headquarters=organisation.is_headquarters,
        parent_id=organisation.parent_id,
        has_branches=organisation.branches.exists(),
    )


def publishes_for_itself(*, site: Organisation, hq: Organisation) -> bool:
    """Whether, once under `hq`, the site would still publish for itself (the publish page's
    rule): a site registered on its own does."""
    offer = site_offer(
        publisher_id=hq.pk,
        site=SiteFacts(pk=site.pk, parent_id=hq.pk, registered=site.is_registered),
    )
    return offer is SiteOffer.PUBLISHES_FOR_ITSELF


def hq_link(
    *,
    site_id: int,
    hq_id: int,
    site_administrator_asked: bool,
    reason: str,
    actor: Actor,
) -> Organisation:
    """Puts a site under an HQ, by the directory's one-level rules; a site registered on its own
    only when its administrator asked (recorded in the reason). Recorded on both."""
    reason = _reason(reason)
    with transaction.atomic():
        site, hq = (
            Organisation.objects.select_for_update().get(pk=site_id),
            Organisation.objects.select_for_update().get(pk=hq_id),
        )
        problem = hq_link_problem(
            site=place_of(site),
            hq=place_of(hq),
            publishes_for_itself=publishes_for_itself(site=site, hq=hq),
            site_administrator_asked=site_administrator_asked,
        )
        if problem:
            raise HelpdeskError(problem)
        site.parent = hq
        site.full_clean(validate_unique=False, validate_constraints=False)
        site.save(update_fields=["parent", "updated_at"])
        asked = " at its administrator's request" if site_administrator_asked else ""
        for organisation in (site, hq):
            _record(
                event=Event.HQ_LINKED,
                organisation=organisation,
                actor=actor,
                detail=f"The helpdesk made {site.name} ({site.ods_code}) a branch of {hq.name} "
                f"({hq.ods_code}){asked}: {reason}",
            )
    return site


def hq_unlink(
    *, site_id: int, expected_parent_id: int | None, reason: str, actor: Actor
) -> Organisation:
    """Takes a site out of its HQ: the HQ can no longer publish for it. Recorded on both."""
    reason = _reason(reason)
    with transaction.atomic():
        site = Organisation.objects.select_for_update().get(pk=site_id)
        problem = hq_unlink_problem(site=place_of(site), expected_parent_id=expected_parent_id)
        if problem:
            raise HelpdeskError(problem, status=409 if site.parent_id else 400)
        hq = Organisation.objects.select_for_update().get(pk=site.parent_id)
        site.parent = None
        site.save(update_fields=["parent", "updated_at"])
        for organisation in (site, hq):
            _record(
                event=Event.HQ_UNLINKED,
                organisation=organisation,
                actor=actor,
                detail=f"The helpdesk took {site.name} ({site.ods_code}) out of {hq.name} "
                f"({hq.ods_code}): {reason}",
            )
    return site
