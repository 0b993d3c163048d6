"""One form per step of the guided incident report, and the submit form.

Each step form reads its initial values from the incident, checks what was entered, and gives
`values()`: exactly the model fields the step saves (services.STEP_FIELDS). Lists of choices come
from the scales file.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from dspt_portal.forms import NHSDateField, as_page_heading

from . import rules
from .models import NOBODY_ELSE, Incident, InformationAffected, PeopleTold, YesNoDontKnow
from .presenters import NOBODY_ELSE_LABEL, QUESTIONS
from .scales import Scales

TEXT_MAX_LENGTH = 10_000
COUNT_MAX = 100_000_000
TIME_PATTERN = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")
TIME_HINT = "Use the 24-hour clock, for example 09:30 or 14:05."
SELECT_ALL = "Select all that apply."


def _text_field(*, required_message: str, hint: str = "", rows: int = 6) -> forms.CharField:
    return forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        help_text=hint,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message,
            "max_length": f"Your answer must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )


class TimeField(forms.CharField):
    """A time of day typed as 14:30 (or 14.30)."""

    def __init__(self, *, error_name: str, **kwargs) -> None:
        kwargs.setdefault("help_text", TIME_HINT)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"class": "nhsuk-input--width-5", "inputmode": "numeric"}),
        )
        super().__init__(**kwargs)
        self.error_name = error_name
        self.error_messages["required"] = f"Enter the time {error_name}"

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        match = TIME_PATTERN.fullmatch(text.strip())
        if match is None:
            raise ValidationError(f"Enter the time {self.error_name} like 14:30", code="invalid")
        return dt.time(int(match.group(1)), int(match.group(2)))


class StepForm(forms.Form):
    """The hidden version and the shared plumbing of every step."""

    step: str = ""
    # Show the question as the page's <h1> above the fields (for steps with several fields);
    # single-field steps make their own field's label or legend the heading.
    heading_above = False
    # A warning shown above the question (for example: no personal data in the description).
    warning = ""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, incident: Incident, scales: Scales, **kwargs) -> None:
        self.incident = incident
        self.scales = scales
        initial = {"version": incident.version, **self.initial_from(incident)}
        super().__init__(*args, initial=initial, **kwargs)
        self.setup()
        if not self.heading_above:
            name = next(name for name in self.fields if name != "version")
            self.fields[name].label = QUESTIONS[self.step]
            as_page_heading(self.fields[name])

    @property
    def question(self) -> str:
        return QUESTIONS[self.step]

    def setup(self) -> None:
        """Fields whose choices come from the scales file."""

    def _optional_when_ticked(self, box: str, *names: str) -> None:
        """The fields `names` need no answer when the "not known" box is ticked."""
        if not self.is_bound:
            return
        widget = self.fields[box].widget
        if widget.value_from_datadict(self.data, self.files, self.add_prefix(box)):
            for name in names:
                self.fields[name].required = False

    # Each step form in STEP_FORMS says how it reads and writes the incident (a test checks
    # that every one overrides both); the base has no answer of its own to give.
    def initial_from(self, incident: Incident) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must say what it shows")

    def values(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must say what it saves")


def _local_parts(value: dt.datetime | None) -> tuple[dt.date | None, str]:
    if value is None:
        return None, ""
    local = rules.local_time(value)
    return local.date(), f"{local:%H:%M}"


class _WhenForm(StepForm):
    heading_above = True
    what = ""  # "it happened" / "it was discovered"

    def _moment(self, date_name: str, time_name: str) -> dt.datetime | None:
        date = self.cleaned_data.get(date_name)
        time = self.cleaned_data.get(time_name)
        if date is None or time is None:
            return None
        moment = rules.from_local(date, time)
        if moment > timezone.now():
            self.add_error(time_name, f"The time {self.what} must be in the past")
            return None
        return moment


class WhenHappenedForm(_WhenForm):
    step = "when-happened"
    what = "it happened"

    happened_date = NHSDateField(
        label="Date",
        error_name="The date it happened",
        help_text="For example, 15 3 2026. If you do not know exactly, give your best estimate.",
        max_date=timezone.localdate,
        error_messages={"required": "Enter the date it happened, or tick that you do not know"},
    )
    happened_time = TimeField(label="Time", error_name="it happened")
    happened_at_unknown = forms.BooleanField(
        label="We do not know when it happened", required=False
    )

    def setup(self) -> None:
        self._optional_when_ticked("happened_at_unknown", "happened_date", "happened_time")

    def initial_from(self, incident: Incident) -> dict:
        date, time = _local_parts(incident.happened_at)
        return {
            "happened_date": date,
            "happened_time": time,
            "happened_at_unknown": incident.happened_at_unknown,
        }

    def clean(self):
        data = super().clean()
        unknown = data.get("happened_at_unknown")
        date, time = data.get("happened_date"), data.get("happened_time")
        if self.errors:
            return data
        if unknown and (date or time):
            self.add_error(
                "happened_at_unknown",
                "Either enter when it happened or tick that you do not know, not both",
            )
        return data

    def values(self) -> dict:
        unknown = bool(self.cleaned_data["happened_at_unknown"])
        happened_at = None if unknown else self._moment("happened_date", "happened_time")
        return {"happened_at": happened_at, "happened_at_unknown": unknown}

    def is_valid(self) -> bool:
        # The future check needs the time zone conversion, so it runs here once fields are clean.
        if not super().is_valid():
            return False
        if not self.cleaned_data["happened_at_unknown"]:
            moment = self._moment("happened_date", "happened_time")
            discovered = self.incident.discovered_at
            if moment is not None and discovered is not None and moment > discovered:
                self.add_error(
                    "happened_date",
                    "The time it happened must be the same as or before when it was discovered",
                )
        return not self.errors


class WhenDiscoveredForm(_WhenForm):
    step = "when-discovered"
    what = "it was discovered"

    discovered_date = NHSDateField(
        label="Date",
        error_name="The date it was discovered",
        help_text="The 72 hours to report it start when your organisation became aware of it. "
        "For example, 15 3 2026.",
        max_date=timezone.localdate,
        error_messages={"required": "Enter the date it was discovered"},
    )
    discovered_time = TimeField(label="Time", error_name="it was discovered")

    def initial_from(self, incident: Incident) -> dict:
        date, time = _local_parts(incident.discovered_at)
        return {"discovered_date": date, "discovered_time": time}

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        moment = self._moment("discovered_date", "discovered_time")
        if moment is not None:
            problem = rules.discovery_problem(
                happened_at=self.incident.happened_at, discovered_at=moment, now=timezone.now()
            )
            if problem:
                self.add_error("discovered_date", problem)
        return not self.errors

    def values(self) -> dict:
        return {"discovered_at": self._moment("discovered_date", "discovered_time")}


def _text_form(step: str, name: str, *, required: str, hint: str, warning: str = ""):
    field = _text_field(required_message=required, hint=hint)

    def initial_from(self, incident: Incident) -> dict:
        return {name: getattr(incident, name)}

    def values(self) -> dict:
        return {name: self.cleaned_data[name].strip()}

    return type(
        f"{name.title().replace('_', '')}Form",
        (StepForm,),
        {
            "step": step,
            "warning": warning,
            name: field,
            "initial_from": initial_from,
            "values": values,
            "__module__": __name__,
        },
    )


NO_PERSONAL_DATA = (
    "Do not write anything that identifies a person: no names, addresses, dates of birth or NHS "
    "numbers. Describe the people by their role, for example 'a resident' or 'a care worker'."
)

HowDiscoveredForm = _text_form(
    "how-discovered",
    "how_discovered",
    required="Say how the incident was discovered",
    hint="For example, a member of staff reported it, a relative called, or the IT supplier "
    "warned us. " + NO_PERSONAL_DATA,
)
WhatHappenedForm = _text_form(
    "what-happened",
    "description",
    required="Describe what happened",
    hint="Say what happened, where, and what information was involved.",
    warning=NO_PERSONAL_DATA,
)
ConsequencesForm = _text_form(
    "consequences",
    "consequences",
    required="Describe the likely consequences",
    hint="For example, distress, a risk of fraud or identity theft, or care being delayed. "
    + NO_PERSONAL_DATA,
)
ContainmentForm = _text_form(
    "containment",
    "containment",
    required="Say what has been done to contain it",
    hint="For example, the laptop was wiped remotely, the email was recalled, passwords were "
    "changed, staff were reminded of the policy. " + NO_PERSONAL_DATA,
)


class CategoryForm(StepForm):
    step = "category"
    breach_category = forms.ChoiceField(
        widget=forms.RadioSelect, error_messages={"required": "Select the kind of incident"}
    )

    def setup(self) -> None:
        field = self.fields["breach_category"]
        field.choices = [(o.value, o.label) for o in self.scales.breach_categories]
        field.error_messages["invalid_choice"] = "Select the kind of incident"
        field.help_text = "Choose the one that fits best."

    def initial_from(self, incident: Incident) -> dict:
        return {"breach_category": incident.breach_category or None}

    def values(self) -> dict:
        return {"breach_category": self.cleaned_data["breach_category"]}


class CyberForm(StepForm):
    step = "cyber"
    cyber_caused = forms.ChoiceField(
        choices=YesNoDontKnow.choices,
        widget=forms.RadioSelect,
        help_text="For example, a phishing email, ransomware, a virus or someone breaking into "
        "an account.",
        error_messages={
            "required": "Select yes, no or don't know",
            "invalid_choice": "Select yes, no or don't know",
        },
    )

    def initial_from(self, incident: Incident) -> dict:
        return {"cyber_caused": incident.cyber_caused or None}

    def values(self) -> dict:
        return {"cyber_caused": self.cleaned_data["cyber_caused"]}


class _ChecklistForm(StepForm):
    name = ""
    required_message = ""

    def initial_from(self, incident: Incident) -> dict:
        return {self.name: list(getattr(incident, self.name))}

    def values(self) -> dict:
        return {self.name: list(self.cleaned_data[self.name])}

    def _checklist(self, choices: list[tuple[str, str]], hint: str = SELECT_ALL) -> None:
        self.fields[self.name] = forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            help_text=hint,
            error_messages={
                "required": self.required_message,
                "invalid_choice": self.required_message,
            },
        )


class InformationAffectedForm(_ChecklistForm):
    step = "information-affected"
    name = "information_affected"
    required_message = "Select how the information was affected"

    def setup(self) -> None:
        self._checklist(list(InformationAffected.choices))
        self.fields[self.name].nhsuk_choice_hints = {
            InformationAffected.CONFIDENTIALITY: "A loss of confidentiality.",
            InformationAffected.INTEGRITY: "A loss of integrity: it can no longer be trusted.",
            InformationAffected.AVAILABILITY: "A loss of availability, even for a short time.",
        }


class PersonalDataForm(_ChecklistForm):
    step = "personal-data"
    name = "personal_data"
    required_message = "Select the kinds of personal data involved"

    def setup(self) -> None:
        self._checklist([(o.value, o.label) for o in self.scales.personal_data_categories])


class PeopleForm(_ChecklistForm):
    step = "people"
    name = "people_categories"
    required_message = "Select who the information is about"

    def setup(self) -> None:
        self._checklist(
            [(o.value, o.label) for o in self.scales.people_categories],
            hint=SELECT_ALL + " Incidents involving children or vulnerable adults count as at "
            "least 'not likely' and 'minor' on the scales.",
        )


class OthersToldForm(_ChecklistForm):
    step = "others-told"
    name = "others_told"
    required_message = "Select who else has been told, or 'No one else yet'"

    def setup(self) -> None:
        self._checklist(
            [(o.value, o.label) for o in self.scales.others_told]
            + [(NOBODY_ELSE, NOBODY_ELSE_LABEL)],
            hint=SELECT_ALL + " This report does not tell any of them for you.",
        )

    def clean_others_told(self):
        chosen = self.cleaned_data["others_told"]
        if NOBODY_ELSE in chosen and len(chosen) > 1:
            raise ValidationError("Select who else has been told, or 'No one else yet', not both")
        return chosen


class NumbersForm(StepForm):
    step = "numbers"
    heading_above = True

    records_count = forms.IntegerField(
        label="Number of records",
        help_text="A rough number is fine, for example 40.",
        min_value=0,
        max_value=COUNT_MAX,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the number of records, or tick not yet known",
            "invalid": "Enter the number of records as a whole number, like 40",
            "min_value": "The number of records must be 0 or more",
            "max_value": f"The number of records must be {COUNT_MAX:,} or fewer",
        },
    )
    records_not_known = forms.BooleanField(label="Number of records not yet known", required=False)
    people_count = forms.IntegerField(
        label="Number of people",
        help_text="How many people the information is about. A rough number is fine.",
        min_value=0,
        max_value=COUNT_MAX,
        widget=forms.TextInput(attrs={"class": "nhsuk-input--width-10", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the number of people, or tick not yet known",
            "invalid": "Enter the number of people as a whole number, like 40",
            "min_value": "The number of people must be 0 or more",
            "max_value": f"The number of people must be {COUNT_MAX:,} or fewer",
        },
    )
    people_not_known = forms.BooleanField(label="Number of people not yet known", required=False)

    def setup(self) -> None:
        self._optional_when_ticked("records_not_known", "records_count")
        self._optional_when_ticked("people_not_known", "people_count")

    def initial_from(self, incident: Incident) -> dict:
        return {
            "records_count": incident.records_count,
            "records_not_known": incident.records_not_known,
            "people_count": incident.people_count,
            "people_not_known": incident.people_not_known,
        }

    def clean(self):
        data = super().clean()
        for noun, count, not_known in (
            ("records", "records_count", "records_not_known"),
            ("people", "people_count", "people_not_known"),
        ):
            if count in self.errors:
                continue
            if data.get(count) is not None and data.get(not_known):
                self.add_error(
                    not_known, f"Either enter the number of {noun} or tick not yet known, not both"
                )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "records_count": None if data["records_not_known"] else data["records_count"],
            "records_not_known": bool(data["records_not_known"]),
            "people_count": None if data["people_not_known"] else data["people_count"],
            "people_not_known": bool(data["people_not_known"]),
        }


class PeopleToldForm(StepForm):
    step = "people-told"

    people_told = forms.ChoiceField(
        label="Have the people affected been told?",
        choices=PeopleTold.choices,
        widget=forms.RadioSelect,
        help_text="When the risk to them is high, the law says they must be told without undue "
        "delay.",
        error_messages={
            "required": "Select whether the people affected have been told",
            "invalid_choice": "Select whether the people affected have been told",
        },
    )
    people_told_details = forms.CharField(
        label="Give details",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        help_text="How and when they were told, or why you decided not to tell them.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"Details must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )

    def initial_from(self, incident: Incident) -> dict:
        return {
            "people_told": incident.people_told or None,
            "people_told_details": incident.people_told_details,
        }

    def clean(self):
        data = super().clean()
        if data.get("people_told") == PeopleTold.NO and not data.get("people_told_details"):
            self.add_error(
                "people_told_details", "Say why you decided not to tell the people affected"
            )
        return data

    def values(self) -> dict:
        return {
            "people_told": self.cleaned_data["people_told"],
            "people_told_details": self.cleaned_data["people_told_details"].strip(),
        }


class _LevelForm(StepForm):
    name = ""
    required_message = ""

    def _levels(self, levels, hint: str) -> None:
        field = forms.TypedChoiceField(
            choices=[(str(level.level), f"{level.level} – {level.label}") for level in levels],
            coerce=int,
            widget=forms.RadioSelect,
            help_text=hint,
            error_messages={
                "required": self.required_message,
                "invalid_choice": self.required_message,
            },
        )
        field.nhsuk_choice_hints = {str(level.level): level.description for level in levels}
        self.fields[self.name] = field

    def initial_from(self, incident: Incident) -> dict:
        value = getattr(incident, self.name)
        return {self.name: str(value) if value is not None else None}

    def values(self) -> dict:
        return {self.name: self.cleaned_data[self.name]}


class LikelihoodForm(_LevelForm):
    step = "likelihood"
    name = "likelihood"
    required_message = "Select how likely it is that harm has occurred"

    def setup(self) -> None:
        self._levels(
            self.scales.likelihood,
            "How likely is it that someone has seen, used, changed or lost the information?",
        )


class SeverityForm(_LevelForm):
    step = "severity"
    name = "severity"
    required_message = "Select how severe the harm could be"

    def setup(self) -> None:
        self._levels(
            self.scales.severity,
            "Think of the worst that could realistically happen to the people affected.",
        )


STEP_FORMS: dict[str, type[StepForm]] = {
    form.step: form
    for form in (
        WhenHappenedForm,
        WhenDiscoveredForm,
        HowDiscoveredForm,
        WhatHappenedForm,
        CategoryForm,
        CyberForm,
        InformationAffectedForm,
        PersonalDataForm,
        PeopleForm,
        NumbersForm,
        ConsequencesForm,
        ContainmentForm,
        PeopleToldForm,
        OthersToldForm,
        LikelihoodForm,
        SeverityForm,
    )
}


class SubmitForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    late_reason = forms.CharField(
        label="Why is this report late?",
        help_text="Reports should reach the ICO within 72 hours of discovery. Say what delayed "
        "it, for example the facts took time to establish.",
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": f"The reason must be {TEXT_MAX_LENGTH:,} characters or fewer",
        },
    )

    def __init__(self, *args, late: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not late:
            del self.fields["late_reason"]
