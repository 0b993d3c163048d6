"""The NHS.UK page template, crispy-forms template pack and frontend build.

Form markup is compared with the golden HTML shipped in the nhsuk-frontend package
(node_modules/nhsuk-frontend/dist/nhsuk/components/<name>/fixtures.json). The comparison is on
structure, not whitespace: the tree of elements with their classes, the attributes that change
behaviour (role, data-module, type, inputmode...), and what every aria-describedby / for /
aria-controls / aria-labelledby points at (described by the target's tag and classes, since ids
differ).
"""

from __future__ import annotations

import datetime
import importlib.util
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.contrib.messages.storage.base import Message
from django.template import engines
from django.test import RequestFactory
from django.urls import resolve

from dspt_portal.forms import NHSDateField, NHSDateInput, as_page_heading, reveal_when_chosen
from organisations.roles import Role

from .markup import edges, fixture_html, package_fixtures, skeleton

ROOT = Path(settings.BASE_DIR)
STATIC_NHSUK = ROOT / "static" / "nhsuk"


# Helpers -----------------------------------------------------------------------------------------


def render(template_code: str, context: dict | None = None, request=None) -> str:
    return engines["django"].from_string(template_code).render(context or {}, request)


def crispy_field(form: forms.Form, name: str) -> str:
    return render("{% load crispy_forms_tags %}{{ field|as_crispy_field }}", {"field": form[name]})


def bound(form_class, data=None, files=None):
    form = form_class(data=data if data is not None else {}, files=files)
    form.is_valid()
    return form


# Golden markup: inputs ---------------------------------------------------------------------------


class NHSNumberForm(forms.Form):
    example = forms.CharField(
        label="What is your NHS number?",
        help_text=(
            'This is a 10 digit number (like <span class="nhsuk-u-nowrap">999 123 4567</span>) '
            "that you can find on an NHS letter, prescription or in the NHS App"
        ),
        widget=forms.TextInput(
            attrs={
                "class": "nhsuk-input--code nhsuk-input--width-10",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )


def test_input_matches_the_package_without_hint_or_error():
    form = NHSNumberForm()
    form.fields["example"].help_text = ""
    expected = skeleton(fixture_html("input", "without heading"))
    assert skeleton(crispy_field(form, "example")) == expected


def test_input_with_hint_as_page_heading_matches_the_package():
    form = NHSNumberForm()
    as_page_heading(form.fields["example"], "l")
    assert skeleton(crispy_field(form, "example")) == skeleton(fixture_html("input", "with hint"))


def test_input_with_error_and_hint_matches_the_package():
    form = bound(NHSNumberForm)
    html = crispy_field(form, "example")
    expected = skeleton(fixture_html("input", "with error message and hint, without heading"))
    assert skeleton(html) == expected
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("input")["aria-describedby"] == "id_example-hint id_example-error"
    error = soup.find(id="id_example-error")
    assert error.get_text(" ", strip=True) == "Error: This field is required."


def test_input_keeps_autocomplete_and_width_class():
    class EmailForm(forms.Form):
        email = forms.EmailField(
            widget=forms.EmailInput(
                attrs={"autocomplete": "email", "class": "nhsuk-input--width-20"}
            )
        )

    control = BeautifulSoup(crispy_field(EmailForm(), "email"), "html.parser").find("input")
    assert control["autocomplete"] == "email"
    assert control["type"] == "email"
    assert set(control["class"]) == {"nhsuk-input", "nhsuk-input--width-20"}


@pytest.mark.parametrize(
    ("widget", "input_type"),
    [
        (forms.NumberInput(), "number"),
        (forms.URLInput(), "url"),
        (forms.TextInput(), "text"),
    ],
)
def test_other_text_like_inputs_are_nhs_inputs(widget, input_type):
    class AnyForm(forms.Form):
        value = forms.CharField(widget=widget)

    control = BeautifulSoup(crispy_field(AnyForm(), "value"), "html.parser").find("input")
    assert control["type"] == input_type
    assert control["class"] == ["nhsuk-input"]


class PasswordForm(forms.Form):
    example = forms.CharField(
        label="Password",
        help_text="It probably has some letters, numbers and maybe even some symbols in it",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def test_password_matches_the_package_password_input():
    form = bound(PasswordForm)
    as_page_heading(form.fields["example"], "l")
    html = crispy_field(form, "example")
    expected = skeleton(
        fixture_html("password-input", "with error message and hint, without heading")
    )
    assert skeleton(html) == expected
    assert BeautifulSoup(html, "html.parser").find("input")["autocomplete"] == "current-password"


# Golden markup: textarea and select --------------------------------------------------------------


def test_textarea_matches_the_package():
    class DetailForm(forms.Form):
        example = forms.CharField(
            label="Can you provide more detail?",
            help_text="Do not include personal information",
            widget=forms.Textarea(attrs={"rows": 5}),
        )

    html = crispy_field(bound(DetailForm), "example")
    expected = skeleton(fixture_html("textarea", "with error message and hint, without heading"))
    assert skeleton(html) == expected


def test_select_matches_the_package():
    regions = [
        "Choose location",
        "East Midlands",
        "East of England",
        "London",
        "North East",
        "North West",
        "South East",
        "South West",
        "West Midlands",
        "Yorkshire and the Humber",
    ]

    class LocationForm(forms.Form):
        example = forms.ChoiceField(
            label="Choose location",
            help_text="This can be different to where you went before",
            choices=[("" if i == 0 else str(i), text) for i, text in enumerate(regions)],
        )

    html = crispy_field(bound(LocationForm), "example")
    expected = skeleton(fixture_html("select", "with error message and hint, without heading"))
    assert skeleton(html) == expected


# Golden markup: radios and checkboxes ------------------------------------------------------------

CONTACT_CHOICES = [("email", "Email"), ("phone", "Phone"), ("text", "Text message")]


class ContactForm(forms.Form):
    example = forms.ChoiceField(
        label="How do you want to be contacted about this?",
        help_text="Select 1 option",
        choices=CONTACT_CHOICES,
        widget=forms.RadioSelect,
    )
    channels = forms.MultipleChoiceField(
        label="How do you want to be contacted about this?",
        help_text="Select all options that are relevant to you",
        choices=CONTACT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )


def test_radios_match_the_package():
    html = crispy_field(bound(ContactForm), "example")
    expected = skeleton(fixture_html("radios", "with error message and hint, without heading"))
    assert skeleton(html) == expected


def test_radios_with_option_hints_as_page_heading_match_the_package():
    class SignalForm(forms.Form):
        example = forms.ChoiceField(
            label="Do you have a mobile phone with signal?",
            choices=[("mobile", "Yes, I have a mobile"), ("landline", "No, use my landline")],
            widget=forms.RadioSelect,
        )

    form = SignalForm()
    as_page_heading(form.fields["example"], "l")
    form.fields["example"].nhsuk_choice_hints = {
        "mobile": "We will text you a 6 digit security code",
        "landline": "We will call you to give you a 6 digit security code",
    }
    html = crispy_field(form, "example")
    assert skeleton(html) == skeleton(fixture_html("radios", "with hints on items"))


def test_radios_keep_the_chosen_value_and_drop_the_blank_choice():
    class RoleForm(forms.Form):
        role = forms.ChoiceField(
            choices=[("", "---------"), *Role.choices], widget=forms.RadioSelect
        )

    form = RoleForm(data={"role": "member"})
    soup = BeautifulSoup(crispy_field(form, "role"), "html.parser")
    radios = soup.find_all("input", type="radio")
    assert [r["value"] for r in radios] == ["viewer", "member", "administrator"]
    assert [r.has_attr("checked") for r in radios] == [False, True, False]
    assert soup.find("label", attrs={"for": radios[0]["id"]}).get_text(strip=True) == "Viewer"


def test_inline_radios_keep_the_modifier_on_the_container():
    class YesNoForm(forms.Form):
        answer = forms.ChoiceField(
            choices=[("yes", "Yes"), ("no", "No")],
            widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
        )

    soup = BeautifulSoup(crispy_field(YesNoForm(), "answer"), "html.parser")
    assert soup.find(attrs={"data-module": "nhsuk-radios"})["class"] == [
        "nhsuk-radios",
        "nhsuk-radios--inline",
    ]
    assert all(r["class"] == ["nhsuk-radios__input"] for r in soup.find_all("input"))


def test_checkboxes_match_the_package():
    html = crispy_field(bound(ContactForm), "channels")
    expected = skeleton(fixture_html("checkboxes", "with error message and hint, without heading"))
    assert skeleton(html) == expected


def test_single_checkbox_uses_the_checkbox_item_markup():
    class TermsForm(forms.Form):
        agree = forms.BooleanField(label="I agree to the terms", help_text="You must agree")

    html = crispy_field(bound(TermsForm), "agree")
    assert skeleton(html) == [
        "div.nhsuk-form-group.nhsuk-form-group--error",
        "  span.nhsuk-error-message",
        "    span.nhsuk-u-visually-hidden",
        "  div.nhsuk-checkboxes data-module=nhsuk-checkboxes",
        "    div.nhsuk-checkboxes__item",
        "      input.nhsuk-checkboxes__input type=checkbox "
        "aria-describedby->div.nhsuk-checkboxes__hint.nhsuk-hint+span.nhsuk-error-message",
        "      label.nhsuk-checkboxes__label.nhsuk-label for->input.nhsuk-checkboxes__input",
        "      div.nhsuk-checkboxes__hint.nhsuk-hint",
    ]
    # Every parent/child pair is one the package uses for checkboxes and error messages.
    allowed = set().union(*(edges(example["html"]) for example in package_fixtures("checkboxes")))
    allowed |= edges(fixture_html("input", "with error message"))
    error_group = "div.nhsuk-form-group.nhsuk-form-group--error"
    allowed |= {(error_group, "div.nhsuk-checkboxes")}  # the "without fieldset" example, in error
    assert edges(html) - allowed == set()
    assert "(optional)" not in html


# Golden markup: date input -----------------------------------------------------------------------


class BirthForm(forms.Form):
    example = NHSDateField(label="What is your date of birth?", help_text="For example, 31 3 1980")


def test_date_input_with_error_matches_the_package():
    form = bound(BirthForm)
    assert form.errors["example"] == ["Enter a date"]
    html = crispy_field(form, "example")
    expected = skeleton(fixture_html("date-input", "with error message and hint, without heading"))
    assert skeleton(html) == expected


def test_date_input_marks_only_the_missing_part_as_in_error():
    form = bound(BirthForm, {"example_0": "", "example_1": "3", "example_2": "1980"})
    assert form.errors["example"] == ["What is your date of birth? must include a day"]
    as_page_heading(form.fields["example"], "l")
    html = crispy_field(form, "example")
    assert skeleton(html) == skeleton(fixture_html("date-input", "with error on day input"))
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="id_example_1")["value"] == "3"
    assert soup.find(id="id_example_2")["value"] == "1980"


@pytest.mark.parametrize(
    ("day", "month", "year", "marked"),
    [
        pytest.param("", "", "", ["day", "month", "year"], id="nothing-typed"),
        pytest.param("31", "2", "2027", ["day", "month", "year"], id="no-such-date"),
        pytest.param("12", "3", "27", ["year"], id="short-year"),
        pytest.param("12", "13", "2027", ["month"], id="month-out-of-range"),
        pytest.param("32", "3", "2027", ["day"], id="day-out-of-range"),
        pytest.param("1x", "3", "2027", ["day"], id="day-not-a-number"),
        pytest.param("", "", "2027", ["day", "month"], id="day-and-month-missing"),
        pytest.param("x", "", "27", ["day", "month", "year"], id="three-problems-at-once"),
        pytest.param("12", "", "27", ["month", "year"], id="missing-month-and-short-year"),
    ],
)
def test_date_input_marks_every_wrong_part_and_only_those(day, month, year, marked):
    form = bound(BirthForm, {"example_0": day, "example_1": month, "example_2": year})
    soup = BeautifulSoup(crispy_field(form, "example"), "html.parser")
    inputs = soup.select(".nhsuk-date-input__input")
    in_error = [
        part
        for part, tag in zip(("day", "month", "year"), inputs, strict=True)
        if "nhsuk-input--error" in tag["class"]
    ]
    assert in_error == marked
    assert [tag.get("aria-invalid") == "true" for tag in inputs] == [
        part in marked for part in ("day", "month", "year")
    ]
    # The summary link goes to the first part marked.
    first = {"day": 0, "month": 1, "year": 2}[marked[0]]
    items = render(
        "{% load nhsuk %}{% nhsuk_error_summary_items form as items %}"
        "{% for i in items %}{{ i.href }}{% endfor %}",
        {"form": bound(BirthForm, {"example_0": day, "example_1": month, "example_2": year})},
    )
    assert items.strip() == f"#id_example_{first}"


def test_date_input_without_error_matches_the_package():
    form = BirthForm(initial={"example": datetime.date(1980, 3, 31)})
    form.fields["example"].help_text = ""
    html = crispy_field(form, "example")
    assert skeleton(html) == skeleton(fixture_html("date-input", "without heading"))
    values = [i.get("value") for i in BeautifulSoup(html, "html.parser").find_all("input")]
    assert values == ["31", "3", "1980"]


# Golden markup: file upload ----------------------------------------------------------------------


class UploadForm(forms.Form):
    example = forms.FileField(
        label="Upload a file",
        help_text="Your photo may be in your Pictures, Photos, Downloads or Desktop folder",
    )


def test_file_upload_matches_the_package_without_its_script():
    html = crispy_field(bound(UploadForm, files={}), "example")
    package = fixture_html("file-upload", "with error message and hint, without heading")
    # Everything but data-module: the package's script swaps the input for a button and points
    # the label at the button, so the label would no longer be the file input's own.
    expected = skeleton(package.replace(' data-module="nhsuk-file-upload"', ""))
    assert 'data-module="nhsuk-file-upload"' in package
    assert skeleton(html) == expected


def test_the_file_inputs_label_is_its_own_and_no_script_replaces_it():
    soup = BeautifulSoup(crispy_field(bound(UploadForm, files={}), "example"), "html.parser")
    file_input = soup.find("input", type="file")
    label = soup.find("label")
    assert label["for"] == file_input["id"]
    assert soup.find(attrs={"data-module": True}) is None


def test_clearable_file_input_names_the_current_file_without_linking_it():
    class EvidenceForm(forms.Form):
        evidence = forms.FileField(required=False)

    stored = SimpleNamespace(name="evidence/2024/policy.pdf", url="/media/evidence/policy.pdf")
    html = crispy_field(EvidenceForm(initial={"evidence": stored}), "evidence")
    soup = BeautifulSoup(html, "html.parser")
    assert "policy.pdf" in soup.get_text()
    assert soup.find("a") is None, "stored evidence must not be linked"
    clear = soup.find("input", type="checkbox")
    assert clear["name"] == "evidence-clear"
    assert soup.find("label", attrs={"for": clear["id"]}) is not None
    upload = soup.find("div", class_="nhsuk-file-upload")
    assert upload.find("input")["type"] == "file", "the upload group's first input is the file"
    assert upload.find("label").get_text(strip=True) == "Evidence (optional)"


# Error summary -----------------------------------------------------------------------------------


class SignInForm(forms.Form):
    email = forms.EmailField()
    terms = forms.BooleanField(label="Agree to the terms of service")

    def clean(self):
        raise forms.ValidationError("Invalid username or password")


def test_error_summary_matches_the_package():
    form = bound(SignInForm, {"email": "someone@example.com"})
    html = render('{% include "includes/error_summary.html" with form=form %}', {"form": form})
    expected = skeleton(fixture_html("error-summary", "without error link (mixed)"))
    assert skeleton(html) == expected
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("h2").get_text(strip=True) == "There is a problem"
    items = soup.find_all("li")
    assert items[0].get_text(strip=True) == "Invalid username or password"
    assert items[1].find("a")["href"] == "#id_terms"


def test_error_summary_links_reach_the_inputs():
    class EverythingForm(forms.Form):
        name = forms.CharField()
        contact = forms.ChoiceField(choices=CONTACT_CHOICES, widget=forms.RadioSelect)
        channels = forms.MultipleChoiceField(
            choices=CONTACT_CHOICES, widget=forms.CheckboxSelectMultiple
        )
        review = NHSDateField(label="Date of review")
        started = NHSDateField(label="Start date")
        upload = forms.FileField()

    form = bound(EverythingForm, {"started_0": "4", "started_1": "", "started_2": "2024"})
    html = render(
        '{% load crispy_forms_tags %}{% include "includes/error_summary.html" with form=form %}'
        "{{ form|crispy }}",
        {"form": form},
    )
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [a["href"] for a in soup.select(".nhsuk-error-summary a")]
    assert hrefs == [
        "#id_name",
        "#id_contact_0",
        "#id_channels_0",
        "#id_review_0",
        "#id_started_1",
        "#id_upload",
    ]
    for href in hrefs:
        target = soup.find(id=href[1:])
        assert target is not None, href
        assert target.name == "input", href


def test_error_summary_renders_nothing_without_errors():
    assert (
        render('{% include "includes/error_summary.html" with form=form %}', {"form": None}) == ""
    )
    form = SignInForm()
    html = render('{% include "includes/error_summary.html" with form=form %}', {"form": form})
    assert html.strip() == ""


def test_error_summary_with_a_single_message():
    html = render(
        '{% include "includes/error_summary.html" with message=error %}',
        {"error": "This invitation has expired"},
    )
    soup = BeautifulSoup(html, "html.parser")
    assert [li.get_text(strip=True) for li in soup.find_all("li")] == [
        "This invitation has expired"
    ]


def test_the_summary_is_shown_once_whether_or_not_the_page_includes_it():
    page = (
        '{% load crispy_forms_tags %}{% include "includes/error_summary.html" with form=form %}'
        "<form>{{ form|crispy }}</form>"
    )
    html = render(page, {"form": bound(SignInForm)})
    assert html.count('class="nhsuk-error-summary"') == 1

    # A page that forgets the include still shows non-field errors, inside the form.
    html = render(
        "{% load crispy_forms_tags %}<form>{{ form|crispy }}</form>", {"form": bound(SignInForm)}
    )
    soup = BeautifulSoup(html, "html.parser")
    assert len(soup.select(".nhsuk-error-summary")) == 1
    assert "Invalid username or password" in soup.select_one(".nhsuk-error-summary").get_text()


# The crispy pack ---------------------------------------------------------------------------------


def test_optional_fields_are_marked_and_required_ones_are_not():
    class ProfileForm(forms.Form):
        name = forms.CharField(label="Organisation name")
        phone = forms.CharField(label="Phone number", required=False)

    soup = BeautifulSoup(
        render("{% load crispy_forms_tags %}{{ form|crispy }}", {"form": ProfileForm()}),
        "html.parser",
    )
    labels = [label.get_text(strip=True) for label in soup.find_all("label")]
    assert labels == ["Organisation name", "Phone number (optional)"]
    assert "*" not in soup.get_text()


def test_crispy_tag_with_helper_and_layout_uses_only_nhs_classes():
    class InviteForm(forms.Form):
        email = forms.EmailField(label="Email address")
        role = forms.ChoiceField(choices=Role.choices, widget=forms.RadioSelect)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper = FormHelper()
            self.helper.layout = Layout(
                Fieldset("Who are you inviting?", "email"),
                Div("role", css_class="nhsuk-u-margin-bottom-4"),
                HTML("<p class='nhsuk-body'>They will get an email.</p>"),
            )
            self.helper.add_input(Submit("send", "Send invitation"))

    request = RequestFactory().get("/")
    html = render("{% load crispy_forms_tags %}{% crispy form %}", {"form": InviteForm()}, request)
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form")
    assert form["method"] == "post"
    assert form.has_attr("novalidate")
    assert soup.find("input", attrs={"name": "csrfmiddlewaretoken"}) is not None
    assert soup.find("legend").get_text(strip=True) == "Who are you inviting?"
    button = soup.find("button")
    assert button["class"] == ["nhsuk-button"]
    assert button.get_text(strip=True) == "Send invitation"
    used = {name for element in soup.find_all(True) for name in element.get("class", [])}
    assert used
    assert all(name.startswith("nhsuk-") for name in used), used


def test_labels_and_errors_are_escaped():
    class NastyForm(forms.Form):
        value = forms.CharField(label="<script>alert(1)</script>")

    html = crispy_field(NastyForm(), "value")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# NHSDateField ------------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    reviewed = NHSDateField(label="Date of review")
    optional = NHSDateField(label="Next review", required=False)


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("", "", "", "Enter a date"),
        ("12", "", "2024", "Date of review must include a month"),
        ("", "", "2024", "Date of review must include a day and month"),
        ("31", "2", "2024", "Date of review must be a real date"),
        ("12", "13", "2024", "Date of review must be a real date"),
        ("1x", "3", "2024", "Date of review must be a real date"),
        ("12", "3", "24", "Year must include 4 numbers"),
    ],
)
def test_date_field_messages(day, month, year, message):
    form = bound(ReviewForm, {"reviewed_0": day, "reviewed_1": month, "reviewed_2": year})
    assert form.errors["reviewed"] == [message]


def test_date_field_accepts_numbers_and_month_names():
    data = {"reviewed_0": " 7 ", "reviewed_1": "Sept", "reviewed_2": "2024"}
    form = bound(ReviewForm, data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"reviewed": datetime.date(2024, 9, 7), "optional": None}


def test_date_field_limits():
    class PastForm(forms.Form):
        when = NHSDateField(label="Date", max_date=lambda: datetime.date(2025, 3, 31))

    form = bound(PastForm, {"when_0": "1", "when_1": "4", "when_2": "2025"})
    assert form.errors["when"] == ["Date must be the same as or before 31 March 2025"]


def test_date_widget_structure():
    widget = NHSDateInput(autocomplete="bday")
    html = widget.render("born", datetime.date(1980, 3, 31), attrs={"id": "id_born"})
    inputs = BeautifulSoup(html, "html.parser").find_all("input")
    assert [(i["name"], i["id"], i["value"]) for i in inputs] == [
        ("born_0", "id_born_0", "31"),
        ("born_1", "id_born_1", "3"),
        ("born_2", "id_born_2", "1980"),
    ]
    assert [i["autocomplete"] for i in inputs] == ["bday-day", "bday-month", "bday-year"]
    assert all(i["inputmode"] == "numeric" for i in inputs)
    widths = [next(c for c in i["class"] if c.startswith("nhsuk-input--width-")) for i in inputs]
    assert widths == ["nhsuk-input--width-2", "nhsuk-input--width-2", "nhsuk-input--width-4"]


def test_date_field_has_changed():
    form = ReviewForm(
        initial={"reviewed": datetime.date(2024, 3, 1)},
        data={"reviewed_0": "01", "reviewed_1": "3", "reviewed_2": "2024"},
    )
    assert "reviewed" not in form.changed_data


# Page template -----------------------------------------------------------------------------------

PAGE = (
    '{% extends "base.html" %}{% block title %}Sign in{% endblock %}'
    '{% block before_content %}<a class="nhsuk-back-link" href="/">Back</a>{% endblock %}'
    "{% block content %}<h1>Page heading</h1>{% endblock %}"
)


def page_request(path="/", user=None, membership=None):
    request = RequestFactory().get(path)
    request.user = user or SimpleNamespace(is_authenticated=False)
    request.membership = membership
    request.organisation = membership.organisation if membership else None
    return request


def signed_in(role=Role.ADMINISTRATOR, path="/"):
    organisation = SimpleNamespace(name="Langdale House", ods_code="VAB12")
    user = SimpleNamespace(is_authenticated=True, full_name="Ann Example", email="ann@care.example")
    membership = SimpleNamespace(role=role, organisation=organisation)
    return page_request(path, user=user, membership=membership)


def render_page(request, context=None, template=PAGE) -> BeautifulSoup:
    return BeautifulSoup(render(template, context, request), "html.parser")


def test_page_for_someone_signed_out():
    soup = render_page(page_request())
    assert soup.html["lang"] == "en"
    assert soup.title.get_text() == "Sign in – Data Security and Protection Toolkit"
    skip = soup.find("a", class_="nhsuk-skip-link")
    assert skip["href"] == "#maincontent"
    assert skip.get_text(strip=True) == "Skip to main content"
    assert skeleton(skip) == skeleton(fixture_html("skip-link", "default"))
    main = soup.find("main")
    assert main["id"] == "maincontent"
    assert main["class"] == ["nhsuk-main-wrapper"]
    assert main.parent["class"] == ["nhsuk-width-container"]
    # The Back link comes first inside <main>, so it is inside a landmark (axe rule "region").
    assert main.find_previous_sibling("a") is None
    assert main.find("a")["class"] == ["nhsuk-back-link"]
    assert main.find(True) is main.find("a", class_="nhsuk-back-link")
    header = soup.find("header")
    service = header.find(class_="nhsuk-header__service-name")
    assert service.get_text(strip=True) == "Data Security and Protection Toolkit"
    assert service.find_parent("a")["href"] == "/"
    links = {a.get_text(strip=True): a["href"] for a in header.find_all("a")}
    assert links["Sign in"] == "/sign-in/"
    assert links["Check a status"] == "/search/"
    assert links["Register your organisation"] == "/register/"
    assert "Sign out" not in header.get_text()
    assert header.find("nav", class_="nhsuk-header__navigation") is None
    footer = soup.find("footer")
    # The package's footer with support links and meta text (it shows five links, we have more).
    assert edges(footer) == edges(fixture_html("footer", "with meta links and text"))
    assert "Data Security and Protection Toolkit" in footer.get_text()
    for link in footer.find_all("a"):
        resolve(link["href"])  # the footer links only to pages that exist


def test_page_for_an_administrator():
    soup = render_page(signed_in())
    header = soup.find("header")
    assert "Langdale House (VAB12)" in header.get_text(" ", strip=True)
    nav = header.find("nav", class_="nhsuk-header__navigation")
    assert [(a.get_text(strip=True), a["href"]) for a in nav.find_all("a")] == [
        ("Home", "/"),
        ("Assessment", "/assessment/"),
        ("Report an incident", "/incidents/"),
        ("Publications", "/publications/"),
        ("Organisation profile", "/organisation/profile/"),
        ("Manage users", "/organisation/users/"),
    ]
    account = header.find("nav", class_="nhsuk-header__account")
    assert account.find("a", string=re.compile("Change organisation"))["href"] == (
        "/change-organisation/"
    )
    sign_out = account.find("form")
    assert sign_out["action"] == "/sign-out/"
    assert sign_out["method"] == "post"
    assert sign_out.find("input", attrs={"name": "csrfmiddlewaretoken"}) is not None
    assert sign_out.find("button").get_text(strip=True) == "Sign out"


def test_people_without_manage_users_do_not_see_the_link():
    header = render_page(signed_in(Role.VIEWER)).find("header")
    assert "Manage users" not in header.get_text()
    assert "Organisation profile" in header.get_text()


def test_header_only_uses_the_package_header_structure():
    allowed = set()
    for example in package_fixtures("header"):
        allowed |= edges(example["html"])
    for request in (page_request(), signed_in()):
        header = render_page(request).find("header")
        ours = {
            edge
            for edge in edges(header)
            if edge[1] not in ("input", "path", "title")  # csrf token, svg drawing
            and edge[0] not in ("svg.nhsuk-header__logo",)
        }
        assert ours - allowed == set()


def test_header_marks_the_current_section():
    request = signed_in(path="/organisation/users/invite/")
    request.resolver_match = resolve("/organisation/users/invite/")
    nav = render_page(request).find("nav", class_="nhsuk-header__navigation")
    current = nav.find("a", attrs={"aria-current": True})
    assert current.get_text(strip=True) == "Manage users"
    assert current["aria-current"] == "true"
    assert "nhsuk-header__navigation-item--current" in current.parent["class"]


def test_title_says_error_when_the_form_has_errors():
    form = bound(SignInForm)
    soup = render_page(page_request(), {"form": form})
    assert soup.title.get_text() == "Error: Sign in – Data Security and Protection Toolkit"
    soup = render_page(page_request(), {"form": SignInForm()})
    assert soup.title.get_text() == "Sign in – Data Security and Protection Toolkit"


def test_messages_are_notification_banners():
    messages = [Message(25, "Invitation sent to bob@care.example"), Message(20, "Nothing changed")]
    soup = render_page(signed_in(), {"messages": messages})
    banners = soup.select(".nhsuk-notification-banner")
    assert len(banners) == 2
    assert skeleton(banners[0], soup) == skeleton(
        fixture_html("notification-banner", "with success variant")
    )
    assert skeleton(banners[1], soup) == skeleton(fixture_html("notification-banner", "default"))
    assert banners[0].find("h2").get_text(strip=True) == "Success"
    assert "Invitation sent" in banners[0].get_text()
    assert banners[0].find_parent("main") is not None
    assert banners[0].find_next("h1") is not None, "banners come before the page content"


def test_page_loads_only_local_assets_and_marks_js_support():
    request = page_request()
    request.csp_nonce = "abc123"
    soup = render_page(request)
    first = soup.body.find(True)
    assert first.name == "script"
    assert first["nonce"] == "abc123"
    assert "js-enabled" in first.string
    assert "nhsuk-frontend-supported" in first.string
    module = soup.find("script", src=True)
    assert module["type"] == "module"
    assert module["src"] == "/static/js/app.js"
    assert soup.find("link", rel="stylesheet")["href"] == "/static/nhsuk/nhsuk-frontend.min.css"
    assets = [
        element.get("href") or element.get("src")
        for element in soup.find_all(["link", "script", "img"])
        if element.get("href") or element.get("src")
    ]
    assert assets == [
        "/static/nhsuk/assets/images/favicon.ico",
        "/static/nhsuk/assets/images/favicon.svg",
        "/static/nhsuk/assets/images/nhsuk-icon-180.png",
        "/static/nhsuk/nhsuk-frontend.min.css",
        "/static/css/app.css",
        "/static/js/app.js",
    ]
    for url in assets:
        assert (ROOT / "static" / url.removeprefix("/static/")).is_file(), url

    # Outside the CSP middleware (error pages rendered bare) the attribute is simply empty.
    no_nonce = render_page(page_request()).body.find("script")
    assert no_nonce["nonce"] == ""


# Frontend build ----------------------------------------------------------------------------------


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_frontend", ROOT / "scripts" / "build_frontend.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", autouse=True)
def static_nhsuk():
    """static/nhsuk/ as scripts/bootstrap.sh leaves it (built if missing, quick if up to date)."""
    assert load_builder().main([]) == 0
    return STATIC_NHSUK


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    builder = load_builder()
    builder.TARGET = tmp_path_factory.mktemp("static") / "nhsuk"
    assert builder.main(["--force"]) == 0
    return builder


@pytest.mark.parametrize("where", ["fresh build", "static/nhsuk"])
def test_built_css_loads_nothing_from_elsewhere(built, where):
    target = built.TARGET if where == "fresh build" else STATIC_NHSUK
    css = (target / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    assert "@font-face" not in css
    assert "https://" not in css
    assert "http://" not in css
    assert "url(/" not in css
    assert "sourceMappingURL" not in css
    urls = re.findall(r"url\(\s*[\"']?([^\"')]+)", css)
    assert urls, "the stylesheet should still use the package's icons"
    for url in urls:
        assert url.startswith("assets/"), url
        assert (target / url).is_file(), url
    assert re.search(r"font-family:[^;}]*\barial\b", css, re.IGNORECASE), "falls back to Arial"


def test_built_js_and_app_module(built):
    js = (built.TARGET / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    exports = re.search(r"export\s*\{([^}]*)\}", js)
    assert exports
    assert "initAll" in [name.strip() for name in exports.group(1).split(",")]
    app = (ROOT / "static" / "js" / "app.js").read_text(encoding="utf-8")
    imported = re.search(r'import\s*\{\s*initAll\s*\}\s*from\s*"([^"]+)"', app)
    assert imported, app
    assert (ROOT / "static" / "js" / imported.group(1)).resolve() == (
        STATIC_NHSUK / "nhsuk-frontend.min.js"
    ).resolve()
    assert (STATIC_NHSUK / "nhsuk-frontend.min.js").is_file()
    assert re.search(r"^\s*initAll\(\);", app, re.MULTILINE)


def test_build_copies_icons_and_is_quick_when_up_to_date(built, capsys):
    assert (built.TARGET / "assets" / "images" / "favicon.ico").is_file()
    assert (built.TARGET / "assets" / "images" / "nhsuk-icon-180.png").is_file()
    css = built.TARGET / "nhsuk-frontend.min.css"
    before = css.stat().st_mtime_ns
    assert built.main([]) == 0
    assert "up to date" in capsys.readouterr().out
    assert css.stat().st_mtime_ns == before


def test_build_rewrites_and_refuses_remote_urls():
    builder = load_builder()
    css = (
        '@font-face{font-family:X;src:url(https://cdn.example/x.woff2) format("woff2")}'
        'a{background:url("/assets/images/a.svg")}b{background:url(/assets/images/b.svg)}'
        "/*# sourceMappingURL=x.css.map */"
    )
    out = builder.transform_css(css)
    assert out.strip() == (
        'a{background:url("assets/images/a.svg")}b{background:url(assets/images/b.svg)}'
    )
    with pytest.raises(builder.BuildError):
        builder.check_css("a{background:url(https://cdn.example/a.svg)}", STATIC_NHSUK)
    with pytest.raises(builder.BuildError):
        builder.check_css("a{background:url(assets/images/missing.svg)}", STATIC_NHSUK)


def test_build_fails_clearly_without_node_modules(tmp_path, capsys):
    builder = load_builder()
    builder.SOURCE = tmp_path / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"
    builder.TARGET = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        builder.main([])
    assert exit_info.value.code == 1
    assert "npm ci" in capsys.readouterr().err
    assert not builder.TARGET.exists()


# Conditional reveal -------------------------------------------------------------------------------


class RevealForm(forms.Form):
    contact = forms.ChoiceField(
        label="How do you want to be contacted about this?",
        choices=[("email", "Email"), ("phone", "Phone")],
        widget=forms.RadioSelect,
    )
    address = forms.EmailField(label="Email address", required=False)
    notes = forms.CharField(label="Notes", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reveal_when_chosen(self, "contact", "email", "address")


def test_a_revealed_field_is_drawn_inside_its_option_as_the_package_does():
    html = render("{% load crispy_forms_tags %}{{ form|crispy }}", {"form": RevealForm()})
    soup = BeautifulSoup(html, "html.parser")
    radios = soup.select_one("div.nhsuk-radios")
    children = [child for child in radios.children if getattr(child, "name", None)]
    assert [" ".join(child["class"]) for child in children] == [
        "nhsuk-radios__item",
        "nhsuk-radios__conditional nhsuk-radios__conditional--hidden",
        "nhsuk-radios__item",
    ]
    email = soup.find(id="id_contact_0")
    assert email["data-reveals"] == children[1]["id"]
    assert children[1].find(id="id_address") is not None
    assert len(soup.find_all(id="id_address")) == 1
    # Needed when revealed, so not "(optional)"; other optional fields still say so.
    assert soup.find("label", attrs={"for": "id_address"}).get_text(strip=True) == "Email address"
    assert soup.find("label", attrs={"for": "id_notes"}).get_text(strip=True) == "Notes (optional)"
    # Every parent/child pair is one the package's conditional example uses.
    allowed = edges(fixture_html("radios", "with conditional content"))
    allowed |= edges(package_fixtures("input")[0]["html"])  # the revealed input itself
    assert edges(str(radios)) - allowed == set()


def test_the_chosen_options_reveal_is_open_without_the_script():
    form = bound(RevealForm, {"contact": "email", "address": ""})
    html = render("{% load crispy_forms_tags %}{{ form|crispy }}", {"form": form})
    reveal = BeautifulSoup(html, "html.parser").find(id="conditional-id_contact_0")
    assert reveal["class"] == ["nhsuk-radios__conditional"]


def test_the_reveal_script_comes_only_with_a_reveal():
    def scripts(form) -> list[str]:
        html = render("{% load crispy_forms_tags %}{{ form|crispy }}", {"form": form})
        return [tag["src"] for tag in BeautifulSoup(html, "html.parser").find_all("script")]

    assert scripts(RevealForm()) == ["/static/js/conditional-reveal.js"]
    assert scripts(ContactForm()) == []
    # Not the frontend's own attribute: its script would mark the radios aria-expanded.
    html = render("{% load crispy_forms_tags %}{{ form|crispy }}", {"form": RevealForm()})
    assert "aria-controls" not in html
    assert "aria-expanded" not in html
