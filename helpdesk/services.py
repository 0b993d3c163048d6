"""Helpdesk changes: each takes the acting operator (an `Actor`) and, where it acts on an
organisation, a reason; each records its event in the audit trail in its own transaction."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import User

from .models import Operator
from .roles import HelpdeskRole


def operator_create(
    *, email: str, full_name: str, role: HelpdeskRole, actor: Actor | None = None
) -> tuple[Operator, bool]:
    """Makes `email` helpdesk staff with `role` (creating the account, with no password yet, if
    there is none) and emails a link to choose a password. Returns the operator and whether the
    account is new. Two-factor set-up is asked for at the first helpdesk page."""
    email = User.objects.normalize_email(email.strip()).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        created = user is None
        if user is None:
            user = User.objects.create_user(email=email, full_name=full_name or email)
        operator, _ = Operator.objects.update_or_create(user=user, defaults={"role": role})
        audit_record(
            event=Event.HELPDESK_STAFF_ADDED,
            organisation=None,
            actor=actor,
            user=actor.user if actor is not None and actor.user is not None else user,
            detail=f"{user.email} became {HelpdeskRole(role).label.lower()}",
        )
    if created:
        _send_set_password(user)
    return operator, created


def _send_set_password(user: User) -> None:
    link = "{}{}".format(
        str(settings.DSPT_SITE_URL).rstrip("/"),
        reverse(
            "password-reset-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
    )
    send_mail(
        f"Your {settings.DSPT_SERVICE_NAME} helpdesk account",
        (
            "Hello,\n\n"
            f"You have been given a helpdesk account on {settings.DSPT_SERVICE_NAME}. To choose "
            f"your password, open this link:\n\n{link}\n\n"
            "The link works once and expires after one day. When you first open the helpdesk you "
            "will be asked to set up two-factor authentication with an authenticator app.\n"
        ),
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
