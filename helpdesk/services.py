"""Helpdesk changes: each takes the acting operator (an `Actor`) and, where it acts on an
organisation, a reason; each records its event in the audit trail in its own transaction."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from assessments.vocabulary import format_date
from audit.models import Event
from audit.services import Actor, audit_record
from organisations.models import User
from organisations.services import ServiceError

from .models import Notice, Operator
from .roles import HelpdeskRole
from .rules import notice_expiry_problem


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


# News -------------------------------------------------------------------------------------------


class NoticeError(ServiceError):
    """A notice that cannot be published or withdrawn; `status` is the HTTP status to answer."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


def _actor_name(actor: Actor) -> str:
    user = actor.user
    if user is None:
        raise ValueError("A notice needs the operator who acts")
    return user.full_name or user.email


def notice_publish(
    *,
    title: str,
    body: str,
    expires_on: datetime.date,
    actor: Actor,
    today: datetime.date | None = None,
) -> Notice:
    """Publishes a notice shown on every provider's dashboard from now until the end of
    `expires_on` (today at the earliest, a year ahead at the latest)."""
    title, body = " ".join(title.split()), body.strip()
    if not title:
        raise NoticeError("Enter a title")
    if not body:
        raise NoticeError("Enter the notice")
    problem = notice_expiry_problem(expires_on, today=today or timezone.localdate())
    if problem:
        raise NoticeError(problem)
    name = _actor_name(actor)
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            body=body,
            expires_on=expires_on,
            created_by=actor.user,
            created_by_name=name,
        )
        audit_record(
            event=Event.NOTICE_PUBLISHED,
            organisation=None,
            actor=actor,
            detail=f"{name} published the notice “{title}”, shown until {format_date(expires_on)}",
        )
    return notice


def notice_withdraw(*, notice_id: int, actor: Actor) -> Notice:
    """Takes a notice off the dashboards before it expires. Refused (409) when it has been
    withdrawn already, or has expired, since the operator looked at it."""
    name = _actor_name(actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise NoticeError("We cannot find this notice", status=404)
        if notice.withdrawn_at is not None:
            withdrawn_on = format_date(timezone.localdate(notice.withdrawn_at))
            raise NoticeError(f"This notice was already withdrawn on {withdrawn_on}", status=409)
        if notice.expires_on < timezone.localdate():
            raise NoticeError("This notice has expired already: nobody sees it", status=409)
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["withdrawn_at"])
        audit_record(
            event=Event.NOTICE_WITHDRAWN,
            organisation=None,
            actor=actor,
            detail=f"{name} withdrew the notice “{notice.title}”",
        )
    return notice
