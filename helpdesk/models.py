"""Helpdesk staff and the notices they publish."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .roles import HelpdeskRole


class Operator(models.Model):
    """A person on the helpdesk (created by `manage.py create_operator`): not a member of any
    organisation. Every helpdesk page needs a verified second factor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_operator"
    )
    role = models.CharField(max_length=16, choices=HelpdeskRole.choices)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Notice(models.Model):
    """News from the helpdesk (a deadline change, a known problem) shown on every provider's
    dashboard and on the public News page from `published_at` until the end of `expires_on`."""

    title = models.CharField(max_length=120)
    body = models.TextField(max_length=2000)
    published_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title
