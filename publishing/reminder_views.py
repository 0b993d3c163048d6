"""The reminders the current organisation's administrators were sent."""

from __future__ import annotations

from django.shortcuts import render

from organisations.access import requires
from organisations.roles import Permission

from .models import ReminderSent


@requires(Permission.VIEW_ORGANISATION)
def reminder_list(request):
    # Recipients are the organisation's own administrators, so everyone in it may see them.
    reminders = (
        ReminderSent.objects.filter(organisation=request.organisation)
        .select_related("bank")
        .order_by("-sent_at", "-pk")
    )
    return render(request, "publishing/reminder_list.html", {"reminders": reminders})
