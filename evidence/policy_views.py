"""The policy builder's pages: the list, one policy's page (what is filled in, its questions, the
review date), the documents being made, and "Use as evidence" with its confirmation.

Pages only read. Building is a POST that asks for two document jobs (the Word document and the
PDF, made from the same parameters: the job system makes one file per job); attaching is a POST
through `policy_attach.policy_attach`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from assessments.policy_templates import GROUP_TITLES
from audit.services import Actor
from documents import jobs as document_jobs
from documents import services as document_services
from documents.models import DocumentJob
from documents.views import RETRY_AFTER_SECONDS
from organisations.access import requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import policy_attach, policy_documents, policy_selectors
from .policy_forms import PolicyBuilderForm
from .policy_rules import attach_plan, attach_refusal
from .policy_texts import DETAILS_BY_NAME, PolicyText, policy_texts_load

VERSION_FIELD = "version-"
# What the builder page shows is filled in from the organisation's record and profile.
FROM_PROFILE = ("organisation_name", "address", "ods_code", "caldicott_guardian", "siro", "dpo")
FROM_PROFILE += ("ig_lead",)


def _policy(key: str) -> PolicyText:
    policy = policy_texts_load().by_key.get(key)
    if policy is None:
        raise Http404("No such policy")
    return policy


def _can_edit(request) -> bool:
    return membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)


@requires(Permission.VIEW_ORGANISATION)
@require_safe
def policy_list(request):
    texts = policy_texts_load()
    year, _ = policy_selectors.policy_assessment(organisation=request.organisation)
    item_texts = policy_selectors.policy_item_texts(year=year)
    latest = policy_selectors.policy_latest_jobs(organisation=request.organisation)
    groups = []
    for group, title in GROUP_TITLES.items():
        entries = [
            {
                "policy": policy,
                "items": [(ref, item_texts.get(ref, "")) for ref in policy.template.items],
                "latest": latest.get(policy.key),
            }
            for policy in texts.policies
            if policy.template.group == group
        ]
        if entries:
            groups.append({"key": group, "title": title, "entries": entries})
    return render(
        request,
        "evidence/policy_list.html",
        {"groups": groups, "year": year, "can_edit": _can_edit(request)},
    )


def _filled_in(policy: PolicyText, details: dict[str, str]) -> list[dict]:
    """What the page shows will be filled in from the organisation's record and profile."""
    return [
        {
            "label": DETAILS_BY_NAME[name].label,
            "value": details.get(name, ""),
            "gap": DETAILS_BY_NAME[name].gap,
        }
        for name in FROM_PROFILE
    ]


@requires(Permission.EDIT_EVIDENCE)
def policy_builder(request, key: str):
    policy = _policy(key)
    organisation = request.organisation
    details = policy_documents.policy_details(organisation=organisation)
    today = timezone.localdate()
    status = 200
    if request.method == "POST":
        form = PolicyBuilderForm(request.POST, policy=policy, today=today)
        if form.is_valid():
            year, _ = policy_selectors.policy_assessment(organisation=organisation)
            parameters = policy_documents.policy_parameters(
                organisation=organisation,
                policy=policy,
                answers=form.answers(),
                data_security_lead=form.cleaned_data["data_security_lead"],
                review_date=form.cleaned_data["review_date"],
                version=form.cleaned_data["version"],
                made_on=today,
                year=year or "",
            )
            try:
                word, _pdf = [
                    document_services.document_job_request(
                        organisation=organisation,
                        kind=kind,
                        user=request.user,
                        policy_parameters=parameters,
                        actor=Actor.from_request(request),
                    )
                    for kind in (DocumentJob.Kind.POLICY_DOCX, DocumentJob.Kind.POLICY_PDF)
                ]
            except document_services.JobNotStarted:
                response = render(request, "documents/document_not_started.html", status=503)
                response["Retry-After"] = str(RETRY_AFTER_SECONDS)
                return response
            return redirect("policy-job", job_id=word.pk)
        status = 400
    else:
        form = PolicyBuilderForm(policy=policy, today=today)
    filled_in = _filled_in(policy, details)
    return render(
        request,
        "evidence/policy_builder.html",
        {
            "policy": policy,
            "form": form,
            "filled_in": filled_in,
            "gaps": [row for row in filled_in if not row["value"]],
            "can_change_profile": membership_has_permission(
                request.membership, Permission.MANAGE_PROFILE
            ),
        },
        status=status,
    )


def _job_pair(request, job_id: int):
    try:
        return policy_selectors.policy_job_pair(organisation=request.organisation, job_id=job_id)
    except DocumentJob.DoesNotExist as error:
        raise Http404("No such policy document") from error


def _job_panel(job: DocumentJob | None) -> dict | None:
    if job is None:
        return None
    stale = document_jobs.job_is_stale(job)
    return {"job": job, "stale": stale, "waiting": not job.is_finished and not stale}


@requires(Permission.VIEW_ORGANISATION)
@require_safe
def policy_job(request, job_id: int):
    word, pdf = _job_pair(request, job_id)
    panels = [panel for panel in (_job_panel(word), _job_panel(pdf)) if panel]
    return render(
        request,
        "evidence/policy_job.html",
        {
            "word": word,
            "pdf": pdf,
            "panels": panels,
            "waiting": any(panel["waiting"] for panel in panels),
            "can_use": _can_edit(request)
            and pdf is not None
            and pdf.state == DocumentJob.State.READY,
            "policy": policy_texts_load().by_key.get(word.parameters.get("key", "")),
        },
    )


def _expected_versions(post) -> dict[str, int]:
    versions = {}
    for name, value in post.items():
        if name.startswith(VERSION_FIELD):
            try:
                versions[name.removeprefix(VERSION_FIELD)] = int(value)
            except ValueError:
                continue
    return versions


@requires(Permission.EDIT_EVIDENCE)
def policy_use(request, job_id: int):
    """The confirmation page listing what "Use as evidence" will do, and its POST."""
    word, pdf = _job_pair(request, job_id)
    policy = _policy(word.parameters.get("key", ""))
    year, assessment = policy_selectors.policy_assessment(organisation=request.organisation)
    refusal = attach_refusal(
        built_for_year=word.parameters.get("year", ""),
        latest_year=year,
        started=assessment is not None,
    )
    if refusal is None and (pdf is None or pdf.state != DocumentJob.State.READY):
        refusal = "The PDF of this policy is not ready yet. Wait until it is, then try again."
    served = policy.template.items
    error = None
    status = 200
    if refusal is not None:
        status = 409 if request.method == "POST" else 200
        return render(
            request,
            "evidence/policy_use.html",
            {"word": word, "policy": policy, "refusal": refusal, "year": year},
            status=status,
        )
    items = policy_attach.policy_attach_items(assessment=assessment, refs=served)
    if request.method == "POST" and not attach_plan(served, items).changes:
        error = "There is nothing in your assessment to add this policy to"
        status = 409
    elif request.method == "POST":
        try:
            plan = policy_attach.policy_attach(
                assessment=assessment,
                job=pdf,
                served_refs=served,
                expected_versions=_expected_versions(request.POST),
                user=request.user,
                actor=Actor.from_request(request),
            )
        except policy_attach.PolicyAttachConflict as conflict:
            who = conflict.answer.updated_by if conflict.answer else None
            error = (
                f"{who or 'Someone else'} changed the answer to {conflict.ref} after you opened "
                "this page. Nothing has been added. Check the list below, then confirm again"
            )
            status = 409
        else:
            refs = ", ".join(state.ref for state in plan.changes)
            messages.success(
                request,
                f"{policy.title} has been added to your evidence for {refs}."
                if refs
                else f"{policy.title} was not added to any item.",
            )
            return redirect("assessment-overview", year=year)
        # What the page lists now, with the versions as they are now.
        items = policy_attach.policy_attach_items(assessment=assessment, refs=served)
    return render(
        request,
        "evidence/policy_use.html",
        {
            "word": word,
            "pdf": pdf,
            "policy": policy,
            "year": year,
            "plan": attach_plan(served, items),
            "versions": [(ref, state.version) for ref, state in items.items()],
            "error_message": error,
        },
        status=status,
    )
