"""A person's own account and session: signing in and out, resetting a password, the account
page, and two-factor authentication (set up, verify at sign-in, recovery codes, removal)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login

from audit.services import Actor
from dspt_portal.cookieless import cookieless
from organisations.access import Access, requires

from . import mfa, sessions
from .forms import (
    CodeForm,
    RecoveryCodeForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    too_many_attempts,
)

# --- Signing in and out, and resetting a password ----------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        idle = sessions.idle_sign_out_of(self.request.session)
        if idle is not None:
            context["idle_sign_out"] = {
                "inactive_for": sessions.inactivity_text(settings.SESSION_COOKIE_AGE),
                "kept": idle["kept"],
            }
        return context


sign_in = requires(Access.PUBLIC)(SignInView.as_view())
sign_out = requires(Access.PUBLIC)(require_POST(auth_views.LogoutView.as_view()))


def _session_ended() -> JsonResponse:
    return JsonResponse(
        {"signed_in": False, "sign_in_url": reverse("sign-in")},
        status=401,
        headers={"WWW-Authenticate": 'Session realm="DSPT portal"'},
    )


# Public so that an ended session gets a plain 401 the page's script understands, not the
# sign-in page; it checks for itself that someone is signed in, and extends nothing otherwise.
@requires(Access.PUBLIC)
@require_POST
@never_cache
def session_extend(request):
    """The warning's "Stay signed in": the idle time starts again; says how long it now has."""
    if not request.user.is_authenticated:
        return _session_ended()
    sessions.session_refresh(request.session, force=True)
    return JsonResponse(
        {"signed_in": True, "seconds_left": sessions.session_seconds_left(request.session)}
    )


# Asked by the page's script before it says "You have been signed out": another tab may have
# kept the session going. Public, because it must answer an ended session too. It only reads: the
# session middleware leaves this address alone (accounts/middleware.py), nothing the session
# holds is saved, and the answer sets and clears no cookie, so the cookie of a session that did
# end still reaches the next page (which says why and keeps what was typed).
@requires(Access.PUBLIC)
@cookieless
@require_safe
@never_cache
def session_status(request):
    """How many seconds this session has left, without extending it: none once it has ended
    (an answer, not an error, so the browser logs no failed request)."""
    request.session.modified = False  # never saved here, whatever a middleware set
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "seconds_left": 0})
    return JsonResponse(
        {"signed_in": True, "seconds_left": sessions.session_seconds_left(request.session)}
    )


password_reset = requires(Access.PUBLIC)(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        form_class=ResetRequestForm,
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("password-reset-sent"),
    )
)
password_reset_sent = requires(Access.PUBLIC)(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html")
)
password_reset_confirm = requires(Access.PUBLIC)(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html",
        form_class=ResetPasswordForm,
        success_url=reverse_lazy("password-reset-complete"),
    )
)
password_reset_complete = requires(Access.PUBLIC)(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


# --- The account page and two-factor authentication --------------------------------------------


def _next_url(request, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _verified(request, device) -> None:
    otp_login(request, device)
    request.session[mfa.PENDING_SESSION_KEY] = False


def _change_refused(request):
    """None when this session may change the person's second factor; otherwise the way to
    pass it first (nothing is created or changed on the way)."""
    allowed = mfa.mfa_change_allowed(
        has_factor=mfa.mfa_enabled(user=request.user),
        session_verified=request.user.is_verified(),
    )
    if allowed:
        return None
    messages.info(request, "Enter a code from your authenticator app first.")
    return redirect(f"{reverse('mfa-verify')}?{urlencode({'next': request.get_full_path()})}")


def _keep_this_session(request) -> None:
    """The change rotated the security stamp, ending every session; this one stays signed in."""
    update_session_auth_hash(request, request.user)


@requires(Access.SIGNED_IN)
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "mfa_enabled": mfa.mfa_enabled(user=user),
            "recovery_codes_left": mfa.recovery_codes_left(user=user),
        },
    )


@requires(Access.SIGNED_IN)
def mfa_setup(request):
    refused = _change_refused(request)
    if refused is not None:
        return refused
    user = request.user
    device = mfa.mfa_setup_device(user=user, key=request.session.get(mfa.SETUP_KEY_SESSION_KEY))
    request.session[mfa.SETUP_KEY_SESSION_KEY] = device.key
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            device = mfa.mfa_setup_device_store(device=device)
            wait = mfa.throttle_wait(device)
            codes = (
                None
                if wait
                else mfa.mfa_confirm(
                    user=user,
                    device=device,
                    token=form.cleaned_data["code"],
                    actor=Actor.from_request(request),
                )
            )
            if codes is not None:
                _keep_this_session(request)
                request.session.pop(mfa.SETUP_KEY_SESSION_KEY, None)
                _verified(request, device)
                return render(
                    request,
                    "accounts/mfa_recovery_codes.html",
                    {"codes": codes, "next": _next_url(request, "account"), "first_time": True},
                )
            form.add_error(
                "code",
                too_many_attempts(wait)
                if wait
                else "The code is not right. Check the time on your phone is set "
                "automatically, then enter the code the app shows now",
            )
        status = 400
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr_svg": mfa.qr_code_svg(device),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": request.GET.get("next", ""),
            "replacing": mfa.mfa_enabled(user=user),
        },
        status=status,
    )


WRONG_CODE = "The code is not right. Enter the code the app shows now"
WRONG_RECOVERY_CODE = "The recovery code is not right, or it has been used"


def _code_forms(request):
    """The app code form and the recovery code form of one page, and the one that was sent
    (None on GET). A recovery code has its own field: the app code field asks phones for a
    number pad, on which a recovery code's letters cannot be typed."""
    data = request.POST if request.method == "POST" else None
    by_recovery = data is not None and "recovery_code" in data
    form = CodeForm(None if by_recovery else data)
    recovery_form = RecoveryCodeForm(data if by_recovery else None)
    sent = None if data is None else (recovery_form if by_recovery else form)
    return form, recovery_form, sent


def _code_refused(sent, check: mfa.CodeCheck) -> None:
    field = "recovery_code" if isinstance(sent, RecoveryCodeForm) else "code"
    if check.wait_seconds:
        sent.add_error(field, too_many_attempts(check.wait_seconds))
    else:
        sent.add_error(field, WRONG_RECOVERY_CODE if field == "recovery_code" else WRONG_CODE)


def _token(sent) -> str:
    return sent.cleaned_data.get("recovery_code") or sent.cleaned_data.get("code") or ""


@requires(Access.SIGNED_IN)
def mfa_verify(request):
    form, recovery_form, sent = _code_forms(request)
    status = 200
    if sent is not None:
        if sent.is_valid():
            check = mfa.mfa_verify(
                user=request.user, token=_token(sent), actor=Actor.from_request(request)
            )
            if check.accepted:
                _verified(request, check.device)
                return redirect(_next_url(request))
            _code_refused(sent, check)
        status = 400
    return render(
        request,
        "accounts/mfa_verify.html",
        {
            "form": sent or form,
            "code_form": form,
            "recovery_form": recovery_form,
            "next": request.GET.get("next", ""),
        },
        status=status,
    )


@requires(Access.SIGNED_IN)
@require_POST
def mfa_recovery_codes(request):
    if not request.user.is_verified():
        return redirect("mfa-verify")
    codes = mfa.recovery_codes_new(user=request.user, actor=Actor.from_request(request))
    _keep_this_session(request)
    return render(
        request,
        "accounts/mfa_recovery_codes.html",
        {"codes": codes, "next": _next_url(request, "account"), "first_time": False},
    )


@requires(Access.SIGNED_IN)
def mfa_remove(request):
    refused = _change_refused(request)
    if refused is not None:
        return refused
    form, recovery_form, sent = _code_forms(request)
    status = 200
    if sent is not None:
        if sent.is_valid():
            check = mfa.mfa_check(user=request.user, token=_token(sent))
            if check.accepted:
                mfa.mfa_remove(user=request.user, actor=Actor.from_request(request))
                _keep_this_session(request)
                messages.success(request, "Two-factor authentication has been turned off.")
                return redirect("account")
            _code_refused(sent, check)
        status = 400
    return render(
        request,
        "accounts/mfa_remove.html",
        {"form": sent or form, "code_form": form, "recovery_form": recovery_form},
        status=status,
    )
