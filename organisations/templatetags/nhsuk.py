"""Template helpers for the NHS.UK crispy-forms template pack (templates/nhsuk/).

``{% nhsuk_field field as f %}`` wraps a BoundField in an :class:`NHSField` holding everything the
templates need: which NHS.UK component to use (``f.kind``), the label, hint and error texts, the
ids that wire them together and the pre-rendered control(s).

Ids, for a field whose input id is ``id_<name>`` (Django's default ``auto_id``):

* hint ``id_<name>-hint``, error message ``id_<name>-error``; the input (or, for radios,
  checkboxes and dates, the fieldset) lists them in ``aria-describedby``;
* radios and checkboxes: options ``id_<name>_0``, ``id_<name>_1``…; an option's hint
  ``id_<name>_0-item-hint``;
* date inputs (NHSDateInput): ``id_<name>_0`` (day), ``id_<name>_1`` (month), ``id_<name>_2``
  (year), named ``<name>_0``, ``<name>_1``, ``<name>_2``; the wrapper is ``id_<name>``;
* the error summary links to :attr:`NHSField.anchor`: the input, the first option, or the first
  date part in error.
"""

from __future__ import annotations

from typing import ClassVar

from django import forms, template
from django.forms.utils import flatatt
from django.utils.functional import cached_property
from django.utils.html import format_html

from dspt_portal.forms import DATE_PARTS, NHSDateInput

register = template.Library()

LABEL_SIZES = {"s", "m", "l", "xl"}
OPTIONAL_SUFFIX = " (optional)"
BLANK_CHOICE_LABEL = "---------"


def _join_classes(*groups) -> str:
    seen: list[str] = []
    for group in groups:
        for name in (group or "").split() if isinstance(group, str) else group or ():
            if name not in seen:
                seen.append(name)
    return " ".join(seen)


def _join_ids(*ids) -> str:
    return " ".join(dict.fromkeys(part for value in ids if value for part in value.split()))


def field_kind(widget: forms.Widget) -> str:
    """Which NHS.UK component renders a widget."""
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, NHSDateInput):
        return "date"
    if isinstance(widget, forms.MultiWidget):
        return "multi"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.FileInput):
        return "file"
    if isinstance(widget, forms.PasswordInput):
        return "password"
    if isinstance(widget, forms.widgets.Input):
        return "input"
    return "other"


class NHSField:
    """A BoundField as the NHS.UK templates see it."""

    def __init__(self, bound_field, *, show_errors: bool = True, show_labels: bool = True):
        self.field = bound_field
        self.widget = bound_field.field.widget
        self.kind = field_kind(self.widget)
        self.name = bound_field.html_name
        self.id = self.widget.attrs.get("id") or bound_field.auto_id or f"id_{self.name}"
        self.errors = list(bound_field.errors) if show_errors else []
        self.hint = bound_field.help_text or ""
        self.hint_id = f"{self.id}-hint" if self.hint else ""
        self.error_id = f"{self.id}-error" if self.errors else ""
        self.show_label = show_labels
        size = getattr(bound_field.field, "nhsuk_label_size", "")
        self.size = size if size in LABEL_SIZES else ""
        self.is_page_heading = bool(getattr(bound_field.field, "nhsuk_page_heading", False))

    TEMPLATES: ClassVar[dict[str, str]] = {
        "input": "control",
        "textarea": "control",
        "select": "control",
        "other": "control",
        "password": "password",
        "radios": "choices",
        "checkboxes": "choices",
        "checkbox": "checkbox",
        "date": "date",
        "multi": "multi",
        "file": "file",
    }

    @property
    def template(self) -> str:
        return f"nhsuk/fields/{self.TEMPLATES[self.kind]}.html"

    @property
    def choices_base(self) -> str:
        return "nhsuk-radios" if self.kind == "radios" else "nhsuk-checkboxes"

    # Texts ---------------------------------------------------------------------------------------

    @property
    def label(self) -> str:
        label = str(self.field.label or "")
        optional = (
            not self.field.field.required
            and self.kind not in ("checkbox", "hidden")
            and not getattr(self.field.field, "nhsuk_needed_in_some_cases", False)
        )
        if optional and label and not label.rstrip().endswith("(optional)"):
            label += OPTIONAL_SUFFIX
        return label

    @property
    def describedby(self) -> str:
        """The hint and error ids (for the input, or for the fieldset of grouped inputs)."""
        return _join_ids(self.hint_id, self.error_id)

    @property
    def group_classes(self) -> str:
        classes = ["nhsuk-form-group"]
        if self.errors:
            classes.append("nhsuk-form-group--error")
        if self.kind == "file":
            classes.append("nhsuk-file-upload")
        if self.kind == "password":
            classes.append("nhsuk-password-input")
        return " ".join(classes)

    @property
    def label_classes(self) -> str:
        return _join_classes(
            "nhsuk-label",
            f"nhsuk-label--{self.size}" if self.size else "",
            "" if self.show_label else "nhsuk-u-visually-hidden",
        )

    @property
    def legend_classes(self) -> str:
        return _join_classes(
            "nhsuk-fieldset__legend",
            f"nhsuk-fieldset__legend--{self.size}" if self.size else "",
            "" if self.show_label else "nhsuk-u-visually-hidden",
        )

    # Controls ------------------------------------------------------------------------------------

    def _control_attrs(self, base_class: str, *, describedby: str = "", error: bool = True) -> dict:
        classes = _join_classes(
            base_class,
            f"{base_class}--error" if self.errors and error else "",
            self.widget.attrs.get("class", ""),
        )
        attrs = {"class": classes, "id": self.id}
        existing = self.widget.attrs.get("aria-describedby", "")
        if joined := _join_ids(existing, describedby):
            attrs["aria-describedby"] = joined
        return attrs

    @property
    def control(self) -> str:
        """The rendered <input>, <textarea> or <select> for single-control fields."""
        if self.kind == "other":
            attrs = {"id": self.id}
            if joined := _join_ids(self.widget.attrs.get("aria-describedby", ""), self.describedby):
                attrs["aria-describedby"] = joined
            return self.field.as_widget(attrs=attrs)
        base = {
            "input": "nhsuk-input",
            "password": "nhsuk-input",
            "textarea": "nhsuk-textarea",
            "select": "nhsuk-select",
        }.get(self.kind)
        if base is None:
            raise ValueError(f"{self.kind} fields have no single control")
        attrs = self._control_attrs(base, describedby=self.describedby)
        if self.kind == "password":
            attrs["class"] = _join_classes(
                attrs["class"], "nhsuk-password-input__input nhsuk-js-password-input-input"
            )
            attrs.setdefault("spellcheck", "false")
            attrs.setdefault("autocapitalize", "none")
        if isinstance(self.widget, forms.EmailInput) and "spellcheck" not in self.widget.attrs:
            attrs["spellcheck"] = "false"
        return self.field.as_widget(attrs=attrs)

    @property
    def checkbox_control(self) -> str:
        """A single CheckboxInput, with its hint shown as the item's hint."""
        attrs = self._control_attrs(
            "nhsuk-checkboxes__input", describedby=self.describedby, error=False
        )
        attrs["class"] = "nhsuk-checkboxes__input"
        return self.field.as_widget(attrs=attrs)

    @property
    def file_control(self) -> str:
        attrs = self.field.build_widget_attrs(self.widget.attrs)
        attrs.update(
            self._control_attrs(
                "nhsuk-file-upload__input", describedby=self.describedby, error=False
            )
        )
        attrs["class"] = _join_classes(
            "nhsuk-file-upload__input", self.widget.attrs.get("class", "")
        )
        if getattr(self.widget, "allow_multiple_selected", False):
            attrs["multiple"] = True
        attrs.pop("value", None)
        ordered = {
            "class": attrs.pop("class"),
            "id": attrs.pop("id"),
            "name": self.name,
            "type": "file",
        }
        ordered.update(attrs)
        return format_html("<input{}>", flatatt(ordered))

    @property
    def current_file(self):
        """The file already stored, for a ClearableFileInput (shown by name, never linked)."""
        if not isinstance(self.widget, forms.ClearableFileInput):
            return None
        value = self.field.initial
        if value and getattr(value, "name", None):
            return value
        return None

    @property
    def clear_checkbox(self) -> dict | None:
        if self.current_file is None or self.field.field.required:
            return None
        name = self.widget.clear_checkbox_name(self.name)
        checked = bool(self.field.form.is_bound and self.field.form.data.get(name))
        return {"name": name, "id": self.widget.clear_checkbox_id(name), "checked": checked}

    @property
    def file_name(self) -> str:
        current = self.current_file
        return str(current.name).rsplit("/", 1)[-1] if current is not None else ""

    @cached_property
    def options(self) -> list[dict]:
        """Radios or checkboxes: one dict per option, with the rendered <input>."""
        if self.kind not in ("radios", "checkboxes"):
            return []
        item = "nhsuk-radios" if self.kind == "radios" else "nhsuk-checkboxes"
        values = self.widget.format_value(self.field.value())
        attrs = self.field.build_widget_attrs({"id": self.id})
        attrs.pop("class", None)
        attrs.pop("aria-describedby", None)
        hints = {
            str(k): v
            for k, v in (getattr(self.field.field, "nhsuk_choice_hints", None) or {}).items()
        }
        revealed = getattr(self.field.field, "nhsuk_conditional", None) or {}
        options = []
        for _group, group_options, _index in self.widget.optgroups(self.name, values, attrs):
            for option in group_options:
                value = "" if option["value"] is None else str(option["value"])
                if self.kind == "radios" and value == "" and option["label"] == BLANK_CHOICE_LABEL:
                    continue
                option_attrs = dict(option["attrs"])
                option_attrs.pop("class", None)
                option_id = option_attrs.pop("id", f"{self.id}_{option['index']}")
                hint = hints.get(value, "")
                hint_id = f"{option_id}-item-hint" if hint else ""
                input_attrs = {
                    "class": f"{item}__input",
                    "id": option_id,
                    "name": option["name"],
                    "type": option["type"],
                    "value": value,
                }
                if hint_id:
                    input_attrs["aria-describedby"] = hint_id
                conditional = [self.field.form[name] for name in revealed.get(value, ())]
                conditional_id = f"conditional-{option_id}" if conditional else ""
                if conditional_id:
                    # Read by static/js/conditional-reveal.js. Not the frontend's own
                    # data-aria-controls: its script marks radios aria-expanded, which they
                    # may not have.
                    input_attrs["data-reveals"] = conditional_id
                input_attrs.update(option_attrs)
                options.append(
                    {
                        "id": option_id,
                        "label": option["label"],
                        "hint": hint,
                        "hint_id": hint_id,
                        "input": format_html("<input{}>", flatatt(input_attrs)),
                        "conditional": conditional,
                        "conditional_id": conditional_id,
                        # Shown without the script too when the option is the one chosen.
                        "conditional_hidden": not option.get("selected"),
                    }
                )
        return options

    @property
    def has_conditional(self) -> bool:
        return any(option["conditional"] for option in self.options)

    @property
    def choices_classes(self) -> str:
        """The container classes, keeping modifiers such as nhsuk-radios--inline."""
        base = "nhsuk-radios" if self.kind == "radios" else "nhsuk-checkboxes"
        modifiers = [
            c for c in self.widget.attrs.get("class", "").split() if c.startswith(f"{base}--")
        ]
        return _join_classes(base, modifiers)

    @cached_property
    def error_parts(self) -> list[str]:
        """For dates: the parts to mark as in error (all of them unless the error says which)."""
        if not self.errors or self.kind != "date":
            return []
        parts: set[str] = set()
        for error in self.field.errors.as_data():
            params = error.params if isinstance(error.params, dict) else {}
            named = params.get("parts")
            if not named:
                return list(DATE_PARTS)
            parts.update(named)
        return [part for part in DATE_PARTS if part in parts]

    @cached_property
    def date_items(self) -> list[dict]:
        if self.kind != "date":
            return []
        attrs = self.field.build_widget_attrs({"id": self.id})
        for key in ("aria-invalid", "aria-describedby", "required", "class"):
            attrs.pop(key, None)
        context = self.widget.get_context(self.name, self.field.value(), attrs)
        items = []
        for part, sub in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
            in_error = part in self.error_parts
            sub_attrs = dict(sub["attrs"])
            classes = sub_attrs.pop("class", "")
            tag_attrs = {
                "class": _join_classes(
                    "nhsuk-input",
                    "nhsuk-input--error" if in_error else "",
                    classes,
                    "nhsuk-date-input__input",
                ),
                "id": sub_attrs.pop("id"),
                "name": sub["name"],
                "type": "text",
            }
            if sub["value"] not in (None, ""):
                tag_attrs["value"] = sub["value"]
            if in_error:
                tag_attrs["aria-invalid"] = "true"
            tag_attrs.update(sub_attrs)
            items.append(
                {
                    "part": part,
                    "label": part.capitalize(),
                    "id": tag_attrs["id"],
                    "in_error": in_error,
                    "input": format_html("<input{}>", flatatt(tag_attrs)),
                }
            )
        return items

    @property
    def multi_control(self) -> str:
        """Any other MultiWidget: each sub-input styled as an NHS.UK input."""
        classes = _join_classes("nhsuk-input", "nhsuk-input--error" if self.errors else "")
        return self.field.as_widget(attrs={"class": classes, "id": self.id})

    @property
    def anchor(self) -> str:
        """The id the error summary links to."""
        if self.kind in ("radios", "checkboxes"):
            return self.options[0]["id"] if self.options else f"{self.id}_0"
        if self.kind == "date":
            parts = self.error_parts or [DATE_PARTS[0]]
            return f"{self.id}_{DATE_PARTS.index(parts[0])}"
        if self.kind == "multi":
            return f"{self.id}_0"
        return self.id


@register.simple_tag
def nhsuk_field(bound_field, show_errors=True, show_labels=True) -> NHSField:
    """``{% nhsuk_field field show_errors=form_show_errors as f %}``"""
    show_errors = True if show_errors in ("", None) else bool(show_errors)
    show_labels = True if show_labels in ("", None) else bool(show_labels)
    return NHSField(bound_field, show_errors=show_errors, show_labels=show_labels)


@register.simple_tag
def nhsuk_error_summary_items(form=None, message=None) -> list[dict]:
    """The error summary's list, each item ``{"text": ..., "href": "#id" or ""}``.

    ``message`` (a string or a list of strings) comes first, without a link; then, if this form's
    errors have not been summarised on the page yet, its non-field errors (no link) and each field
    error linking to the field.
    """
    items = []
    if message:
        messages = [message] if isinstance(message, str) else list(message)
        items.extend({"text": str(text), "href": ""} for text in messages if text)
    if not _claim_error_summary(form):
        return items
    items.extend({"text": error, "href": ""} for error in form.non_field_errors())
    for bound_field in form:
        if not bound_field.errors:
            continue
        if bound_field.is_hidden:
            items.extend(
                {"text": f"({bound_field.label}) {error}", "href": ""}
                for error in bound_field.errors
            )
            continue
        anchor = NHSField(bound_field).anchor
        items.extend({"text": error, "href": f"#{anchor}"} for error in bound_field.errors)
    return items


def _claim_error_summary(form) -> bool:
    """True the first time it is asked for a form with errors, so its summary is shown once."""
    if not isinstance(form, forms.BaseForm) or not form.errors:
        return False
    if getattr(form, "_nhsuk_error_summary_shown", False):
        return False
    form._nhsuk_error_summary_shown = True
    return True


@register.filter
def nhsuk_classes(value) -> str:
    """Keep only NHS.UK classes (crispy's Submit/Button add Bootstrap ones such as "btn")."""
    return " ".join(name for name in str(value or "").split() if name.startswith("nhsuk-"))


@register.simple_tag(takes_context=True)
def nhsuk_nav_current(context, page: str, section: str = "") -> str:
    """aria-current for a header navigation item: "page" on the page itself, "true" on a page in
    its section (``section`` lists url names separated by spaces), "" elsewhere."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None)  # "helpdesk:home" for a namespaced page
    if not name:
        return ""
    if name == page:
        return "page"
    return "true" if name in section.split() else ""
