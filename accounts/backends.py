"""Signing in with an email address and password, and reading the signed-in person back on
every request through a prepared statement.

Django's ModelBackend reads the person for each signed-in request with the ORM; building that
query cost more than PostgreSQL took to answer it. `PasswordBackend` is ModelBackend with that
read prepared once per connection (dspt_portal/compiled_queries.py, ADR 17), and bringing the
person's memberships with it, which the current organisation's middleware reads next (ADR 18).

Sessions started before it name Django's ModelBackend, which therefore stays listed after it
(settings: AUTHENTICATION_BACKENDS) so that nobody is signed out, and nothing typed is lost, when
this is deployed. ModelBackend never checks a password again: `PasswordBackend` ends the attempt
when it refuses one (Django stops at PermissionDenied and reports the failed sign-in as ever).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from organisations.selectors import person_with_memberships

PATH = "accounts.backends.PasswordBackend"


class PasswordBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # Refused here: the ModelBackend listed after this one must not check it again.
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        # `user_id` as Django read it from the session: already the primary key's type. The
        # person comes with their memberships, which the current organisation's middleware
        # reads next (one statement for both).
        user = person_with_memberships(user_id)
        if user is None:
            return None
        return user if self.user_can_authenticate(user) else None
