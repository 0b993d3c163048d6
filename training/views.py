"""Staff training register pages. Confidential to the organisation's people: every person and
record is found through the current organisation, so another organisation's id is a 404. Viewers
see everything; members and administrators change things (Permission.EDIT_EVIDENCE)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assessments import selectors as assessment_selectors
from assessments.services import AnswerConflict, StorageUnavailable
from audit.services import Actor
from dspt_portal.downloads import attachment_header
from organisations.access import requires
from organisations.roles import Permission
from organisations.rules import membership_has_permission

from . import fill, imports, presenters, rules, selectors, services, workbooks
from .forms import (
    FillForm,
    ImportForm,
    LeaveForm,
    RegisterFilterForm,
    StaffForm,
    TrainingForm,
    VersionForm,
)
from .models import StaffMember, TrainingRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFLICT_MESSAGE = (
    "{who} changed {name}'s details after you opened this page. Check what is saved now, below, "
    "then make your change again"
)


def _can_edit(request) -> bool:
    return membership_has_permission(request.membership, Permission.EDIT_EVIDENCE)


def _member(request, staff_id: int) -> StaffMember:
    try:
        return selectors.staff_get(organisation=request.organisation, staff_id=staff_id)
    except StaffMember.DoesNotExist as error:
        raise Http404("No such person") from error


def _fill_panel(request) -> dict | None:
    """The "Fill 3.2.1 from the register" button's state for the current assessment, for people
    who may change answers."""
    if not _can_edit(request):
        return None
    bank = assessment_selectors.bank_latest()
    if bank is None:
        return None
    try:
        plan = fill.fill_plan(
            organisation=request.organisation, year=bank.year, today=timezone.localdate()
        )
    except fill.FillRefused as refusal:
        return {"year": bank.year, "refused": refusal.message}
    return {"year": bank.year, "plan": plan}


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def staff_list(request):
    today = timezone.localdate()
    form = RegisterFilterForm(request.GET or None)
    day, status = today, ""
    status_code = 200
    if request.GET:
        if form.is_valid():
            day = form.cleaned_data["as_at"] or today
            status = form.cleaned_data["status"]
        else:
            status_code = 400
    rows = selectors.register_rows(organisation=request.organisation, day=day)
    figures = selectors.register_headline(rows=rows, day=day)
    counts = {value: 0 for value, _ in presenters.STATUS_CHOICES}
    for row in rows:
        counts[row.status.value] += 1
    shown = [row for row in rows if not status or row.status.value == status]
    return render(
        request,
        "training/staff_list.html",
        {
            "filter_form": form,
            "day": day,
            "is_today": day == today,
            "status": status,
            "rows": [(row, presenters.status_label(row.status)) for row in shown],
            "everyone": len(rows),
            "counts": [(value, label, counts[value]) for value, label in presenters.STATUS_CHOICES],
            "headline": figures,
            "headline_text": presenters.headline_text(figures),
            "threshold_text": presenters.threshold_text(figures),
            "can_edit": _can_edit(request),
            "fill": _fill_panel(request),
        },
        status=status_code,
    )


@requires(Permission.EDIT_EVIDENCE)
def staff_add(request):
    form = StaffForm(initial={"version": 0, "role": "staff"})
    status = 200
    if request.method == "POST":
        form = StaffForm(request.POST)
        if form.is_valid():
            member = services.staff_member_create(
                organisation=request.organisation,
                details=form.details(),
                actor=Actor.from_request(request),
            )
            messages.success(request, f"{member.name} has been added to the register.")
            return redirect("staff-detail", staff_id=member.pk)
        status = 400
    return render(
        request, "training/staff_form.html", {"form": form, "member": None}, status=status
    )


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def staff_detail(request, staff_id: int):
    member = _member(request, staff_id)
    today = timezone.localdate()
    records = selectors.training_records(staff_member=member)
    person = rules.Person(
        start_date=member.start_date,
        leaving_date=member.leaving_date,
        completions=tuple(record.completed_on for record in records),
    )
    latest = rules.last_training(person.completions, today)
    return render(
        request,
        "training/staff_detail.html",
        {
            "member": member,
            "records": records,
            "status": presenters.status_label(rules.status_on(person, today)),
            "counts_until": rules.counts_until(latest) if latest else None,
            "can_edit": _can_edit(request),
            "form": TrainingForm(),
        },
    )


@requires(Permission.EDIT_EVIDENCE)
def staff_edit(request, staff_id: int):
    member = _member(request, staff_id)
    form = StaffForm(
        initial={
            "version": member.version,
            "name": member.name,
            "job_title": member.job_title,
            "role": member.role,
            "start_date": member.start_date,
            "leaving_date": member.leaving_date,
        }
    )
    status = 200
    if request.method == "POST":
        form = StaffForm(request.POST)
        if form.is_valid():
            try:
                member = services.staff_member_update(
                    organisation=request.organisation,
                    staff_id=member.pk,
                    expected_version=form.cleaned_data["version"],
                    details=form.details(),
                    actor=Actor.from_request(request),
                )
            except services.StaffConflict as conflict:
                if conflict.current is None:
                    messages.info(request, "Someone else removed this person from the register.")
                    return redirect("staff-list")
                member = conflict.current
                data = request.POST.copy()
                data["version"] = str(member.version)
                form = StaffForm(data)
                form.is_valid()
                form.add_error(None, CONFLICT_MESSAGE.format(who="Someone else", name=member.name))
                status = 409
            else:
                messages.success(request, f"{member.name}'s details have been saved.")
                return redirect("staff-detail", staff_id=member.pk)
        else:
            status = 400
    return render(
        request,
        "training/staff_form.html",
        {"form": form, "member": member, "conflict": status == 409},
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def staff_leave(request, staff_id: int):
    member = _member(request, staff_id)
    form = LeaveForm(
        initial={"version": member.version, "leaving_date": member.leaving_date},
        start_date=member.start_date,
    )
    status = 200
    if request.method == "POST":
        form = LeaveForm(request.POST, start_date=member.start_date)
        if form.is_valid():
            try:
                member = services.staff_member_leave(
                    organisation=request.organisation,
                    staff_id=member.pk,
                    expected_version=form.cleaned_data["version"],
                    leaving_date=form.cleaned_data["leaving_date"],
                    actor=Actor.from_request(request),
                )
            except services.StaffConflict as conflict:
                if conflict.current is None:
                    messages.info(request, "Someone else removed this person from the register.")
                    return redirect("staff-list")
                member = conflict.current
                data = request.POST.copy()
                data["version"] = str(member.version)
                form = LeaveForm(data, start_date=member.start_date)
                form.is_valid()
                form.add_error(None, CONFLICT_MESSAGE.format(who="Someone else", name=member.name))
                status = 409
            else:
                messages.success(request, f"{member.name} has been marked as leaving.")
                return redirect("staff-detail", staff_id=member.pk)
        else:
            status = 400
    return render(
        request, "training/staff_leave.html", {"form": form, "member": member}, status=status
    )


@requires(Permission.EDIT_EVIDENCE)
def staff_remove(request, staff_id: int):
    member = _member(request, staff_id)
    form = VersionForm(initial={"version": member.version})
    status = 200
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                name = services.staff_member_remove(
                    organisation=request.organisation,
                    staff_id=member.pk,
                    expected_version=form.cleaned_data["version"],
                    actor=Actor.from_request(request),
                )
            except services.StaffConflict as conflict:
                if conflict.current is None:
                    messages.info(request, "Someone else removed this person from the register.")
                    return redirect("staff-list")
                member = conflict.current
                form = VersionForm({"version": member.version})
                form.is_valid()
                form.add_error(
                    None,
                    f"Someone else changed {member.name}'s details after you opened this page. "
                    "Check them, then remove them again if you still need to",
                )
                status = 409
            else:
                messages.success(request, f"{name} has been removed from the register.")
                return redirect("staff-list")
        else:
            status = 400
    return render(
        request,
        "training/staff_remove.html",
        {"form": form, "member": member, "records": member.training_records.count()},
        status=status,
    )


@requires(Permission.EDIT_EVIDENCE)
def training_add(request, staff_id: int):
    member = _member(request, staff_id)
    form = TrainingForm()
    status = 200
    if request.method == "POST":
        form = TrainingForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.training_record_add(
                    organisation=request.organisation,
                    staff_id=member.pk,
                    completed_on=data["completed_on"],
                    course=" ".join(data["course"].split()),
                    provider=" ".join(data["provider"].split()),
                    actor=Actor.from_request(request),
                    today=timezone.localdate(),
                )
            except StaffMember.DoesNotExist as error:
                raise Http404("No such person") from error
            messages.success(request, f"Training recorded for {member.name}.")
            return redirect("staff-detail", staff_id=member.pk)
        status = 400
    return render(
        request, "training/training_add.html", {"form": form, "member": member}, status=status
    )


@requires(Permission.EDIT_EVIDENCE)
def training_delete(request, staff_id: int, record_id: int):
    try:
        record = selectors.training_record_get(
            organisation=request.organisation, staff_id=staff_id, record_id=record_id
        )
    except TrainingRecord.DoesNotExist as error:
        raise Http404("No such training record") from error
    if request.method == "POST":
        try:
            services.training_record_delete(
                organisation=request.organisation,
                staff_id=staff_id,
                record_id=record.pk,
                actor=Actor.from_request(request),
            )
        except TrainingRecord.DoesNotExist:
            messages.info(request, "That training record had already been deleted.")
        else:
            messages.success(request, "The training record has been deleted.")
        return redirect("staff-detail", staff_id=staff_id)
    return render(
        request,
        "training/training_delete.html",
        {"record": record, "member": record.staff_member},
    )


@requires(Permission.EDIT_EVIDENCE)
def staff_import(request):
    form = ImportForm()
    problems: list[str] = []
    ignored: list[str] = []
    status = 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["upload"]
            try:
                if upload.size > imports.IMPORT_MAX_BYTES:
                    raise imports.ImportFileError(
                        "The selected file must be smaller than "
                        f"{imports.IMPORT_MAX_BYTES // (1024 * 1024)} MB"
                    )
                result = imports.people_from_file(
                    upload.read(),
                    today=timezone.localdate(),
                    existing=selectors.existing_people_keys(organisation=request.organisation),
                )
            except imports.ImportFileError as error:
                form.add_error("upload", error.message)
            else:
                ignored = result.ignored_columns
                problems = [str(problem) for problem in result.problems]
                if not problems:
                    try:
                        added, trained = services.staff_import(
                            organisation=request.organisation,
                            people=result.people,
                            actor=Actor.from_request(request),
                            file_name=upload.name[:100],
                        )
                    except services.ImportDuplicates as clash:
                        problems = [
                            f"{name} was added to the register by someone else just now"
                            for name in clash.names
                        ]
                    else:
                        people = "person" if added == 1 else "people"
                        messages.success(
                            request,
                            f"{added} {people} imported"
                            + (f", {trained} with their last training." if trained else "."),
                        )
                        return redirect("staff-list")
        status = 400
    return render(
        request,
        "training/staff_import.html",
        {
            "form": form,
            "problems": problems,
            "ignored": ignored,
            "row_limit": imports.IMPORT_ROW_LIMIT,
            "columns": workbooks.IMPORT_COLUMNS,
        },
        status=status,
    )


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def staff_import_template(request):
    response = HttpResponse(workbooks.build_import_template(), content_type="text/csv")
    response["Content-Disposition"] = attachment_header("staff-training-import.csv")
    return response


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def training_report(request):
    today = timezone.localdate()
    data = workbooks.build_training_report(
        selectors.training_report_data(organisation=request.organisation, day=today)
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = attachment_header(
        f"staff-training-register-{today.isoformat()}.xlsx"
    )
    return response


@requires(Permission.VIEW_ORGANISATION)
@require_GET
def training_needs_analysis(request):
    today = timezone.localdate()
    data = workbooks.build_needs_analysis(
        organisation_name=request.organisation.name,
        as_at=today,
        titles=selectors.job_title_counts(organisation=request.organisation, day=today),
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = attachment_header("training-needs-analysis.xlsx")
    return response


@requires(Permission.EDIT_EVIDENCE)
@require_POST
def training_fill(request, year: str):
    """Fills 3.2.1 from the register: straight away when nothing different is saved yet, after a
    confirmation page when it would replace a different answer."""
    back = request.POST.get("back") == "item"
    try:
        plan = fill.fill_plan(
            organisation=request.organisation, year=year, today=timezone.localdate()
        )
    except fill.FillRefused as refusal:
        return render(
            request,
            "training/training_fill.html",
            {"refused": refusal.message, "year": year},
            status=409,
        )
    form = FillForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "training/training_fill.html",
            {"refused": "Something went wrong with the form. Go back and try again", "year": year},
            status=400,
        )
    version = form.cleaned_data["version"]
    context = {"plan": plan, "year": year, "back": back, "headline_text": None}
    context["headline_text"] = presenters.fill_comments(plan.headline)
    if version != plan.version:
        context["conflict"] = True
        return render(request, "training/training_fill.html", context, status=409)
    if plan.replaces_different_answer and not form.cleaned_data["confirm"]:
        return render(request, "training/training_fill.html", context)
    try:
        fill.answer_fill_from_register(
            organisation=request.organisation,
            plan=plan,
            expected_version=version,
            user=request.user,
            actor=Actor.from_request(request),
        )
    except AnswerConflict:
        plan = fill.fill_plan(
            organisation=request.organisation, year=year, today=timezone.localdate()
        )
        context.update(plan=plan, conflict=True)
        return render(request, "training/training_fill.html", context, status=409)
    except StorageUnavailable:
        context["storage_failed"] = True
        return render(request, "training/training_fill.html", context, status=503)
    messages.success(
        request,
        f"Your answer to {plan.item.ref} has been filled from the register: "
        f"{plan.answer_text}. The training report is attached as its evidence.",
    )
    if back:
        return redirect("evidence-item", year=year, ref=plan.item.ref)
    return redirect(reverse("staff-list"))
