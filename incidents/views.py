"""Incident pages: the list, the guided report one question a page, check answers and submit,
the report as it stands and the confirmation. Confidential to the organisation's people: every
incident is found through the current organisation, so another organisation's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from audit.services import Actor
from organisations.access import requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import after_views, notify, presenters, rules, selectors, services
from .forms import STEP_FORMS, SubmitForm
from .models import Incident
from .scales import scales_current

RETURN_TO_CHECK = "check"


def _incident(request, incident_id: int) -> Incident:
    try:
        return selectors.incident_get(organisation=request.organisation, incident_id=incident_id)
    except Incident.DoesNotExist as error:
        raise Http404("No such incident") from error


def _can_edit(request) -> bool:
    return membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)


def _preview(incident: Incident, scales):
    return presenters.verdict_preview(
        likelihood=incident.likelihood,
        severity=incident.severity,
        vulnerable_groups=incident.vulnerable_groups,
        scales=scales,
    )


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def incident_start(request):
    incident = services.incident_start(
        membership=request.membership, actor=Actor.from_request(request)
    )
    return redirect("incident-step", incident_id=incident.pk, step=rules.STEPS[0])


def _next_url(incident: Incident, step: str, *, return_to_check: bool) -> str:
    position = rules.STEPS.index(step)
    if return_to_check or position == len(rules.STEPS) - 1:
        return reverse("incident-check", args=[incident.pk])
    return reverse("incident-step", args=[incident.pk, rules.STEPS[position + 1]])


@requires(Permission.EDIT_EVIDENCE)
def incident_step(request, incident_id: int, step: str):
    form_class = STEP_FORMS.get(step)
    if form_class is None:
        raise Http404("No such question")
    incident = _incident(request, incident_id)
    if not incident.is_draft:
        return redirect("incident-detail", incident_id=incident.pk)
    scales = scales_current()
    return_to_check = request.GET.get("return") == RETURN_TO_CHECK
    form = form_class(incident=incident, scales=scales)
    conflict = None
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, incident=incident, scales=scales)
        if form.is_valid():
            try:
                saved = services.incident_save_step(
                    incident=incident,
                    step=step,
                    values=form.values(),
                    expected_version=form.cleaned_data["version"],
                    membership=request.membership,
                    actor=Actor.from_request(request),
                    scales=scales,
                )
            except services.IncidentNotDraft:
                messages.info(request, "This report has been submitted: it can no longer change.")
                return redirect("incident-detail", incident_id=incident.pk)
            except services.IncidentConflict as error:
                conflict = error.current
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = form_class(data, incident=conflict, scales=scales)
                form.is_valid()
                form.add_error(
                    None,
                    f"{conflict.updated_by or 'Someone else'} changed this report after you "
                    "opened this page. Check the answers so far, then save yours again to "
                    "replace theirs",
                )
                status = 409
            else:
                if "later" in request.POST:
                    messages.success(
                        request, "Your draft has been saved. You can finish it from this page."
                    )
                    return redirect("incident-list")
                return redirect(_next_url(saved, step, return_to_check=return_to_check))
        else:
            status = 400
    position = rules.STEPS.index(step)
    back = (
        reverse("incident-check", args=[incident.pk])
        if return_to_check
        else reverse("incident-step", args=[incident.pk, rules.STEPS[position - 1]])
        if position
        else reverse("incident-list")
    )
    return render(
        request,
        "incidents/incident_step.html",
        {
            "incident": incident,
            "form": form,
            "step": step,
            "number": position + 1,
            "total": len(rules.STEPS),
            "back": back,
            "conflict": conflict,
            "clock": presenters.clock(incident.discovered_at, timezone.now()),
            "question": presenters.QUESTIONS[step],
            "their_answer": presenters.answer_lines(step, conflict.answers(), scales)
            if conflict
            else None,
        },
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def incident_check(request, incident_id: int):
    incident = _incident(request, incident_id)
    if not incident.is_draft:
        return redirect("incident-detail", incident_id=incident.pk)
    scales = scales_current()
    now = timezone.now()
    late = incident.discovered_at is not None and rules.is_late(incident.discovered_at, now)
    form = SubmitForm(initial={"version": incident.version}, late=late)
    missing: list[rules.Missing] = []
    status = 200
    if request.method == "POST":
        form = SubmitForm(request.POST, late=late)
        if form.is_valid():
            try:
                services.incident_submit(
                    incident=incident,
                    expected_version=form.cleaned_data["version"],
                    late_reason=form.cleaned_data.get("late_reason", ""),
                    membership=request.membership,
                    actor=Actor.from_request(request),
                    now=now,
                    scales=scales,
                )
            except services.IncidentIncomplete as error:
                missing = error.missing
                status = 400
            except services.LateReasonNeeded:
                form.add_error("late_reason", "Say why the report is more than 72 hours late")
                status = 400
            except services.IncidentConflict as error:
                incident = error.current
                form = SubmitForm(initial={"version": incident.version}, late=late)
                form.add_error(
                    None,
                    f"{incident.updated_by or 'Someone else'} changed this report after you "
                    "opened this page. Check the answers below, then submit again",
                )
                status = 409
            except services.IncidentNotDraft:
                return redirect("incident-submitted", incident_id=incident.pk)
            else:
                return redirect("incident-submitted", incident_id=incident.pk)
        else:
            status = 400
    return render(
        request,
        "incidents/incident_check.html",
        {
            "incident": incident,
            "rows": presenters.answer_rows(incident.answers(), scales),
            "verdict": _preview(incident, scales),
            "clock": presenters.clock(incident.discovered_at, now),
            "form": form,
            "late": late,
            "missing": missing,
            "return_to": RETURN_TO_CHECK,
        },
        status=status,
    )


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def incident_detail(request, incident_id: int):
    incident = _incident(request, incident_id)
    scales = scales_current()
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "rows": presenters.answer_rows(incident.answers(), scales),
            "verdict": None if not incident.is_draft else _preview(incident, scales),
            "clock": presenters.clock(incident.discovered_at, timezone.now())
            if incident.is_draft
            else None,
            "submitted_reportable": incident.verdict not in ("", rules.NOT_REPORTABLE),
            "can_edit": _can_edit(request),
            **after_views.detail_context(request, incident),
        },
    )


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def incident_submitted(request, incident_id: int):
    incident = _incident(request, incident_id)
    if incident.is_draft:
        return redirect("incident-detail", incident_id=incident.pk)
    scales = scales_current()
    return render(
        request,
        "incidents/incident_submitted.html",
        {
            "incident": incident,
            "next": presenters.next_steps(
                verdict=incident.verdict,
                near_miss=incident.near_miss,
                severity=incident.severity,
                people_told=incident.people_told,
                breach_category=incident.breach_category,
                cyber_caused=incident.cyber_caused,
                scales=scales,
            ),
            "sending_to": notify.destination(),
        },
    )
