"""The policy builder page's form: the policy's own questions, the data security lead (the
profile has no field for it), the version and the next review date."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from dspt_portal.forms import NHSDateField

from .policy_rules import default_review_date, review_date_problem, version_problem
from .policy_texts import TEXT, YES_NO, PolicyText

YES_NO_CHOICES = (("yes", "Yes"), ("no", "No"))
ANSWER_MAX_LENGTH = 200


def question_field(key: str) -> str:
    return f"q_{key}"


class PolicyBuilderForm(forms.Form):
    data_security_lead = forms.CharField(
        label="Who leads on data security day to day?",
        help_text="Their name. Leave it empty to fill it in later: the document will show a "
        "marked gap.",
        max_length=150,
        required=False,
        error_messages={"max_length": "The name must be 150 characters or fewer"},
    )
    version = forms.CharField(
        label="Version",
        help_text="For example 1.0 for a first policy, 2.0 after a big change.",
        max_length=20,
        initial="1.0",
        error_messages={
            "required": "Enter a version, for example 1.0",
            "max_length": "The version must be 20 characters or fewer",
        },
    )
    review_date = NHSDateField(
        label="Next review date",
        error_name="The review date",
        help_text="When you will next check this policy is still right. Usually a year from "
        "today, and never more than 3 years ahead. For example, 1 6 2027.",
        error_messages={"required": "Enter the date of the next review"},
    )

    def __init__(self, *args, policy: PolicyText, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.today = today or timezone.localdate()
        self.fields["review_date"].initial = default_review_date(self.today)
        questions = {}
        for question in policy.questions:
            if question.type == YES_NO:
                field = forms.ChoiceField(
                    label=question.ask,
                    choices=YES_NO_CHOICES,
                    widget=forms.RadioSelect,
                    error_messages={"required": f"Select yes or no: {question.ask}"},
                )
            else:
                field = forms.CharField(
                    label=question.ask,
                    max_length=ANSWER_MAX_LENGTH,
                    error_messages={
                        "required": f"Enter your answer: {question.ask}",
                        "max_length": f"The answer must be {ANSWER_MAX_LENGTH} characters or fewer",
                    },
                )
            field.help_text = question.hint
            questions[question_field(question.key)] = field
        # The policy's questions first, then the lead, the version and the date.
        self.fields = {**questions, **self.fields}

    def clean_version(self) -> str:
        version = self.cleaned_data["version"].strip()
        problem = version_problem(version)
        if problem:
            raise forms.ValidationError(problem)
        return version

    def clean_review_date(self) -> datetime.date:
        review_date = self.cleaned_data["review_date"]
        problem = review_date_problem(review_date, today=self.today)
        if problem:
            raise forms.ValidationError(problem, params={"parts": ["day", "month", "year"]})
        return review_date

    def answers(self) -> dict[str, object]:
        """The answers by question key: True/False for yes/no, the text for text questions."""
        found: dict[str, object] = {}
        for question in self.policy.questions:
            value = self.cleaned_data[question_field(question.key)]
            found[question.key] = value == "yes" if question.type != TEXT else value.strip()
        return found
