"""News from the helpdesk: operators publish and withdraw notices; auditors read them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import Actor
from helpdesk import selectors, services
from helpdesk.forms import NoticeForm
from helpdesk.models import Notice
from helpdesk.roles import HelpdeskPermission, HelpdeskRole
from organisations.access import requires

READ = HelpdeskPermission.READ
ACT = HelpdeskPermission.ACT


def _may_act(request: HttpRequest) -> bool:
    return selectors.helpdesk_role_of(request.user) == HelpdeskRole.OPERATOR


@require_GET
@requires(READ)
def news(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/news.html",
        {
            "showing": list(selectors.notices_current()),
            "ended": list(selectors.notices_past()),
            "may_act": _may_act(request),
        },
    )


@requires(READ, post=ACT)
def news_publish(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "may_act": _may_act(request)}
    if request.method != "POST":
        return render(request, "helpdesk/news_publish.html", context)
    if not form.is_valid():
        return render(request, "helpdesk/news_publish.html", context, status=400)
    try:
        notice = services.notice_publish(
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            expires_on=form.cleaned_data["expires_on"],
            actor=Actor.from_request(request),
        )
    except services.NoticeError as error:
        form.add_error(None, error.message)
        return render(request, "helpdesk/news_publish.html", context, status=error.status)
    messages.success(
        request, f"You published “{notice.title}”. Providers see it on their dashboard now."
    )
    return redirect("helpdesk:news")


@requires(READ, post=ACT)
def news_withdraw(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=notice_id)
    context = {
        "notice": notice,
        "may_act": _may_act(request),
        "showing": notice.withdrawn_at is None and notice.expires_on >= timezone.localdate(),
    }
    if request.method != "POST":
        return render(request, "helpdesk/news_withdraw.html", context)
    try:
        services.notice_withdraw(notice_id=notice.pk, actor=Actor.from_request(request))
    except services.NoticeError as error:
        context["error_message"] = error.message
        return render(request, "helpdesk/news_withdraw.html", context, status=error.status)
    messages.success(request, f"You withdrew “{notice.title}”. Providers no longer see it.")
    return redirect("helpdesk:news")
