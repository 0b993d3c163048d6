"""Incident pages after submission: the incident log (the /incidents/ page) and its export,
a follow-up, closing, withdrawing, "Try again" for a sending to the regulator, and one
incident's PDF. Confidential to the organisation's people: every incident is found through the
current organisation, so another organisation's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit.services import Actor
from documents import services as document_services
from documents.models import DocumentJob
from documents.views import RETRY_AFTER_SECONDS
from organisations.access import requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import after_presenters, log_rules, log_selectors, notify, update_services
from .after_forms import CloseForm, FollowUpForm, WithdrawForm
from .models import Incident, IncidentNotification
from .presenters import when
from .scales import scales_current
from .services import IncidentConflict


def _not_started(request):
    """The documents' 503 page: the background worker could not be reached."""
    response = render(request, "documents/document_not_started.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _can_edit(request) -> bool:
    return membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)


def _incident(request, incident_id: int) -> Incident:
    try:
        return log_selectors.incident_with_history(
            organisation=request.organisation, incident_id=incident_id
        )
    except Incident.DoesNotExist as error:
        raise Http404("No such incident") from error


def _categories(scales) -> list[tuple[str, str]]:
    return [(option.value, option.label) for option in scales.breach_categories]


def _filters(request, scales) -> tuple[log_rules.LogFilters, list[tuple[str, str]]]:
    source = request.GET if request.method == "GET" else request.POST
    return log_rules.parse_filters(source, categories=[value for value, _ in _categories(scales)])


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def incident_log(request):
    """Every report, near miss and draft, filtered by status, DSPT year and kind."""
    scales = scales_current()
    filters, errors = _filters(request, scales)
    now = timezone.now()
    entries = after_presenters.log_entries(
        log_selectors.incident_log(organisation=request.organisation, filters=filters),
        scales=scales,
        now=now,
        configured=bool(notify.destination()),
    )
    years = log_rules.years_offered(
        today=timezone.localdate(),
        earliest=log_selectors.incident_earliest(organisation=request.organisation),
    )
    return render(
        request,
        "incidents/incident_log.html",
        {
            "drafts": [entry for entry in entries if entry.incident.is_draft],
            "reported": [entry for entry in entries if not entry.incident.is_draft],
            "filters": filters,
            "filter_errors": errors,
            "statuses": [(value, Incident.State(value).label) for value in log_rules.STATUSES],
            "years": years,
            "categories": _categories(scales),
            "can_edit": _can_edit(request),
        },
        status=400 if errors else 200,
    )


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def incident_log_export(request):
    """The log as a spreadsheet, with the filters it was shown with, made in the background."""
    scales = scales_current()
    filters, errors = _filters(request, scales)
    if errors:
        messages.error(request, "The filters were not recognised: choose them again.")
        return redirect("incident-list")
    try:
        job = document_services.document_job_request(
            organisation=request.organisation,
            kind=DocumentJob.Kind.INCIDENT_LOG_XLSX,
            user=request.user,
            log_filters=filters,
            actor=Actor.from_request(request),
        )
    except document_services.JobNotStarted:
        return _not_started(request)
    return redirect(job)


@requires(Permission.VIEW_ORGANISATION)
@require_POST
def incident_pdf(request, incident_id: int):
    incident = _incident(request, incident_id)
    try:
        job = document_services.document_job_request(
            organisation=request.organisation,
            kind=DocumentJob.Kind.INCIDENT_PDF,
            user=request.user,
            incident=incident,
            actor=Actor.from_request(request),
        )
    except document_services.JobNotStarted:
        return _not_started(request)
    return redirect(job)


def detail_context(request, incident: Incident) -> dict:
    """What the incident page shows after submission (called by views.incident_detail)."""
    if incident.is_draft:
        return {}
    incident = _incident(request, incident.pk)
    scales = scales_current()
    configured = bool(notify.destination())
    can_edit = _can_edit(request)
    is_open = incident.state == Incident.State.SUBMITTED
    return {
        "standing": after_presenters.standing(incident),
        "updates": after_presenters.updates_shown(incident, scales),
        "notifications": after_presenters.notifications_shown(
            incident, now=timezone.now(), configured=configured
        ),
        "sending_configured": configured,
        "can_follow_up": can_edit and is_open,
    }


def _not_open_text(incident: Incident, *, posted: bool) -> str:
    """Why nothing can be added: who closed or withdrew it and when."""
    if incident.is_draft:
        return "This report has not been submitted yet, so nothing can be added to it."
    who = incident.updated_by or "Someone else"
    done = "closed this incident" if incident.state == Incident.State.CLOSED else "withdrew it"
    text = f"{who} {done} on {when(incident.updated_at)}: it cannot change."
    return text + (" Nothing was saved." if posted else "")


def _refused(request, incident: Incident, error: update_services.IncidentNotOpen):
    messages.error(request, _not_open_text(error.current, posted=True))
    return redirect("incident-detail", incident_id=incident.pk)


def _open_or_back(request, incident: Incident):
    if incident.state != Incident.State.SUBMITTED:
        text = _not_open_text(incident, posted=request.method == "POST")
        messages.error(request, text) if request.method == "POST" else messages.info(request, text)
        return redirect("incident-detail", incident_id=incident.pk)
    return None


@requires(Permission.EDIT_EVIDENCE)
def incident_follow_up(request, incident_id: int):
    incident = _incident(request, incident_id)
    if (back := _open_or_back(request, incident)) is not None:
        return back
    scales = scales_current()
    standing = after_presenters.standing(incident)
    form_kwargs = {
        "scales": scales,
        "likelihood": standing.likelihood,
        "severity": standing.severity,
    }
    form = FollowUpForm(**form_kwargs)
    status = 200
    if request.method == "POST":
        form = FollowUpForm(request.POST, **form_kwargs)
        if form.is_valid():
            revised = form.cleaned_data["likelihood"] is not None
            try:
                update = update_services.incident_follow_up(
                    incident=incident,
                    new_facts=form.cleaned_data["new_facts"],
                    actions_taken=form.cleaned_data["actions_taken"],
                    revised_likelihood=form.cleaned_data["likelihood"] if revised else None,
                    revised_severity=form.cleaned_data["severity"] if revised else None,
                    membership=request.membership,
                    actor=Actor.from_request(request),
                    scales=scales,
                )
            except update_services.IncidentNotOpen as error:
                return _refused(request, incident, error)
            except update_services.UpdateInvalid as error:
                form.add_error(None, error.message)
                status = 400
            else:
                text = "Your follow-up has been added."
                if update.notifications.exists():
                    text += " It will be sent on to the regulator."
                messages.success(request, text)
                return redirect("incident-detail", incident_id=incident.pk)
        else:
            status = 400
    return render(
        request,
        "incidents/incident_follow_up.html",
        {"incident": incident, "form": form, "standing": standing},
        status=status,
    )


def _decision_view(request, incident_id: int, *, form_class, template: str, act, done: str):
    incident = _incident(request, incident_id)
    if (back := _open_or_back(request, incident)) is not None:
        return back
    form = form_class(initial={"version": incident.version})
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                act(incident, form.cleaned_data)
            except update_services.IncidentNotOpen as error:
                return _refused(request, incident, error)
            except IncidentConflict as error:
                current = error.current
                form = form_class(
                    {**request.POST.dict(), "version": current.version},
                )
                form.is_valid()
                form.add_error(
                    None,
                    f"{current.updated_by or 'Someone else'} added to this incident after you "
                    "opened this page. Read what they added below, then try again",
                )
                incident = _incident(request, incident_id)
                status = 409
            except update_services.UpdateInvalid as error:
                form.add_error(None, error.message)
                status = 400
            else:
                messages.success(request, done)
                return redirect("incident-detail", incident_id=incident.pk)
        else:
            status = 400
    return render(
        request,
        template,
        {
            "incident": incident,
            "form": form,
            "updates": after_presenters.updates_shown(incident, scales_current()),
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def incident_close(request, incident_id: int):
    def act(incident, data):
        update_services.incident_close(
            incident=incident,
            expected_version=data["version"],
            outcome=data["outcome"],
            lessons_learned=data["lessons_learned"],
            membership=request.membership,
            actor=Actor.from_request(request),
        )

    return _decision_view(
        request,
        incident_id,
        form_class=CloseForm,
        template="incidents/incident_close.html",
        act=act,
        done="The incident has been closed.",
    )


@requires(Permission.EDIT_EVIDENCE)
def incident_withdraw(request, incident_id: int):
    def act(incident, data):
        update_services.incident_withdraw(
            incident=incident,
            expected_version=data["version"],
            reason=data["reason"],
            membership=request.membership,
            actor=Actor.from_request(request),
        )

    return _decision_view(
        request,
        incident_id,
        form_class=WithdrawForm,
        template="incidents/incident_withdraw.html",
        act=act,
        done="The report has been withdrawn. It stays in your incident log, marked withdrawn.",
    )


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def incident_notification_retry(request, incident_id: int, notification_id: int):
    try:
        notification = log_selectors.notification_get(
            organisation=request.organisation,
            incident_id=incident_id,
            notification_id=notification_id,
        )
    except IncidentNotification.DoesNotExist as error:
        raise Http404("No such notification") from error
    try:
        notification = notify.notification_send_again(
            notification=notification,
            membership=request.membership,
            actor=Actor.from_request(request),
        )
    except notify.NotificationNotStarted:
        messages.error(request, notify.NOT_STARTED_MESSAGE)
        return redirect("incident-detail", incident_id=incident_id)
    state = notification.state
    if state == IncidentNotification.State.SENT:
        messages.success(request, "It has been sent.")
    elif state in (IncidentNotification.State.PENDING, IncidentNotification.State.SENDING):
        messages.success(request, "It is being sent again. This page shows when it has gone.")
    elif state == IncidentNotification.State.FAILED:
        messages.error(request, "It could not be sent. Try again later.")
    return redirect("incident-detail", incident_id=incident_id)
