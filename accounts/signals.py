"""Sign-in events: recorded in the audit trail, and the second step required when set up."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from audit.models import Event
from audit.services import Actor, audit_record

from . import mfa, sessions


@receiver(user_logged_in)
def on_signed_in(sender, request, user, **kwargs):
    if request is None:
        return
    if hasattr(request, "session"):
        request.session[mfa.PENDING_SESSION_KEY] = mfa.mfa_enabled(user=user)
        sessions.signed_in_tidy(request.session, user_id=user.pk)
    audit_record(
        actor=Actor.from_request(request), user=user, event=Event.SIGNED_IN, organisation=None
    )


@receiver(user_logged_out)
def on_signed_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        audit_record(
            actor=Actor.from_request(request), user=user, event=Event.SIGNED_OUT, organisation=None
        )


@receiver(user_login_failed)
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("username") or credentials.get("email") or "")[:254]
    user = get_user_model().objects.filter(email__iexact=email).first() if email else None
    audit_record(
        actor=Actor.from_request(request) if request is not None else None,
        user=user,
        actor_email=email,
        event=Event.SIGN_IN_FAILED,
        organisation=None,
    )
