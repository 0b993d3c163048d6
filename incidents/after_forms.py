"""Forms for what follows submission: a follow-up, closing and withdrawing an incident."""

from __future__ import annotations

from django import forms

from .forms import TEXT_MAX_LENGTH
from .scales import Scales

_TOO_LONG = f"must be {TEXT_MAX_LENGTH:,} characters or fewer"


def _text(label: str, hint: str, *, required_message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=bool(required_message),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": required_message,
            "max_length": f"{label} {_TOO_LONG}",
        },
    )


class FollowUpForm(forms.Form):
    new_facts = _text(
        "What have you found out since?",
        "For example, the laptop was found, or more people were affected than you thought. "
        "Do not write people's names or other personal data.",
    )
    actions_taken = _text(
        "What have you done since?",
        "For example, passwords changed, the people affected told, staff retrained.",
    )

    def __init__(
        self, *args, scales: Scales, likelihood: int | None, severity: int | None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.current = {"likelihood": likelihood, "severity": severity}
        for name, levels, label, current in (
            (
                "likelihood",
                scales.likelihood,
                "How likely is it now that harm has occurred?",
                likelihood,
            ),
            ("severity", scales.severity, "How severe could the harm be now?", severity),
        ):
            now = next(
                (f"{level.level} – {level.label}" for level in levels if level.level == current), ""
            )
            field = forms.TypedChoiceField(
                label=label,
                choices=[("", f"No change (it is {now})" if now else "No change")]
                + [(str(level.level), f"{level.level} – {level.label}") for level in levels],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": f"Select an answer to '{label}'"},
            )
            field.nhsuk_choice_hints = {str(level.level): level.description for level in levels}
            self.fields[name] = field
            self.initial.setdefault(name, "")

    def clean(self):
        data = super().clean()
        likelihood, severity = data.get("likelihood"), data.get("severity")
        if likelihood is not None or severity is not None:
            # Revising one keeps the other as it stands: the verdict needs both.
            data["likelihood"] = (
                likelihood if likelihood is not None else self.current["likelihood"]
            )
            data["severity"] = severity if severity is not None else self.current["severity"]
        if not self.errors and not (
            (data.get("new_facts") or "").strip()
            or (data.get("actions_taken") or "").strip()
            or data.get("likelihood") is not None
        ):
            raise forms.ValidationError(
                "Enter what you have found out, what you have done, or a new assessment of the harm"
            )
        return data


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    outcome = _text(
        "What was the outcome?",
        "For example, the laptop was recovered and its encryption confirmed, or the ICO took no "
        "further action.",
        required_message="Enter the outcome",
    )
    lessons_learned = _text(
        "What have you learned?",
        "What will you do differently so it does not happen again?",
        required_message="Enter the lessons learned",
    )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = _text(
        "Why are you withdrawing this report?",
        "For example, it was reported twice, or it turned out not to involve personal data. "
        "The report stays in your incident log, marked withdrawn.",
        required_message="Enter why you are withdrawing this report",
    )
