"""Views: parse a form, call one selector or service, render. Each declares what it needs."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.mfa import mfa_enabled
from assessments.selectors import assessment_summary
from audit.models import Event
from audit.selectors import activity_for
from audit.services import Actor
from dspt_portal.ratelimit import email_limit_exceeded, rate_limited, too_many_requests
from helpdesk.selectors import notices_current

from . import selectors, services
from .access import Access, requires
from .forms import (
    ChangeOrganisationForm,
    HelpdeskRequestForm,
    InvitationAccountForm,
    InviteForm,
    OdsCodeForm,
    ProfileForm,
    RegistrationEmailForm,
    RoleForm,
)
from .middleware import organisation_switch
from .models import Invitation, Membership
from .roles import Permission, Role

REGISTRATION_SESSION_KEY = "registration_ods_code"
REGISTRATION_TYPED_KEY = "registration_typed_ods_code"

# accounts/backends.py (named, not imported: accounts builds on organisations, ADR 6).
PASSWORD_BACKEND = "accounts.backends.PasswordBackend"


@requires(Access.PUBLIC)
def home(request):
    if not request.user.is_authenticated:
        return render(request, "organisations/start.html")
    if request.organisation is None and getattr(request, "suspended_organisation", None):
        return render(request, "organisations/suspended.html")
    context = {"mfa_enabled": mfa_enabled(user=request.user)}
    if request.organisation is not None:
        context["branch_count"] = selectors.branch_list(organisation=request.organisation).count()
        context["membership_count"] = selectors.memberships_for_user(user=request.user).count()
        context.update(assessment_summary(organisation=request.organisation))
        context["notices"] = list(notices_current())
    return render(request, "organisations/dashboard.html", context)


# --- Registration ------------------------------------------------------------------------------


def _registration_organisation(request):
    code = request.session.get(REGISTRATION_SESSION_KEY)
    return selectors.organisation_get_by_code(ods_code=code) if code else None


@requires(Access.PUBLIC)
@rate_limited("register")
def register(request):
    # Coming back to this step (the Back link, or the browser's Back button, which carries no
    # code) shows the code that was typed.
    typed = request.GET.get("code") or request.session.get(REGISTRATION_TYPED_KEY, "")
    form = OdsCodeForm(
        request.POST if request.method == "POST" else None,
        initial={"ods_code": typed[: OdsCodeForm.base_fields["ods_code"].max_length]},
    )
    status = 200
    if request.method == "POST":
        request.session[REGISTRATION_TYPED_KEY] = request.POST.get("ods_code", "").strip()[
            : OdsCodeForm.base_fields["ods_code"].max_length
        ]
        if form.is_valid():
            code = form.cleaned_data["ods_code"]
            organisation = selectors.organisation_get_by_code(ods_code=code)
            problem = services.registration_problem(organisation=organisation, ods_code=code)
            if problem is None:
                request.session[REGISTRATION_SESSION_KEY] = organisation.ods_code
                if services.needs_helpdesk(organisation=organisation):
                    return redirect("register-helpdesk")
                return redirect("register-confirm")
            form.add_error("ods_code", problem)
        status = 400
    return render(request, "organisations/register.html", {"form": form}, status=status)


@requires(Access.PUBLIC)
@rate_limited("register")
def register_confirm(request):
    """Asks for the address to send the link to. The answer is "Check your email" whatever the
    address, and whether or not the organisation can still be registered: only the owner of the
    address learns more, by email."""
    organisation = _registration_organisation(request)
    if organisation is None:
        return redirect("register")
    if services.needs_helpdesk(organisation=organisation):
        return redirect("register-helpdesk")
    if request.method != "POST" and services.registration_problem(
        organisation=organisation, ods_code=organisation.ods_code
    ):
        return redirect(f"{reverse('register')}?{urlencode({'code': organisation.ods_code})}")
    initial = {"email": request.user.email} if request.user.is_authenticated else {}
    form = RegistrationEmailForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            retry_after = email_limit_exceeded("register", email)
            if retry_after is not None:
                return too_many_requests(request, retry_after)
            services.registration_start(
                organisation_id=organisation.pk,
                email=email,
                link_for=lambda token: request.build_absolute_uri(
                    reverse("register-complete", args=[token])
                ),
                actor=Actor.from_request(request),
            )
            request.session.pop(REGISTRATION_SESSION_KEY, None)
            request.session.pop(REGISTRATION_TYPED_KEY, None)
            return render(
                request,
                "organisations/register_check_email.html",
                {"email": email, "organisation": organisation},
            )
        status = 400
    return render(
        request,
        "organisations/register_confirm.html",
        {
            "form": form,
            "organisation": organisation,
            "hq_note": services.registration_hq_note(organisation=organisation),
        },
        status=status,
    )


@requires(Access.PUBLIC)
@rate_limited("register")
def register_helpdesk(request):
    """Organisations other than adult social care ask the helpdesk; the request is kept."""
    organisation = _registration_organisation(request)
    if organisation is None or services.registration_problem(
        organisation=organisation, ods_code=organisation.ods_code
    ):
        return redirect("register")
    if not services.needs_helpdesk(organisation=organisation):
        return redirect("register-confirm")
    form = HelpdeskRequestForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            retry_after = email_limit_exceeded("register", data["email"])
            if retry_after is not None:
                return too_many_requests(request, retry_after)
            stored = services.registration_request_store(
                organisation=organisation,
                email=data["email"],
                full_name=data["full_name"],
                reason=data["reason"],
                actor=Actor.from_request(request),
            )
            request.session.pop(REGISTRATION_SESSION_KEY, None)
            request.session.pop(REGISTRATION_TYPED_KEY, None)
            return render(
                request,
                "organisations/register_helpdesk_sent.html",
                {"organisation": organisation, "email": stored.email},
            )
        status = 400
    return render(
        request,
        "organisations/register_helpdesk.html",
        {
            "form": form,
            "organisation": organisation,
            "reason": services.helpdesk_reason(organisation=organisation),
        },
        status=status,
    )


@requires(Access.PUBLIC)
@rate_limited("register-complete")
def register_complete(request, token: str):
    """The emailed link: a new address chooses its name and password here; an address with an
    account signs in as it first. Every rule is checked again."""
    pending = services.registration_find(token=token)
    if pending is None:
        return render(
            request,
            "organisations/register_complete.html",
            {
                "error_message": "We cannot find this registration link. Check that you copied "
                "the whole link from the email, or start registering again"
            },
            status=404,
        )
    organisation = pending.organisation
    problem = services.registration_link_problem(pending=pending)
    context = {
        "pending": pending,
        "organisation": organisation,
        "error_message": problem.message if problem else None,
    }
    if problem:
        if services.registration_new_link_offered(pending=pending):
            context["new_link_url"] = reverse("register-new-link", args=[token])
        return render(
            request, "organisations/register_complete.html", context, status=problem.status
        )
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != pending.email.lower():
        context["error_message"] = (
            f"This link was sent to {pending.email}, but you are signed in as {user.email}. "
            "Sign out, then open the link again"
        )
        context["wrong_account"] = True
        return render(request, "organisations/register_complete.html", context, status=403)

    from .models import User

    has_account = user is not None or User.objects.filter(email__iexact=pending.email).exists()
    form = (
        None
        if has_account
        else InvitationAccountForm(
            request.POST if request.method == "POST" else None, email=pending.email
        )
    )
    context.update(
        {
            "form": form,
            "has_account": has_account,
            "hq_note": services.registration_hq_note(organisation=organisation),
        }
    )
    if request.method == "POST":
        retry_after = email_limit_exceeded("register-complete", pending.email)
        if retry_after is not None:
            return too_many_requests(request, retry_after)
    if request.method == "POST" and (user is not None or (form is not None and form.is_valid())):
        try:
            membership = services.registration_complete(
                token=token,
                user=user,
                new_account=services.NewAccount(
                    full_name=form.cleaned_data["full_name"],
                    email=pending.email,
                    password=form.cleaned_data["password1"],
                )
                if user is None
                else None,
                actor=Actor.from_request(request),
            )
        except services.RegistrationLinkError as error:
            context["error_message"] = error.message
            return render(
                request, "organisations/register_complete.html", context, status=error.status
            )
        if user is None:
            login(request, membership.user, backend=PASSWORD_BACKEND)
        organisation_switch(request, membership)
        messages.success(
            request,
            f"{organisation.name} is registered. You are its administrator: invite your "
            "colleagues from Manage users.",
        )
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "organisations/register_complete.html", context, status=status)


@requires(Access.PUBLIC)
@rate_limited("register-complete")
@require_POST
def register_new_link(request, token: str):
    """ "Send a new link", from the page of an expired (or replaced) link: emailed to the address
    already on the registration (nothing typed is used), and limited per registration."""
    pending = services.registration_find(token=token)
    try:
        fresh = services.registration_link_resend(
            token=token,
            link_for=lambda new: request.build_absolute_uri(
                reverse("register-complete", args=[new])
            ),
            actor=Actor.from_request(request),
        )
    except services.RegistrationLinkError as error:
        response = render(
            request,
            "organisations/register_complete.html",
            {
                "pending": pending,
                "organisation": pending.organisation if pending else None,
                "error_message": error.message,
            },
            status=error.status,
        )
        if error.retry_after is not None:
            response["Retry-After"] = str(error.retry_after)
        return response
    return render(
        request,
        "organisations/register_check_email.html",
        {"email": fresh.email, "organisation": fresh.organisation, "new_link": True},
    )


# --- Current organisation and profile ----------------------------------------------------------


@requires(Access.SIGNED_IN)
def organisation_change(request):
    memberships = list(selectors.memberships_for_user(user=request.user))
    initial = {"organisation": str(request.organisation.pk)} if request.organisation else {}
    form = ChangeOrganisationForm(
        request.POST if request.method == "POST" else None, memberships=memberships, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = int(form.cleaned_data["organisation"])
            membership = next(m for m in memberships if m.organisation_id == chosen)
            organisation_switch(request, membership)
            messages.success(request, f"You are now working on {membership.organisation.name}.")
            return redirect("home")
        status = 400
    return render(
        request,
        "organisations/organisation_change.html",
        {"form": form, "memberships": memberships},
        status=status,
    )


@requires(Permission.VIEW_ORGANISATION)
def profile(request):
    organisation = request.organisation
    return render(
        request,
        "organisations/profile_detail.html",
        {
            "profile": selectors.profile_get(organisation=organisation),
            "branches": selectors.branch_list(organisation=organisation),
            "parent": organisation.parent,
        },
    )


@requires(Permission.MANAGE_PROFILE)
def profile_edit(request):
    organisation = request.organisation
    current = selectors.profile_get(organisation=organisation)
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.profile_update(
                    organisation=organisation,
                    expected_version=form.cleaned_data["version"],
                    changes=form.changes(),
                    updated_by=request.user,
                    actor=Actor.from_request(request),
                )
            except services.ConflictError as error:
                form.add_error(None, error.message)
                current.refresh_from_db()
                status = 409
                return render(
                    request,
                    "organisations/profile_edit.html",
                    {"form": form, "latest": current, "conflict": True},
                    status=status,
                )
            messages.success(request, "The organisation profile has been saved.")
            return redirect("profile")
        status = 400
    return render(request, "organisations/profile_edit.html", {"form": form}, status=status)


# --- People ------------------------------------------------------------------------------------


def _membership_or_404(request, membership_id: int) -> Membership:
    try:
        return selectors.membership_get(
            organisation=request.organisation, membership_id=membership_id
        )
    except Membership.DoesNotExist as error:
        raise Http404("No such person in this organisation") from error


@requires(Permission.MANAGE_USERS)
def people_list(request):
    organisation = request.organisation
    return render(
        request,
        "organisations/people_list.html",
        {
            "memberships": selectors.membership_list(organisation=organisation),
            "invitations": selectors.invitation_pending_list(organisation=organisation),
        },
    )


@requires(Permission.MANAGE_USERS)
def people_invite(request):
    form = InviteForm(
        request.POST if request.method == "POST" else None, initial={"role": Role.MEMBER}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    organisation=request.organisation,
                    email=form.cleaned_data["email"],
                    role=Role(form.cleaned_data["role"]),
                    invited_by=request.user,
                    accept_url_for=lambda token: request.build_absolute_uri(
                        reverse("invitation-accept", args=[token])
                    ),
                    actor=Actor.from_request(request),
                )
            except services.ServiceError as error:
                form.add_error("email", error.message)
            else:
                messages.success(
                    request,
                    f"We have sent an invitation to {invitation.email}. The link works once and "
                    "expires in 7 days.",
                )
                return redirect("people-list")
        status = 400
    return render(request, "organisations/people_invite.html", {"form": form}, status=status)


@requires(Permission.MANAGE_USERS)
def people_change_role(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    form = RoleForm(
        request.POST if request.method == "POST" else None,
        initial={"role": membership.role, "expected_role": membership.role},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_change_role(
                    organisation=request.organisation,
                    membership_id=membership.pk,
                    role=Role(form.cleaned_data["role"]),
                    expected_role=form.cleaned_data["expected_role"],
                    actor=Actor.from_request(request),
                )
            except services.ConflictError as error:
                form.add_error(None, error.message)
                status = 409
            except services.LastAdministratorError as error:
                form.add_error("role", error.message)
                status = 400
            else:
                messages.success(request, f"{membership.user}'s role has been changed.")
                return redirect("people-list")
        else:
            status = 400
    return render(
        request,
        "organisations/people_change_role.html",
        {"form": form, "membership": membership},
        status=status,
    )


@requires(Permission.MANAGE_USERS)
def people_remove(request, membership_id: int):
    membership = _membership_or_404(request, membership_id)
    error_message = None
    status = 200
    if request.method == "POST":
        try:
            removed = services.membership_remove(
                organisation=request.organisation,
                membership_id=membership.pk,
                actor=Actor.from_request(request),
            )
        except services.LastAdministratorError as error:
            error_message = error.message
            status = 400
        else:
            messages.success(
                request, f"{removed} has been removed from {request.organisation.name}."
            )
            if removed == request.user:
                return redirect("home")
            return redirect("people-list")
    return render(
        request,
        "organisations/people_remove.html",
        {"membership": membership, "error_message": error_message},
        status=status,
    )


@requires(Permission.MANAGE_USERS)
def invitation_cancel(request, invitation_id: int):
    try:
        invitation = selectors.invitation_get(
            organisation=request.organisation, invitation_id=invitation_id
        )
    except Invitation.DoesNotExist as error:
        raise Http404("No such invitation in this organisation") from error
    if request.method == "POST":
        services.invitation_cancel(
            organisation=request.organisation,
            invitation_id=invitation.pk,
            actor=Actor.from_request(request),
        )
        messages.success(request, f"The invitation for {invitation.email} has been cancelled.")
        return redirect("people-list")
    return render(request, "organisations/invitation_cancel.html", {"invitation": invitation})


@requires(Access.PUBLIC)
@rate_limited("invitation-accept")
def invitation_accept(request, token: str):
    invitation = services.invitation_find(token=token)
    if invitation is None:
        raise Http404("We cannot find this invitation")
    problem = services.invitation_problem(invitation=invitation)
    context = {"invitation": invitation, "error_message": problem.message if problem else None}
    if problem:
        return render(
            request, "organisations/invitation_accept.html", context, status=problem.status
        )

    user = request.user if request.user.is_authenticated else None
    if user is not None and user.email.lower() != invitation.email.lower():
        context["error_message"] = (
            f"This invitation was sent to {invitation.email}, but you are signed in as "
            f"{user.email}. Sign out, then open the link again"
        )
        context["wrong_account"] = True
        return render(request, "organisations/invitation_accept.html", context, status=403)

    from .models import User

    has_account = user is not None or User.objects.filter(email__iexact=invitation.email).exists()
    form = (
        None
        if has_account
        else InvitationAccountForm(
            request.POST if request.method == "POST" else None, email=invitation.email
        )
    )
    context.update({"form": form, "has_account": has_account})
    if request.method == "POST":
        retry_after = email_limit_exceeded("invitation-accept", invitation.email)
        if retry_after is not None:
            return too_many_requests(request, retry_after)
    if request.method == "POST" and (user is not None or (form is not None and form.is_valid())):
        try:
            membership = services.invitation_accept(
                token=token,
                user=user,
                new_account=services.NewAccount(
                    full_name=form.cleaned_data["full_name"],
                    email=invitation.email,
                    password=form.cleaned_data["password1"],
                )
                if user is None
                else None,
                actor=Actor.from_request(request),
            )
        except services.InvitationError as error:
            context["error_message"] = error.message
            return render(
                request, "organisations/invitation_accept.html", context, status=error.status
            )
        if user is None:
            login(request, membership.user, backend=PASSWORD_BACKEND)
        organisation_switch(request, membership)
        messages.success(
            request,
            f"You have joined {membership.organisation.name} as "
            f"{membership.get_role_display().lower()}.",
        )
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "organisations/invitation_accept.html", context, status=status)


@requires(Permission.MANAGE_USERS)
def activity(request):
    chosen = request.GET.get("event", "")
    if chosen not in Event.values:
        chosen = ""
    events = activity_for(organisation=request.organisation, event=chosen)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "organisations/activity.html",
        {
            "page": page,
            "events": page.object_list,
            "chosen": chosen,
            "choices": Event.choices,
        },
    )
