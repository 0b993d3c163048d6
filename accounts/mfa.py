"""Two-factor authentication with an authenticator app (TOTP) and one-time recovery codes."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime

import segno
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import User

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Session flag: signed in with a password, second step still to do.
PENDING_SESSION_KEY = "mfa_pending"
# Session key: the secret of the app this session is setting up (shown on its page, not yet
# confirmed). The session is stored on the server.
SETUP_KEY_SESSION_KEY = "mfa_setup_key"


def mfa_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_setup_device(*, user: User, key: str | None) -> TOTPDevice:
    """The app device this session is setting up, NOT saved: showing the set-up page writes
    nothing. `key` is the secret this session was shown (kept in its session); without one, a
    fresh secret. A secret is never shared between two sessions: a session that started set-up
    earlier (perhaps someone else's with the password) cannot have shown the secret that this
    one confirms."""
    device = TOTPDevice(user=user, name=APP_DEVICE_NAME, confirmed=False)
    if key:
        device.key = key
    return device


def mfa_setup_device_store(*, device: TOTPDevice) -> TOTPDevice:
    """Saves the device being set up (when a code is entered), replacing any other unconfirmed
    one, so wrong codes are counted (throttled) against it."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=False).exclude(
            key=device.key
        ).delete()
        stored, _ = TOTPDevice.objects.get_or_create(
            user=device.user,
            key=device.key,
            confirmed=False,
            defaults={"name": device.name},
        )
    return stored


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no external request)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title="QR code"
    )
    return buffer.getvalue().decode()


def mfa_change_allowed(*, has_factor: bool, session_verified: bool) -> bool:
    """Whether a session may set up, replace or remove a factor (plain rule): once an account
    has one, only a session that has passed it may change it; a password alone is not enough."""
    return session_verified or not has_factor


# Every change below rotates the person's security stamp, which ends all their sessions; the
# view that made the change keeps its own with update_session_auth_hash.


def mfa_confirm(
    *, user: User, device: TOTPDevice, token: str, actor: Actor | None = None
) -> list[str] | None:
    """Confirms the app with a code from it (turning two-factor on, or replacing the app);
    returns the new recovery codes, or None if the code is wrong."""
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user=user)
        user.security_stamp_rotate()
        audit_record(actor=actor, event=Event.MFA_ENABLED, user=user, organisation=None)
    return codes


def recovery_codes_new(*, user: User, actor: Actor | None = None) -> list[str]:
    """Replaces the recovery codes; each works once."""
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        user.security_stamp_rotate()
        audit_record(actor=actor, event=Event.MFA_RECOVERY_CODES, user=user, organisation=None)
    return codes


def _recovery_codes_replace(*, user: User) -> list[str]:
    # The device itself is kept, so a session verified with a recovery code stays verified.
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    else:
        StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticToken.objects.filter(device=device).delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@dataclass(frozen=True)
class CodeCheck:
    """What checking a code found: the device that accepted it, or, when none did, how many
    seconds are left before another try is allowed (0 when the code was simply wrong)."""

    device: TOTPDevice | StaticDevice | None = None
    wait_seconds: int = 0

    @property
    def accepted(self) -> bool:
        return self.device is not None


def is_app_code(token: str) -> bool:
    """An authenticator app shows 6 digits; a recovery code is 8 letters and digits (base 32).
    Each kind goes only to its own device, so a wrong one of one kind does not slow down the
    other."""
    return len(token) <= 6 and token.isdigit()


def seconds_to_wait(*, locked_until: datetime, now: datetime) -> int:
    """Whole seconds until `locked_until`, rounded up: "wait 2 seconds" is never too short."""
    return max(1, math.ceil((locked_until - now).total_seconds()))


def mfa_check(*, user: User, token: str) -> CodeCheck:
    """Checks an app code or a recovery code against the person's own devices of that kind.

    After a wrong code, django-otp makes the next try on that device wait (1, 2, 4, 8 ...
    seconds); a code tried before then is refused without being looked at, and the result says
    how long is left, so the person is told to wait rather than that a right code is wrong."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 32:
        return CodeCheck()
    model = TOTPDevice if is_app_code(token) else StaticDevice
    waits = []
    for device in model.objects.filter(user=user, confirmed=True):
        wait = throttle_wait(device)
        if wait:
            waits.append(wait)
        elif device.verify_token(token):
            return CodeCheck(device=device)
    return CodeCheck(wait_seconds=min(waits) if waits else 0)


def throttle_wait(device: TOTPDevice | StaticDevice) -> int:
    """Seconds before `device` will look at another code after wrong ones (0: it will now)."""
    allowed, refusal = device.verify_is_allowed()
    if allowed or not refusal or not refusal.get("locked_until"):
        return 0
    return seconds_to_wait(locked_until=refusal["locked_until"], now=timezone.now())


def mfa_verify(*, user: User, token: str, actor: Actor | None = None) -> CodeCheck:
    """The second step of signing in: which device accepts `token`, if any. Either outcome is
    recorded (a used recovery code is spent in the same transaction)."""
    with transaction.atomic():
        check = mfa_check(user=user, token=token)
        audit_record(
            actor=actor,
            event=Event.MFA_VERIFIED if check.accepted else Event.MFA_FAILED,
            user=user,
            organisation=None,
        )
    return check


def mfa_remove(*, user: User, actor: Actor | None = None) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        user.security_stamp_rotate()
        audit_record(actor=actor, event=Event.MFA_DISABLED, user=user, organisation=None)
