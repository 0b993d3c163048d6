"""Forms of the staff training register. Dates use the NHS.UK date input; the rules about which
dates make sense are in rules.py."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from dspt_portal.forms import NHSDateField

from . import rules
from .models import StaffRole
from .presenters import STATUS_CHOICES
from .services import StaffDetails

TEXT_MAX = 200


def _text(label: str, *, required_message: str = "", hint: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=bool(required_message),
        help_text=hint,
        error_messages={
            "required": required_message,
            "max_length": f"{label} must be {TEXT_MAX} characters or fewer",
        },
    )


def _version() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class RegisterFilterForm(forms.Form):
    """The staff list's "as at" date and status filter (sent by GET)."""

    as_at = NHSDateField(
        label="Show the figures as at",
        required=False,
        help_text="For example, 31 3 2026. Leave it empty for today.",
        error_name="The date",
        min_date=rules.EARLIEST_TRAINING,
    )
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("", "Everyone"), *STATUS_CHOICES],
        error_messages={"invalid_choice": "Choose who to show from the list"},
    )


class StaffForm(forms.Form):
    version = _version()
    name = _text("Name", required_message="Enter the person's name")
    job_title = _text(
        "Job title",
        hint="For example, care assistant, registered manager, cook. It groups people in the "
        "training needs analysis.",
    )
    role = forms.ChoiceField(
        label="Role",
        choices=StaffRole.choices,
        initial=StaffRole.STAFF,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the person's role"},
    )
    start_date = NHSDateField(
        label="Start date",
        required=False,
        help_text="For example, 15 3 2024. Leave it empty if you do not know.",
        error_name="The start date",
        min_date=dt.date(1900, 1, 1),
    )
    leaving_date = NHSDateField(
        label="Leaving date",
        required=False,
        help_text="Only if they have left or are leaving.",
        error_name="The leaving date",
        min_date=dt.date(1900, 1, 1),
    )

    def clean(self):
        cleaned = super().clean()
        problem = rules.leaving_date_problem(cleaned.get("start_date"), cleaned.get("leaving_date"))
        if problem:
            self.add_error("leaving_date", problem)
        return cleaned

    def details(self) -> StaffDetails:
        data = self.cleaned_data
        return StaffDetails(
            name=" ".join(data["name"].split()),
            job_title=" ".join(data["job_title"].split()),
            role=data["role"],
            start_date=data["start_date"],
            leaving_date=data["leaving_date"],
        )


class LeaveForm(forms.Form):
    version = _version()
    leaving_date = NHSDateField(
        label="Leaving date",
        help_text="Their last day. For example, 30 4 2026.",
        error_name="The leaving date",
        error_messages={"required": "Enter the date they left or are leaving"},
        min_date=dt.date(1900, 1, 1),
    )

    def __init__(self, *args, start_date: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_date = start_date

    def clean(self):
        cleaned = super().clean()
        problem = rules.leaving_date_problem(self.start_date, cleaned.get("leaving_date"))
        if problem:
            self.add_error("leaving_date", problem)
        return cleaned


class VersionForm(forms.Form):
    version = _version()


class TrainingForm(forms.Form):
    completed_on = NHSDateField(
        label="Date completed",
        help_text="For example, 14 2 2026.",
        error_name="The date completed",
        error_messages={"required": "Enter the date the training was completed"},
    )
    course = _text(
        "Course",
        required_message="Enter the name of the course",
        hint="For example, Data Security Awareness Level 1.",
    )
    provider = _text("Provider", hint="Who ran it. For example, an e-learning provider.")

    def clean_completed_on(self):
        day = self.cleaned_data["completed_on"]
        problem = rules.training_date_problem(day, today=timezone.localdate())
        if problem:
            raise ValidationError(problem)
        return day


class ImportForm(forms.Form):
    upload = forms.FileField(
        label="Upload a file",
        help_text="A CSV file or an Excel .xlsx workbook, smaller than 5 MB.",
        error_messages={
            "required": "Select a CSV or Excel file",
            "empty": "The selected file is empty",
        },
    )


class FillForm(forms.Form):
    version = _version()
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
