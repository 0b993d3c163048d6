"""Forms of the helpdesk's action pages. Every one asks for the reason (`reason_problem`)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from organisations.ods import normalise_ods_code

from .rules import reason_problem

REASON_HELP = (
    "Say what happened and how you checked it. It is recorded with your name, and the "
    "organisation's administrators see it on their Activity page."
)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text=REASON_HELP,
        max_length=2000,
        error_messages={"required": "Enter the reason"},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        problem = reason_problem(reason)
        if problem:
            raise ValidationError(problem)
        return " ".join(reason.split())


class RequestDecisionForm(ReasonForm):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve: email them the link to finish registering"),
            ("reject", "Reject: email them the reason"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select approve or reject"},
    )
    field_order = ("decision", "reason")


class SuspendForm(ReasonForm):
    confirm = forms.BooleanField(
        label="I understand its people lose access until the registration is reinstated",
        error_messages={"required": "Confirm that its people will lose access"},
    )


class ExpectedStateForm(ReasonForm):
    """Carries what the page showed, so a change made meanwhile is refused, not overwritten."""

    expected = forms.CharField(widget=forms.HiddenInput, required=False)


class TwoFactorResetForm(ReasonForm):
    identity_checked = forms.BooleanField(
        label="I have checked this person's identity",
        help_text="For example, by calling them back on a number you already hold for them.",
        error_messages={"required": "Confirm that you have checked their identity"},
    )
    field_order = ("reason", "identity_checked")


class HqLinkForm(ReasonForm):
    hq_code = forms.CharField(
        label="ODS code of the HQ",
        max_length=32,
        error_messages={"required": "Enter the ODS code of the HQ"},
        widget=forms.TextInput(
            attrs={"class": "nhsuk-input--width-10", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    site_administrator_asked = forms.BooleanField(
        label="The site's administrator asked for this",
        help_text="Needed when the site registered on its own. Say who asked in the reason.",
        required=False,
    )
    field_order = ("hq_code", "site_administrator_asked", "reason")

    def clean_hq_code(self):
        return normalise_ods_code(self.cleaned_data["hq_code"])
