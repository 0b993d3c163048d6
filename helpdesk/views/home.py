"""The helpdesk console: pages for helpdesk staff only (operators act, auditors read)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from helpdesk.selectors import helpdesk_role_of
from organisations.access import requires

READ = HelpdeskPermission.READ
ACT = HelpdeskPermission.ACT


@require_GET
@requires(READ)
def home(request: HttpRequest) -> HttpResponse:
    role = HelpdeskRole(helpdesk_role_of(request.user))
    return render(
        request,
        "helpdesk/home.html",
        {"role": role, "may_act": role == HelpdeskRole.OPERATOR},
    )
