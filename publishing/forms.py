"""Forms of the publish flow and the action plan (the public search form is register.forms)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from dspt_portal.forms import NHSDateField

from .models import PublicationLevel

ACTION_MAX_LENGTH = 2_000
PERSON_MAX_LENGTH = 150
PLAN_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
STALE_PAGE = "This page is out of date. Check the details below and press Publish again"


class ConfirmProfileForm(forms.Form):
    confirm = forms.BooleanField(
        label="I confirm the organisation profile is correct",
        error_messages={"required": "Confirm that the organisation profile is correct"},
    )


class SitesForm(forms.Form):
    sites = forms.MultipleChoiceField(
        label="Who would you like to publish for?",
        help_text="Your own organisation is always included. Sites you leave out can be added "
        "by a later publication.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            # A site that is not on the list (registered on its own, another HQ's, or no longer
            # a branch) can only come from a forged or out-of-date form.
            "invalid_choice": "Select only sites on this list: you cannot publish for any other",
        },
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [
            (str(site.pk), f"{site.name} ({site.ods_code})") for site in sites
        ]


class PublishForm(forms.Form):
    level = forms.ChoiceField(
        label="Which standard are you publishing?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the standard to publish",
            "invalid_choice": "Select one of the standards you can publish",
        },
    )

    def __init__(self, *args, allowed: tuple[str, ...], next_sequence: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (level.value, level.label) for level in PublicationLevel if level.value in allowed
        ]
        # The number of the publication the page was made to create: never more than the next
        # one (a lower number means someone published after the page was opened, which the
        # service reports). Anything else did not come from our page.
        self.fields["sequence"] = forms.IntegerField(
            widget=forms.HiddenInput,
            min_value=1,
            max_value=next_sequence,
            error_messages={
                reason: STALE_PAGE for reason in ("required", "invalid", "min_value", "max_value")
            },
        )

    def clean(self):
        # The number is hidden, so its problem is the page's, not a field the person can fix.
        if self.has_error("sequence"):
            self.add_error(None, self.errors.pop("sequence"))
        return super().clean()


def _date_hint() -> str:
    example = timezone.localdate() + timedelta(days=90)
    return f"Within the next 12 months. For example, {example.day} {example.month} {example.year}."


class ActionPlanForm(forms.Form):
    """One action, responsible person and target date per outstanding requirement."""

    def __init__(self, *args, items, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            entry = entries.get(item.ref)
            self.fields[f"action_{item.ref}"] = forms.CharField(
                label="Action to be taken",
                max_length=ACTION_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=entry.action if entry else "",
                error_messages={"required": f"Enter the action to be taken for {item.ref}"},
            )
            self.fields[f"person_{item.ref}"] = forms.CharField(
                label="Responsible person",
                max_length=PERSON_MAX_LENGTH,
                initial=entry.responsible_person if entry else "",
                error_messages={"required": f"Enter who is responsible for {item.ref}"},
            )
            self.fields[f"date_{item.ref}"] = NHSDateField(
                label=f"Target date for {item.ref}",
                help_text=_date_hint(),
                initial=entry.target_date if entry else None,
            )

    def rows(self):
        for item in self.items:
            yield (
                item,
                [self[f"action_{item.ref}"], self[f"person_{item.ref}"], self[f"date_{item.ref}"]],
            )


class ActionPlanUploadForm(forms.Form):
    plan = forms.FileField(
        label="Upload your completed action plan",
        help_text="The spreadsheet (XLSX) downloaded from this page, filled in.",
        error_messages={
            "required": "Choose the completed action plan spreadsheet",
            "empty": "The selected file is empty",
        },
    )

    def clean_plan(self):
        plan = self.cleaned_data["plan"]
        if plan.size > PLAN_UPLOAD_MAX_BYTES:
            raise forms.ValidationError("The file must be smaller than 2 MB")
        return plan
