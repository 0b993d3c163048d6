"""Two-factor authentication with an authenticator app (TOTP) and one-time recovery codes."""

from __future__ import annotations

import io

import segno
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# Session flag: signed in with a password, second step still to do.
PENDING_SESSION_KEY = "mfa_pending"


def mfa_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def mfa_setup_device(*, user: User) -> TOTPDevice:
    """The unconfirmed app device being set up (a fresh secret each time set-up starts over)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no external request)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title="QR code"
    )
    return buffer.getvalue().decode()


def mfa_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirms the app with a code from it; returns the new recovery codes, or None if wrong."""
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return recovery_codes_new(user=user)


def recovery_codes_new(*, user: User) -> list[str]:
    """Replaces the recovery codes; each works once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def mfa_check(*, user: User, token: str):
    """The device that accepts `token` (an app code or a recovery code), or None."""
    token = "".join(token.split()).lower()
    if not token or len(token) > 32:
        return None
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def mfa_remove(*, user: User) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
