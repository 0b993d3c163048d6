"""Forms of the frontline quiz: one page of questions (one radio group per question, the options
in the file's order), and the manager's "Email the link" field."""

from __future__ import annotations

from django import forms
from django.utils.text import Truncator

from .quiz_file import Outcome

QUESTION_SUMMARY_WORDS = 12


def question_field_name(key: str) -> str:
    return f"q-{key}"


class QuizPageForm(forms.Form):
    """The questions of one learning outcome. Every question must be answered; the error names
    the question, by number and by its first words, so the error summary says which."""

    def __init__(self, *args, outcome: Outcome, first_number: int, total: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.outcome = outcome
        for offset, question in enumerate(outcome.questions):
            number = first_number + offset
            words = Truncator(question.text).words(QUESTION_SUMMARY_WORDS)
            message = f"Select an answer to question {number}: {words}"
            field = forms.ChoiceField(
                label=f"Question {number} of {total}: {question.text}",
                choices=[(option.key, option.text) for option in question.options],
                widget=forms.RadioSelect,
                error_messages={"required": message, "invalid_choice": message},
            )
            field.nhsuk_label_size = "s"
            self.fields[question_field_name(question.key)] = field

    def answers(self) -> dict[str, str]:
        """What was chosen, by question key (only valid answers; call after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return {
            question.key: data[question_field_name(question.key)]
            for question in self.outcome.questions
            if data.get(question_field_name(question.key))
        }


class QuizLinkEmailForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        help_text="The link is personal: send it only to the person it is for.",
        max_length=254,
        error_messages={
            "required": "Enter the email address to send the link to",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, max_length=128)
