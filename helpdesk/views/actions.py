"""The helpdesk's action pages: registration requests, suspending a registration, people, HQ
links. Each page shows the case and, for operators, a form that asks for the reason; the change
itself is one service call (helpdesk/action_services.py). Auditors see the pages, never a form."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import Actor
from helpdesk import action_selectors as selectors
from helpdesk import action_services as services
from helpdesk.action_forms import (
    ExpectedStateForm,
    HqLinkForm,
    ReasonForm,
    RequestDecisionForm,
    SuspendForm,
    TwoFactorResetForm,
)
from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from helpdesk.rules import make_administrator_problem, person_action_problem
from helpdesk.selectors import helpdesk_role_of
from organisations.access import requires
from organisations.models import Invitation, Organisation, RegistrationRequest, User
from organisations.roles import Role

READ = HelpdeskPermission.READ
ACT = HelpdeskPermission.ACT


def _may_act(request: HttpRequest) -> bool:
    return helpdesk_role_of(request.user) == HelpdeskRole.OPERATOR


def _action_page(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    """The one template of the simple action pages: what the case is, then the form (or why
    nothing can be done, or that only operators act)."""
    context.setdefault("may_act", _may_act(request))
    return render(request, "helpdesk/action.html", context, status=status)


def _act(request, form, change, *, done: str, then: str):
    """Runs `change(form.cleaned_data)` for a valid form; the page again with the problem (400
    for bad input or a rule, 409 when the case changed) or on to `then` with `done`."""
    if not form.is_valid():
        return None, 400
    try:
        change(form.cleaned_data)
    except services.HelpdeskError as error:
        form.add_error(None, error.message)
        return None, error.status
    messages.success(request, done)
    return redirect(then), None


def _organisation(ods_code: str) -> Organisation:
    return get_object_or_404(Organisation.objects.select_related("parent"), ods_code=ods_code)


# --- Registration requests ------------------------------------------------------------------------


@require_GET
@requires(READ)
def requests_list(request: HttpRequest) -> HttpResponse:
    decided = request.GET.get("tab") == "decided"
    requests = selectors.requests_decided() if decided else selectors.requests_open()
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "helpdesk/requests.html",
        {
            "decided": decided,
            "page": page,
            "requests": page.object_list,
            "open_count": selectors.requests_open().count(),
            "now": timezone.now(),
        },
    )


@requires(READ, post=ACT)
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    stored = get_object_or_404(
        RegistrationRequest.objects.select_related("organisation"), pk=request_id
    )
    form = RequestDecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":

        def change(data):
            actor = Actor.from_request(request)
            if data["decision"] == "approve":
                services.registration_request_approve(
                    request_id=stored.pk,
                    reason=data["reason"],
                    link_for=lambda token: request.build_absolute_uri(
                        reverse("register-complete", args=[token])
                    ),
                    actor=actor,
                )
            else:
                services.registration_request_reject(
                    request_id=stored.pk, reason=data["reason"], actor=actor
                )

        decision = request.POST.get("decision")
        done = (
            f"Approved. We have emailed {stored.email} the link to finish registering."
            if decision == "approve"
            else f"Rejected. We have emailed {stored.email} the reason."
        )
        response, status = _act(request, form, change, done=done, then=reverse("helpdesk:requests"))
        if response is not None:
            return response
        stored.refresh_from_db()
    organisation = stored.organisation
    return render(
        request,
        "helpdesk/request.html",
        {
            "stored": stored,
            "is_open": stored.state == RegistrationRequest.State.OPEN,
            "organisation": organisation,
            "form": form,
            "may_act": _may_act(request),
            "now": timezone.now(),
            "offer_suspend": organisation is not None
            and organisation.is_registered
            and not organisation.is_suspended,
        },
        status=status,
    )


# --- Suspending and reinstating a registration ----------------------------------------------------


@requires(READ, post=ACT)
def suspend(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _organisation(ods_code)
    form = SuspendForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.registration_suspend(
                organisation_id=organisation.pk,
                reason=data["reason"],
                actor=Actor.from_request(request),
            ),
            done=f"The registration of {organisation.name} is suspended. Its people have lost "
            "access.",
            then=reverse("helpdesk:home"),
        )
        if response is not None:
            return response
    problem = None
    if not organisation.is_registered:
        problem = f"{organisation.name} is not registered, so there is nothing to suspend."
    elif organisation.is_suspended:
        problem = f"The registration of {organisation.name} is already suspended."
    return _action_page(
        request,
        {
            "title": f"Suspend the registration of {organisation.name}",
            "caption": organisation.ods_code,
            "organisation": organisation,
            "notes": [
                "Use this when someone says another person registered their organisation. Its "
                "people lose access at once and see that the registration is suspended. Its "
                "invitations and registration links stop working.",
                "Nothing is deleted and its public status does not change. You can reinstate it, "
                "or approve a registration request from the rightful owner: they then register it "
                "afresh and the people of this registration keep no access.",
            ],
            "problem": problem,
            "reinstate": organisation.is_suspended,
            "form": form,
            "button": "Suspend registration",
            "warning": True,
        },
        status=status,
    )


@requires(READ, post=ACT)
def reinstate(request: HttpRequest, ods_code: str) -> HttpResponse:
    organisation = _organisation(ods_code)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.registration_reinstate(
                organisation_id=organisation.pk,
                reason=data["reason"],
                actor=Actor.from_request(request),
            ),
            done=f"The registration of {organisation.name} is reinstated. Its people have "
            "access again.",
            then=reverse("helpdesk:home"),
        )
        if response is not None:
            return response
    return _action_page(
        request,
        {
            "title": f"Reinstate the registration of {organisation.name}",
            "caption": organisation.ods_code,
            "organisation": organisation,
            "notes": [
                "The people who lost access when the registration was suspended get it back."
            ],
            "problem": None
            if organisation.is_suspended
            else f"The registration of {organisation.name} is not suspended.",
            "form": form,
            "button": "Reinstate registration",
        },
        status=status,
    )


# --- People ---------------------------------------------------------------------------------------


def _target_problem(request: HttpRequest, person: User) -> str | None:
    return person_action_problem(
        is_helpdesk_staff=selectors.person_is_helpdesk_staff(person=person),
        is_self=person.pk == request.user.pk,
    )


@require_GET
@requires(READ)
def person(request: HttpRequest, user_id: int) -> HttpResponse:
    someone = get_object_or_404(User, pk=user_id)
    now = timezone.now()
    memberships = [
        (membership, membership.suspended_at is None and membership.role != Role.ADMINISTRATOR)
        for membership in selectors.person_memberships(person=someone)
    ]
    invitations = [
        (invitation, invitation.role != Role.ADMINISTRATOR and invitation.is_pending(now))
        for invitation in selectors.person_invitations(person=someone)
    ]
    return render(
        request,
        "helpdesk/person.html",
        {
            "person": someone,
            # Each with whether the helpdesk may make the person an administrator there.
            "memberships": memberships,
            "invitations": invitations,
            "lockout": selectors.person_lockout(person=someone),
            "two_factor_on": selectors.person_two_factor_on(person=someone),
            "target_problem": _target_problem(request, someone),
            "may_act": _may_act(request),
            "now": timezone.now(),
        },
    )


@requires(READ, post=ACT)
def make_administrator(request: HttpRequest, user_id: int, organisation_id: int) -> HttpResponse:
    someone = get_object_or_404(User, pk=user_id)
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    state = services.administrator_candidate_state(person=someone, organisation=organisation)
    form = ExpectedStateForm(
        request.POST if request.method == "POST" else None, initial={"expected": state}
    )
    status = 200
    back = reverse("helpdesk:person", args=[someone.pk])
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.administrator_make(
                user_id=someone.pk,
                organisation_id=organisation.pk,
                expected_state=data["expected"],
                reason=data["reason"],
                actor=Actor.from_request(request),
            ),
            done=f"{someone.full_name or someone.email} is now an administrator of "
            f"{organisation.name}. We have emailed them and its administrators.",
            then=back,
        )
        if response is not None:
            return response
    problem = _target_problem(request, someone) or make_administrator_problem(
        services.administrator_candidate(person=someone, organisation=organisation)
    )
    administrators = organisation.memberships.filter(
        role=Role.ADMINISTRATOR, suspended_at__isnull=True
    ).select_related("user")
    return _action_page(
        request,
        {
            "title": f"Make {someone.full_name or someone.email} an administrator of "
            f"{organisation.name}",
            "caption": someone.email,
            "back": back,
            "facts": [
                ("Organisation", f"{organisation.name} ({organisation.ods_code})"),
                ("Now", _state_text(state)),
                (
                    "Administrators",
                    ", ".join(m.user.full_name or m.user.email for m in administrators)
                    or "None: the last one has left",
                ),
            ],
            "notes": [
                "They will be able to manage its people and publish. We email them, and the "
                "organisation's administrators if any remain."
            ],
            "problem": problem,
            "form": form,
            "button": "Make administrator",
        },
        status=status,
    )


def _state_text(state: str) -> str:
    if state.startswith("invited:"):
        return f"Invited as {state.split(':', 1)[1]}"
    return {
        "none": "Not one of its people",
        "suspended": "One of the people of a suspended registration",
    }.get(state, state.capitalize())


@requires(READ, post=ACT)
def unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    someone = get_object_or_404(User, pk=user_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    back = reverse("helpdesk:person", args=[someone.pk])
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.account_unlock(
                user_id=someone.pk, reason=data["reason"], actor=Actor.from_request(request)
            ),
            done=f"{someone.email} can sign in again.",
            then=back,
        )
        if response is not None:
            return response
    lockout = selectors.person_lockout(person=someone)
    problem = _target_problem(request, someone)
    if problem is None and not lockout.failures:
        problem = f"{someone.email} has no failed sign-ins recorded, so there is nothing to unlock."
    return _action_page(
        request,
        {
            "title": f"Unlock the account of {someone.full_name or someone.email}",
            "caption": someone.email,
            "back": back,
            "facts": [
                ("Failed sign-ins", str(lockout.failures)),
                (
                    "State",
                    f"Locked out until {timezone.localtime(lockout.until):%-d %B %Y %H:%M}"
                    if lockout.locked
                    else "Not locked out",
                ),
            ],
            "notes": ["Their failed sign-ins are cleared, so they can sign in at once."],
            "problem": problem,
            "form": form,
            "button": "Unlock account",
        },
        status=status,
    )


@requires(READ, post=ACT)
def reset_two_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    someone = get_object_or_404(User, pk=user_id)
    form = TwoFactorResetForm(request.POST if request.method == "POST" else None)
    status = 200
    back = reverse("helpdesk:person", args=[someone.pk])
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.two_factor_reset(
                user_id=someone.pk, reason=data["reason"], actor=Actor.from_request(request)
            ),
            done=f"Two-factor authentication is reset for {someone.email}. They set it up again "
            "when they next sign in.",
            then=back,
        )
        if response is not None:
            return response
    problem = _target_problem(request, someone)
    if problem is None and not selectors.person_two_factor_on(person=someone):
        problem = f"{someone.email} has not set up two-factor authentication."
    return _action_page(
        request,
        {
            "title": f"Reset two-factor authentication for {someone.full_name or someone.email}",
            "caption": someone.email,
            "back": back,
            "notes": [
                "Only do this after checking who they are: someone who has their password could "
                "be asking.",
                "Their authenticator app and recovery codes stop working and they are signed out "
                "everywhere. They set up two-factor authentication again when they next sign in.",
            ],
            "problem": problem,
            "form": form,
            "button": "Reset two-factor authentication",
            "warning": True,
        },
        status=status,
    )


def _invitation_page(request, invitation_id: int, *, resend: bool):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation"), pk=invitation_id
    )
    form = ReasonForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        actor = Actor.from_request(request)
        if resend:

            def change(data):
                services.invitation_resend(
                    invitation_id=invitation.pk,
                    reason=data["reason"],
                    accept_url_for=lambda token: request.build_absolute_uri(
                        reverse("invitation-accept", args=[token])
                    ),
                    actor=actor,
                )

            done = (
                f"We have sent {invitation.email} a new invitation. The old link no longer works."
            )
        else:

            def change(data):
                services.invitation_withdraw(
                    invitation_id=invitation.pk, reason=data["reason"], actor=actor
                )

            done = f"The invitation for {invitation.email} is cancelled."
        response, status = _act(request, form, change, done=done, then=reverse("helpdesk:home"))
        if response is not None:
            return response
    problem = None
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        problem = f"This invitation was already {invitation.status.lower()}."
    elif resend and invitation.organisation.is_suspended:
        problem = f"The registration of {invitation.organisation.name} is suspended."
    verb = "Send again" if resend else "Cancel"
    return _action_page(
        request,
        {
            "title": f"{verb} the invitation for {invitation.email}",
            "caption": f"{invitation.organisation.name} ({invitation.organisation.ods_code})",
            "facts": [
                ("Role", invitation.get_role_display()),
                ("Sent", f"{timezone.localtime(invitation.created_at):%-d %B %Y}"),
                ("Status", invitation.status),
            ],
            "notes": [
                "They get a new link by email and the old one stops working."
                if resend
                else "The link in their email stops working."
            ],
            "problem": problem,
            "form": form,
            "button": "Send the invitation again" if resend else "Cancel the invitation",
            "warning": not resend,
        },
        status=status,
    )


@requires(READ, post=ACT)
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_page(request, invitation_id, resend=True)


@requires(READ, post=ACT)
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    return _invitation_page(request, invitation_id, resend=False)


# --- HQ and branches ------------------------------------------------------------------------------


@requires(READ, post=ACT)
def hq_link(request: HttpRequest, ods_code: str) -> HttpResponse:
    site = _organisation(ods_code)
    form = HqLinkForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        hq = None
        if form.is_valid():
            hq = Organisation.objects.filter(ods_code=form.cleaned_data["hq_code"]).first()
            if hq is None:
                form.add_error(
                    "hq_code",
                    f"We cannot find {form.cleaned_data['hq_code']} in the national directory",
                )
        if hq is not None:
            response, status = _act(
                request,
                form,
                lambda data: services.hq_link(
                    site_id=site.pk,
                    hq_id=hq.pk,
                    site_administrator_asked=data["site_administrator_asked"],
                    reason=data["reason"],
                    actor=Actor.from_request(request),
                ),
                done=f"{site.name} is now a branch of {hq.name}.",
                then=reverse("helpdesk:home"),
            )
            if response is not None:
                return response
        else:
            status = 400
    return _action_page(
        request,
        {
            "title": f"Link {site.name} to an HQ",
            "caption": site.ods_code,
            "facts": [
                ("Kind", site.get_kind_display()),
                ("Registered", "Yes, on its own" if site.is_registered else "No"),
                ("HQ now", str(site.parent) if site.parent else "None"),
            ],
            "notes": [
                "An HQ publishes for the branches it chooses. A site that registered on its own "
                "speaks for itself: link it only when its administrator asks."
            ],
            "problem": None
            if site.parent is None
            else f"{site.name} is already a branch of {site.parent}. Unlink it first.",
            "form": form,
            "button": "Link to the HQ",
        },
        status=status,
    )


@requires(READ, post=ACT)
def hq_unlink(request: HttpRequest, ods_code: str) -> HttpResponse:
    site = _organisation(ods_code)
    form = ExpectedStateForm(
        request.POST if request.method == "POST" else None,
        initial={"expected": site.parent_id or ""},
    )
    status = 200
    if request.method == "POST":
        response, status = _act(
            request,
            form,
            lambda data: services.hq_unlink(
                site_id=site.pk,
                expected_parent_id=int(data["expected"]) if data["expected"].isdigit() else None,
                reason=data["reason"],
                actor=Actor.from_request(request),
            ),
            done=f"{site.name} is no longer a branch of {site.parent}.",
            then=reverse("helpdesk:home"),
        )
        if response is not None:
            return response
    return _action_page(
        request,
        {
            "title": f"Take {site.name} out of its HQ",
            "caption": site.ods_code,
            "facts": [("HQ now", str(site.parent) if site.parent else "None")],
            "notes": [
                "Its HQ can no longer publish for it. Until it registers and publishes on its "
                "own, it may have no current status."
            ],
            "problem": None if site.parent else f"{site.name} is not a branch of any HQ.",
            "form": form,
            "button": "Unlink from the HQ",
            "warning": True,
        },
        status=status,
    )
