"""The publish flow (administrators), the action plan, and the organisation's publications."""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from assessments import selectors as assessment_selectors
from assessments.vocabulary import LEVEL_LABELS
from audit.services import Actor
from dspt_portal.spreadsheet import safe_cell
from dspt_portal.wording import counted
from organisations.access import requires
from organisations.roles import Permission
from organisations.selectors import profile_get

from . import inputs, presenters, selectors, services, site_rules, snapshot
from .action_plan import parse_action_plan_xlsx
from .forms import (
    ActionPlanForm,
    ActionPlanUploadForm,
    ConfirmProfileForm,
    PublishForm,
    SitesForm,
)
from .models import Publication
from .rules import ActionPlanLine

SESSION_KEY = "publish_flow"


class _NotStarted(Exception):
    def __init__(self, year: str):
        super().__init__(year)
        self.year = year


def _current_assessment(request):
    """The latest year's assessment; raises _NotStarted before anyone has started it (publishing
    never starts it: that is the assessment page's explicit action)."""
    bank = assessment_selectors.bank_latest()
    if bank is None:
        raise Http404("No assessment has been loaded yet")
    assessment = assessment_selectors.assessment_find(organisation=request.organisation, bank=bank)
    if assessment is None:
        raise _NotStarted(bank.year)
    assessment.bank, assessment.organisation = bank, request.organisation
    return assessment


def _started(view):
    """Sends a publish page for an assessment nobody has started to the page that starts it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _NotStarted as not_started:
            messages.info(request, "Start the assessment and answer it before you publish.")
            return redirect("assessment-overview", year=not_started.year)

    return wrapper


def _flow(request, assessment) -> dict:
    """The publish choices so far, kept in the session for this organisation and year only."""
    flow = request.session.get(SESSION_KEY) or {}
    if flow.get("assessment_id") != assessment.pk:
        flow = {"assessment_id": assessment.pk}
    return flow


def _save_flow(request, flow: dict) -> None:
    request.session[SESSION_KEY] = flow


@requires(Permission.PUBLISH)
@_started
def publish_start(request):
    assessment = _current_assessment(request)
    today = timezone.localdate()
    decision = inputs.publishing_decision(assessment=assessment, publication_date=today)
    levels = presenters.publish_levels(decision)
    return render(
        request,
        "publishing/publish_start.html",
        {
            "assessment": assessment,
            "bank": assessment.bank,
            "decision": decision,
            "levels": levels,
            "can_publish": bool(decision.allowed),
            "latest": selectors.publication_latest(organisation=request.organisation),
        },
    )


@requires(Permission.PUBLISH)
@_started
def publish_profile(request):
    assessment = _current_assessment(request)
    profile = profile_get(organisation=request.organisation)
    form = ConfirmProfileForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            flow = _flow(request, assessment)
            flow["profile_version"] = profile.version
            _save_flow(request, flow)
            if services.site_choices(organisation=request.organisation):
                return redirect("publish-sites")
            return redirect("publish-summary")
        status = 400
    return render(
        request,
        "publishing/publish_profile.html",
        {"form": form, "profile": profile, "bank": assessment.bank},
        status=status,
    )


@requires(Permission.PUBLISH)
@_started
def publish_sites(request):
    assessment = _current_assessment(request)
    flow = _flow(request, assessment)
    if "profile_version" not in flow:
        return redirect("publish-profile")
    choices = services.site_choices(organisation=request.organisation)
    sites = [choice.site for choice in choices if choice.may_publish_for]
    chosen = flow.get("site_ids")
    if chosen is None:
        chosen = site_rules.sites_ticked_at_start(
            offered=[site.pk for site in sites],
            last_covered=services.sites_covered_last_time(organisation=request.organisation),
        )
    initial = [str(pk) for pk in chosen]
    form = SitesForm(
        request.POST if request.method == "POST" else None, sites=sites, initial={"sites": initial}
    )
    status = 200
    if request.method == "POST" and request.POST.get("choose") == "all":
        # "Publish for all N sites": one field, however many branches an HQ has, so a large HQ
        # never meets the request's field limit. The list is the server's, never the request's.
        flow["site_ids"] = [site.pk for site in sites]
        _save_flow(request, flow)
        return redirect("publish-summary")
    if request.method == "POST":
        if form.is_valid():
            flow["site_ids"] = [int(pk) for pk in form.cleaned_data["sites"]]
            _save_flow(request, flow)
            return redirect("publish-summary")
        status = 400
    return render(
        request,
        "publishing/publish_sites.html",
        {
            "form": form,
            "choices": choices,
            "sites": sites,
            "publishing_for_themselves": [c.site for c in choices if not c.may_publish_for],
            "publishes_for_itself_text": site_rules.PUBLISHES_FOR_ITSELF,
            "bank": assessment.bank,
        },
        status=status,
    )


@requires(Permission.PUBLISH)
def publish_sites_csv(request):
    """Every branch, and whether the organisation can publish for it (site_rules decides)."""
    choices = services.site_choices(organisation=request.organisation)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sites.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["Code", "Organisation Name", "Postcode", "Publishing"])
    for choice in choices:
        site = choice.site
        writer.writerow(
            [
                safe_cell(site.ods_code),
                safe_cell(site.name),
                safe_cell(site.postcode),
                choice.offer.text,
            ]
        )
    return response


@requires(Permission.PUBLISH)
@_started
def publish_summary(request):
    assessment = _current_assessment(request)
    flow = _flow(request, assessment)
    profile = profile_get(organisation=request.organisation)
    if flow.get("profile_version") != profile.version:
        if "profile_version" in flow:
            messages.info(request, "The organisation profile has changed. Please confirm it again.")
        return redirect("publish-profile")
    sites = services.publishable_sites(organisation=request.organisation)
    if sites and "site_ids" not in flow:
        return redirect("publish-sites")
    chosen_ids = set(flow.get("site_ids") or [])
    chosen = [site for site in sites if site.pk in chosen_ids]
    decision = inputs.publishing_decision(
        assessment=assessment, publication_date=timezone.localdate()
    )
    if not decision.allowed:
        return redirect("publish-start")
    best = decision.allowed[-1]
    next_sequence = services.publication_next_sequence(organisation=request.organisation)
    form = PublishForm(
        request.POST if request.method == "POST" else None,
        allowed=decision.allowed,
        next_sequence=next_sequence,
        initial={"level": best, "sequence": next_sequence},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                publication = services.publication_create(
                    assessment=assessment,
                    level=form.cleaned_data["level"],
                    site_ids=[site.pk for site in chosen],
                    sequence=form.cleaned_data["sequence"],
                    user=request.user,
                    actor=Actor.from_request(request),
                )
            except services.AlreadyPublished as error:
                existing = error.existing
                if existing.published_by_id == request.user.pk:
                    # The same person pressed Publish twice: the first press did the work.
                    return redirect(existing)
                form.add_error(None, error.message)
                status = 409
            except services.PublishError as error:
                form.add_error(None, error.message)
                status = 400
            else:
                request.session.pop(SESSION_KEY, None)
                covered = f" and {counted(len(chosen), 'site')}" if chosen else ""
                messages.success(
                    request,
                    f"You have published {publication.status_text} for "
                    f"{publication.published_as_name}{covered}.",
                )
                return redirect(publication)
        else:
            status = 400
    return render(
        request,
        "publishing/publish_summary.html",
        {
            "form": form,
            "bank": assessment.bank,
            "sites": chosen,
            "all_sites": sites,
            "profile": profile,
        },
        status=status,
    )


# --- Action plan -------------------------------------------------------------------------------


def _plan_context(request):
    assessment = _current_assessment(request)
    outstanding = inputs.action_plan_items(assessment=assessment, today=timezone.localdate())
    entries = {
        entry.item.ref: entry for entry in assessment.action_plan_entries.select_related("item")
    }
    return assessment, outstanding, entries


@requires(Permission.PUBLISH)
@_started
def action_plan(request):
    assessment, outstanding, entries = _plan_context(request)
    form = ActionPlanForm(
        request.POST if request.method == "POST" else None, items=outstanding, entries=entries
    )
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        data = form.cleaned_data
        # Check the dates people did fill in, so every problem shows at once.
        lines = [
            ActionPlanLine(
                ref=item.ref,
                action=data[f"action_{item.ref}"],
                responsible_person=data[f"person_{item.ref}"],
                target_date=data[f"date_{item.ref}"],
            )
            for item in outstanding
            if all(f"{name}_{item.ref}" in data for name in ("action", "person", "date"))
        ]
        complete = [item for item in outstanding if any(line.ref == item.ref for line in lines)]
        today = timezone.localdate()
        problems = inputs.action_plan_problems(items=complete, lines=lines, today=today)
        for problem in problems:
            form.add_rule_problem(problem, today=today)
        if valid and not problems:
            services.action_plan_save(assessment=assessment, lines=lines, user=request.user)
            messages.success(request, "Your action plan has been saved.")
            return redirect("publish-start")
        status = 400
    return render(
        request,
        "publishing/action_plan.html",
        {
            "form": form,
            "bank": assessment.bank,
            "outstanding": outstanding,
            "upload_form": ActionPlanUploadForm(),
        },
        status=status,
    )


@requires(Permission.PUBLISH)
@_started
def action_plan_upload(request):
    assessment, outstanding, entries = _plan_context(request)
    upload_form = ActionPlanUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems = []
    if request.method == "POST" and upload_form.is_valid():
        parsed = parse_action_plan_xlsx(
            upload_form.cleaned_data["plan"].read(),
            year=assessment.bank.year,
            ods_code=request.organisation.ods_code,
            expected_refs=[item.ref for item in outstanding],
            today=timezone.localdate(),
        )
        problems = list(parsed.problems)
        if not problems:
            services.action_plan_save(assessment=assessment, lines=parsed.lines, user=request.user)
            messages.success(request, "Your action plan has been uploaded and saved.")
            return redirect("action-plan")
        for problem in problems:
            upload_form.add_error("plan", problem.message)
    if request.method != "POST":
        return redirect("action-plan")
    form = ActionPlanForm(items=outstanding, entries=entries)
    return render(
        request,
        "publishing/action_plan.html",
        {
            "form": form,
            "bank": assessment.bank,
            "outstanding": outstanding,
            "upload_form": upload_form,
        },
        status=400,
    )


# --- Publications ------------------------------------------------------------------------------


@requires(Permission.VIEW_ORGANISATION)
def publication_list(request):
    publications = request.organisation.publications.select_related("bank").order_by(
        "-published_at"
    )
    return render(request, "publishing/publication_list.html", {"publications": publications})


@requires(Permission.VIEW_ORGANISATION)
def publication_detail(request, publication_id: int):
    try:
        publication = request.organisation.publications.select_related("bank").get(
            pk=publication_id
        )
    except Publication.DoesNotExist as error:
        raise Http404("No such publication") from error
    sections = snapshot.AnswersSnapshot.from_json(publication.answers_snapshot).by_section()
    return render(
        request,
        "publishing/publication_detail.html",
        {
            "publication": publication,
            "sites": publication.sites.order_by("name"),
            "sections": sections,
            "action_plan": presenters.published_action_plan(publication.action_plan),
            "level_labels": LEVEL_LABELS,
            "evidence_url": reverse("assessment-overview", args=[publication.bank.year]),
        },
    )
