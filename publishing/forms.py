"""Forms of the publish flow and the action plan (the public search form is register.forms)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils import timezone

from assessments.presenters import item_short_name
from assessments.vocabulary import format_date
from dspt_portal.forms import NHSDateField

from .models import PublicationLevel
from .rules import ACTION_PLAN_MONTHS, Problem, add_months

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


def _formattable(text: str) -> str:
    # Messages with parameters are %-formatted: a "%" in a requirement's text must stay one.
    return text.replace("%", "%%")


def target_date_messages(name: str) -> dict[str, str]:
    """What the action plan says about a target date, naming the requirement each time (the
    error summary lists every row's problems together). The spreadsheet upload and the publish
    rules use the same phrasings: "must be a real date", "must be in the future"."""
    subject = f"The target date for {_formattable(name)}"
    return {
        "required": f"Enter a target date for {_formattable(name)}",
        "incomplete": f"{subject} must include a %(missing)s",
        "invalid": f"{subject} must be a real date",
        "year_length": f"The year of the target date for {_formattable(name)} must include 4 "
        "numbers",
        "past": f"{subject} must be in the future",
        "too_far": f"{subject} must be within the next 12 months (by %(latest)s)",
    }


class ActionPlanForm(forms.Form):
    """One action, responsible person and target date per outstanding requirement.

    Every message names its requirement by ref and a short title, and every field's id is the
    row's own (``id_date_<ref>_0``...), so each link in the error summary goes to its row."""

    def __init__(self, *args, items, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.names = {item.ref: item_short_name(item.ref, item.text) for item in self.items}
        for item in self.items:
            entry = entries.get(item.ref)
            # "required" messages are shown as they are; the others are %-formatted.
            plain, name = self.names[item.ref], _formattable(self.names[item.ref])
            self.fields[f"action_{item.ref}"] = forms.CharField(
                label="Action to be taken",
                max_length=ACTION_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=entry.action if entry else "",
                error_messages={
                    "required": f"Enter the action to be taken for {plain}",
                    "max_length": f"The action to be taken for {name} must be "
                    f"{ACTION_MAX_LENGTH:,} characters or fewer",
                },
            )
            self.fields[f"person_{item.ref}"] = forms.CharField(
                label="Responsible person",
                max_length=PERSON_MAX_LENGTH,
                initial=entry.responsible_person if entry else "",
                # Someone else's name, usually: the browser must not offer the user's own.
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
                error_messages={
                    "required": f"Enter who is responsible for {plain}",
                    "max_length": f"The responsible person for {name} must be "
                    f"{PERSON_MAX_LENGTH} characters or fewer",
                },
            )
            self.fields[f"date_{item.ref}"] = NHSDateField(
                label=f"Target date for {item.ref}",
                help_text=_date_hint(),
                initial=entry.target_date if entry else None,
                error_messages=target_date_messages(self.names[item.ref]),
            )

    def add_rule_problem(self, problem: Problem, *, today: date) -> None:
        """Put a publishing rule's refusal of a row (a date in the past or too far ahead) on
        that row's field, in this page's words."""
        messages = target_date_messages(self.names.get(problem.ref, problem.ref or ""))
        if problem.code == "action_plan_target_past":
            self.add_error(f"date_{problem.ref}", messages["past"] % {})
        elif problem.code == "action_plan_target_too_far":
            latest = format_date(add_months(today, ACTION_PLAN_MONTHS))
            message = messages["too_far"] % {"latest": latest}
            self.add_error(f"date_{problem.ref}", message)
        else:
            self.add_error(None, problem.message)

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
