"""Helpdesk forms. Each only parses what was typed; the services check the rules again."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from dspt_portal.forms import NHSDateField

from .models import Notice
from .rules import notice_expiry_problem


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
