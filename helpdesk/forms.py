"""Helpdesk forms. Each only parses what was typed; the services check the rules again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dspt_portal.forms import NHSDateField
from organisations.models import PrimarySector

from .models import ImportJob, Notice
from .rules import IMPORT_MAX_BYTES, notice_expiry_problem


class NoticeForm(forms.Form):
    title = forms.CharField(
        label="Title",
        help_text="A few words, for example: Publication deadline moved to 30 September",
        max_length=Notice._meta.get_field("title").max_length,
        error_messages={
            "required": "Enter a title",
            "max_length": "Title must be %(limit_value)d characters or fewer",
        },
    )
    body = forms.CharField(
        label="Notice",
        help_text="What providers need to know and do, in plain English",
        max_length=Notice._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Enter the notice",
            "max_length": "Notice must be %(limit_value)d characters or fewer",
        },
    )
    expires_on = NHSDateField(
        label="Show it until",
        error_name="Expiry date",
        help_text="The notice shows until the end of this day: today at the earliest, no more "
        "than a year ahead. For example, 30 9 2026",
        error_messages={"required": "Enter the expiry date"},
    )

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        problem = notice_expiry_problem(expires_on, today=timezone.localdate())
        if problem:
            raise forms.ValidationError(problem)
        return expires_on


NOTES_MAX_LENGTH = 500


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What are you uploading?",
        choices=ImportJob.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you are uploading"},
    )
    file = forms.FileField(
        label="Upload a file",
        help_text=(
            f"Directory files up to {IMPORT_MAX_BYTES // (1024 * 1024)} MB; "
            "question banks up to 2 MB."
        ),
        error_messages={
            "required": "Select a file",
            "empty": "The selected file is empty",
            "invalid": "Select a file",
        },
    )
    sector = forms.ChoiceField(
        label="Sector of every organisation in an NHS ODS file (optional)",
        help_text=(
            "NHS ODS files have no sector column. Leave this to work the sector out from the "
            "file name (etr: NHS trusts, ecarehomesite: social care)."
        ),
        choices=[("", "Work it out from the file name"), *PrimarySector.choices],
        required=False,
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="For example, where the file came from. Colleagues see this with the import.",
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Notes must be {NOTES_MAX_LENGTH} characters or fewer"},
    )
