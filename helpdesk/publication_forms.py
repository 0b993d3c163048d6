"""The helpdesk's form for withdrawing a publication."""

from __future__ import annotations

from django import forms

from .rules import reason_problem

CONFIRM_LABEL = "I understand the public register will show the previous status"


class WithdrawPublicationForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing this publication?",
        help_text="The organisation's administrators are emailed this reason, and it is shown on "
        "their Publications and Activity pages. The public is not shown it.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )
    confirm = forms.BooleanField(
        label=CONFIRM_LABEL,
        error_messages={
            "required": "Confirm that you understand the public register will show the "
            "previous status"
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data.get("reason", "")
        problem = reason_problem(reason)
        if problem:
            raise forms.ValidationError(problem)
        return " ".join(reason.split())


class PublicationFindForm(forms.Form):
    q = forms.CharField(
        label="ODS code or certificate code",
        help_text="For example, VAB12 or ABCDE-FGHJK-MNPQR-STVWX",
        max_length=100,
        error_messages={"required": "Enter an ODS code or a certificate code"},
    )
