"""Form widgets and fields shared by the portal's apps, following the NHS.UK design system.

The "nhsuk" crispy-forms template pack (templates/nhsuk/) knows how to lay these out; see
organisations/templatetags/nhsuk.py for how fields are rendered.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.forms import Field

DATE_PARTS = ("day", "month", "year")

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9


def as_page_heading(field: Field, size: str = "l") -> Field:
    """Show a field's label (or legend) as the page's <h1>, for one-question pages.

    Usage in a form's __init__: ``as_page_heading(self.fields["ods_code"])``. ``size`` is one of
    "s", "m", "l", "xl" (the NHS.UK label and legend sizes).
    """
    field.nhsuk_label_size = size
    field.nhsuk_page_heading = True
    return field


def needed_in_some_cases(field: Field, hint: str) -> Field:
    """A field that is not required on its own but is in some cases (one of two must be given,
    or another answer makes it needed): the form's clean() enforces it, the label does not say
    "(optional)", and ``hint`` says plainly when it is needed."""
    field.nhsuk_needed_in_some_cases = True
    field.help_text = hint
    return field


def reveal_when_chosen(form: forms.BaseForm, choice: str, value: str, *revealed: str) -> None:
    """Show the ``revealed`` fields inside the ``choice`` radio's ``value`` option (the NHS.UK
    conditional reveal, opened and closed by static/js/conditional-reveal.js), needed only when
    that option is chosen. Radios only (a RadioSelect ``choice``).

    The template pack draws them under the option instead of in the form's own order. The form's
    clean() must still require them when ``value`` is chosen and ignore them otherwise.
    """
    conditional = dict(getattr(form.fields[choice], "nhsuk_conditional", {}))
    conditional[str(value)] = tuple(conditional.get(str(value), ())) + revealed
    form.fields[choice].nhsuk_conditional = conditional
    for name in revealed:
        form.fields[name].nhsuk_revealed_by = choice
        form.fields[name].nhsuk_needed_in_some_cases = True


class NHSDateInput(forms.MultiWidget):
    """Day, month and year as three numeric text inputs (the NHS.UK date input).

    Like any Django MultiWidget, the inputs are named ``<name>_0`` (day), ``<name>_1`` (month) and
    ``<name>_2`` (year) and get the ids ``id_<name>_0``, ``id_<name>_1`` and ``id_<name>_2``.
    ``autocomplete`` may be a prefix such as "bday", giving the inputs autocomplete="bday-day",
    "bday-month" and "bday-year".
    """

    widths = {"day": 2, "month": 2, "year": 4}

    def __init__(self, attrs: dict | None = None, autocomplete: str | None = None):
        widgets = []
        for part in DATE_PARTS:
            part_attrs = {
                "class": "nhsuk-input nhsuk-date-input__input "
                f"nhsuk-input--width-{self.widths[part]}",
                "inputmode": "numeric",
            }
            if autocomplete:
                part_attrs["autocomplete"] = f"{autocomplete}-{part}"
            widgets.append(forms.TextInput(attrs=part_attrs))
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, str) and value:
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, datetime.datetime):
            value = value.date()
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


def _format_date(value: datetime.date) -> str:
    return f"{value.day} {calendar.month_name[value.month]} {value.year}"


def _join_parts(parts: list[str]) -> str:
    return " and ".join(parts)


class NHSDateField(forms.MultiValueField):
    """A date entered as day, month and year, with the NHS.UK style error messages.

    Messages use ``error_name`` (default: the field's label) and can be replaced through
    ``error_messages`` with the keys: required, incomplete, invalid, year_length, min_date,
    max_date. Each ValidationError carries ``params["parts"]``: the parts ("day", "month",
    "year") to highlight; the template pack marks only those inputs as in error.

    ``min_date`` / ``max_date`` may be dates or callables returning one
    (e.g. ``datetime.date.today``).
    """

    widget = NHSDateInput
    default_error_messages = {
        "required": "Enter a date",
        "incomplete": "%(name)s must include a %(missing)s",
        "invalid": "%(name)s must be a real date",
        "year_length": "Year must include 4 numbers",
        "min_date": "%(name)s must be the same as or after %(limit)s",
        "max_date": "%(name)s must be the same as or before %(limit)s",
    }

    def __init__(
        self,
        *,
        error_name: str | None = None,
        min_date: datetime.date | Callable[[], datetime.date] | None = None,
        max_date: datetime.date | Callable[[], datetime.date] | None = None,
        **kwargs,
    ):
        parts = tuple(forms.CharField(required=False, strip=True) for _ in DATE_PARTS)
        kwargs.setdefault("widget", NHSDateInput)
        super().__init__(fields=parts, require_all_fields=False, **kwargs)
        self.error_name = error_name
        self.min_date = min_date
        self.max_date = max_date

    def _name(self) -> str:
        name = str(self.error_name or self.label or "Date").strip()
        return name[:1].upper() + name[1:]

    def _error(self, code: str, parts, **params) -> ValidationError:
        return ValidationError(
            self.error_messages[code],
            code=code,
            params={"name": self._name(), "parts": list(parts), **params},
        )

    @staticmethod
    def _limit(value):
        return value() if callable(value) else value

    def compress(self, data_list):
        return self._parse(data_list)

    def clean(self, value):
        result = self._parse(value)
        if result is None:
            if self.required:
                raise self._error("required", DATE_PARTS)
            return None
        lowest, highest = self._limit(self.min_date), self._limit(self.max_date)
        if lowest and result < lowest:
            raise self._error("min_date", DATE_PARTS, limit=_format_date(lowest))
        if highest and result > highest:
            raise self._error("max_date", DATE_PARTS, limit=_format_date(highest))
        self.run_validators(result)
        return result

    def _parse(self, value) -> datetime.date | None:
        """Turn [day, month, year] (or a date / ISO string) into a date; None when all empty.

        The message is the first problem found (missing parts, then parts that are not numbers,
        then a short year, then a month or day out of range); the parts marked are every part
        that is wrong, and all three when only the whole date is (31 February).
        """
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value is None or isinstance(value, str):
            value = self.widget.decompress(value)
        texts = [str(v if v is not None else "").strip() for v in list(value)[:3]]
        texts += [""] * (3 - len(texts))
        values = dict(zip(DATE_PARTS, texts, strict=True))
        if not any(values.values()):
            return None

        numbers = {}
        for part in DATE_PARTS:
            text = values[part]
            if part == "month" and text.lower() in _MONTHS:
                numbers[part] = _MONTHS[text.lower()]
            elif text.isdigit():
                numbers[part] = int(text)
        missing = [part for part in DATE_PARTS if not values[part]]
        not_numbers = [part for part in DATE_PARTS if values[part] and part not in numbers]
        out_of_range = []
        if "year" in numbers and len(values["year"]) != 4:
            out_of_range.append("year")
        if "month" in numbers and not 1 <= numbers["month"] <= 12:
            out_of_range.append("month")
        if "day" in numbers and not 1 <= numbers["day"] <= 31:
            out_of_range.append("day")
        wrong = [p for p in DATE_PARTS if p in missing or p in not_numbers or p in out_of_range]

        if missing:
            raise self._error("incomplete", wrong, missing=_join_parts(missing))
        if not_numbers:
            raise self._error("invalid", wrong)
        if "year" in out_of_range:
            raise self._error("year_length", wrong)
        if out_of_range:
            raise self._error("invalid", wrong)
        try:
            return datetime.date(numbers["year"], numbers["month"], numbers["day"])
        except ValueError:
            # Each part is possible on its own (31, 2, 2027): the date as a whole is not.
            raise self._error("invalid", DATE_PARTS) from None

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        try:
            return self._parse(initial) != self._parse(data)
        except ValidationError:
            return True
