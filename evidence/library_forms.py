"""Forms of the evidence library's pages."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django import forms

from assessments.uploads import UploadRejected, check_upload
from dspt_portal.forms import NHSDateField

from . import rules
from .selectors import ItemChoice

OWNER_MAX_LENGTH = 200

_UPLOAD_HINT = "PDF, Word (DOCX), Excel (XLSX), OpenDocument (ODT, ODS), PNG or JPEG, up to 10 MB."


def _upload_field(label: str = "Choose the file") -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=_UPLOAD_HINT,
        error_messages={
            "required": "Choose the file to upload",
            "empty": "The selected file is empty",
        },
    )


def _review_date(required: bool) -> NHSDateField:
    return NHSDateField(
        label="Next review date" if required else "Review date",
        required=required,
        help_text="When someone should check it is still right. For example, 15 3 2027",
        error_name="The review date",
        error_messages={"required": "Enter the next review date"},
    )


class _CheckedUpload:
    """Checks the file by its content (assessments.uploads) in clean(); `checked` holds what was
    learned, for the service."""

    checked = None

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is None:
            return upload
        try:
            self.checked = check_upload(name=upload.name, stream=upload, declared_size=upload.size)
        except UploadRejected as rejection:
            raise forms.ValidationError(rejection.message) from None
        return upload


class LibraryAddForm(_CheckedUpload, forms.Form):
    upload = _upload_field()
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=rules.TITLE_MAX_LENGTH,
        help_text="For example, Data protection policy. Leave it empty to use the file's name.",
        error_messages={
            "max_length": f"The title must be {rules.TITLE_MAX_LENGTH} characters or fewer"
        },
    )
    owner = forms.CharField(
        label="Owner",
        required=False,
        max_length=OWNER_MAX_LENGTH,
        help_text="The person or role who keeps it up to date, for example Registered manager.",
        error_messages={"max_length": f"The owner must be {OWNER_MAX_LENGTH} characters or fewer"},
    )
    review_date = _review_date(required=False)


class LibraryDetailsForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    title = forms.CharField(
        label="Title",
        max_length=rules.TITLE_MAX_LENGTH,
        error_messages={
            "required": "Enter a title",
            "max_length": f"The title must be {rules.TITLE_MAX_LENGTH} characters or fewer",
        },
    )
    owner = LibraryAddForm.base_fields["owner"]
    review_date = _review_date(required=False)


class LibraryVersionForm(_CheckedUpload, forms.Form):
    upload = _upload_field("Choose the new version")


class LibraryReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    review_date = _review_date(required=True)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_review_date(self):
        day = self.cleaned_data.get("review_date")
        if day is not None and day <= self.today:
            raise forms.ValidationError("The next review date must be in the future")
        return day


class LibraryUseForm(forms.Form):
    """Ticks for the items of one assessment, each with the answer version the page showed."""

    def __init__(self, *args, choices: Sequence[ItemChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = {choice.ref: choice for choice in choices}
        self.fields["items"] = forms.MultipleChoiceField(
            label="Items to use it for",
            choices=[
                (choice.ref, f"{choice.ref} {choice.question}")
                for choice in choices
                if not choice.linked
            ],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "Select at least one item",
                "invalid_choice": "Select only the items shown",
            },
        )
        for choice in choices:
            if not choice.linked:
                self.fields[f"version_{choice.ref}"] = forms.IntegerField(
                    widget=forms.HiddenInput, min_value=0, initial=choice.version, required=False
                )

    def expected_versions(self) -> dict[str, int]:
        return {
            ref: self.cleaned_data.get(f"version_{ref}") or 0
            for ref in self.cleaned_data.get("items", [])
        }
