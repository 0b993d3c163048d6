"""Helpdesk forms."""

from __future__ import annotations

from django import forms

from organisations.models import PrimarySector

from .models import ImportJob
from .rules import IMPORT_MAX_BYTES

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
