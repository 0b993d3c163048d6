from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from .models import OrganisationProfile, YesNo, YesNoNotSure
from .ods import normalise_ods_code, validate_ods_code
from .roles import ROLE_DESCRIPTIONS, Role


def _role_choices():
    return [(role.value, role.label) for role in Role]


def _role_field(**kwargs) -> forms.ChoiceField:
    field = forms.ChoiceField(
        label="Role",
        choices=_role_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a role"},
        **kwargs,
    )
    # Shown under each option by the NHS.UK template pack.
    field.nhsuk_choice_hints = {role.value: ROLE_DESCRIPTIONS[role] for role in Role}
    return field


class OdsCodeForm(forms.Form):
    ods_code = forms.CharField(
        label="What is your organisation's ODS code?",
        help_text="For example, VM8L1 for a care home or AB12 for a headquarters.",
        max_length=64,
        error_messages={"required": "Enter your organisation's ODS code"},
        widget=forms.TextInput(
            attrs={
                "class": "nhsuk-input--width-10",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["ods_code"]
        # The guidance page is linked from the hint (which the template pack shows as HTML).
        field.help_text = format_html(
            '{} <a href="{}">Don\'t know your ODS code?</a>',
            field.help_text,
            reverse("ods-code-help"),
        )

    def clean_ods_code(self):
        code = normalise_ods_code(self.cleaned_data["ods_code"])
        validate_ods_code(code)
        return code


class NameAndEmailFields(forms.Form):
    """A person's full name (spaces tidied) and email address (lower case)."""

    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={"required": "Enter your email address"},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise ValidationError("Enter your full name")
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class AccountFields(NameAndEmailFields):
    """Name, email and password for a new account, checked with Django's password validators."""

    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        error_messages={"required": "Create a password"},
        help_text="Use at least 10 characters. Avoid common passwords and your name.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Confirm your password",
        strip=False,
        error_messages={"required": "Confirm your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The passwords do not match")
        elif password1:
            from .models import User

            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class RegistrationEmailForm(forms.Form):
    """The address the registration link is sent to. Nothing else is asked until it is confirmed."""

    email = forms.EmailField(
        label="Your email address",
        help_text="We will email you a link. Registration finishes when you open it.",
        max_length=254,
        error_messages={"required": "Enter your email address"},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    confirm = forms.BooleanField(
        label="This is my organisation and I am allowed to register it",
        error_messages={"required": "Confirm that this is your organisation"},
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class HelpdeskRequestForm(NameAndEmailFields):
    """A request to register an organisation that may not register itself."""

    reason = forms.CharField(
        label="Why do you need to register this organisation on this service?",
        help_text="Tell us your role in the organisation. Do not include personal information "
        "about patients or people who use your services.",
        max_length=2000,
        error_messages={
            "required": "Tell us why you need to register this organisation",
            "max_length": "Reason must be 2000 characters or fewer",
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("Tell us why you need to register this organisation")
        return reason


class InvitationAccountForm(AccountFields):
    """Creating an account from an emailed link (an invitation or a registration): the email
    address is the one the link was sent to."""

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invited_email = email
        del self.fields["email"]

    def clean(self):
        self.cleaned_data["email"] = self.invited_email
        return super().clean()


class InviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter the email address of the person to invite"},
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = _role_field()

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class RoleForm(forms.Form):
    role = _role_field()
    expected_role = forms.ChoiceField(choices=_role_choices, widget=forms.HiddenInput)


class ChangeOrganisationForm(forms.Form):
    organisation = forms.ChoiceField(
        label="Which organisation do you want to work on?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select an organisation"},
    )

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [
            (
                str(m.organisation_id),
                f"{m.organisation.name} ({m.organisation.ods_code}) – {m.get_role_display()}",
            )
            for m in memberships
        ]


class ProfileForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    nhsmail_only = forms.ChoiceField(
        label="Is NHSmail your only email system?",
        choices=YesNo.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    cyber_essentials_plus = forms.ChoiceField(
        label="Do you have Cyber Essentials Plus?",
        choices=YesNoNotSure.choices,
        widget=forms.RadioSelect,
        required=False,
    )

    class Meta:
        model = OrganisationProfile
        fields = [
            "caldicott_guardian",
            "senior_information_risk_owner",
            "information_governance_lead",
            "data_protection_officer",
            "nhsmail_only",
            "cyber_essentials_plus",
            "cyber_essentials_plus_certificate_number",
            "cyber_essentials_plus_expires_on",
        ]

    def __init__(self, *args, **kwargs):
        from dspt_portal.forms import NHSDateField, reveal_when_chosen

        super().__init__(*args, **kwargs)
        self.fields["cyber_essentials_plus_expires_on"] = NHSDateField(
            label="Cyber Essentials Plus expiry date",
            help_text="For example, 31 3 2027.",
            required=False,
        )
        self.fields["cyber_essentials_plus_certificate_number"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )
        # Asked, and needed, only when the answer is Yes.
        reveal_when_chosen(
            self,
            "cyber_essentials_plus",
            YesNoNotSure.YES,
            "cyber_essentials_plus_certificate_number",
            "cyber_essentials_plus_expires_on",
        )
        if self.instance and self.instance.pk and not self.is_bound:
            self.initial.setdefault("version", self.instance.version)
            self.initial["cyber_essentials_plus_expires_on"] = (
                self.instance.cyber_essentials_plus_expires_on
            )
        for name in (
            "caldicott_guardian",
            "senior_information_risk_owner",
            "information_governance_lead",
            "data_protection_officer",
        ):
            self.fields[name].help_text = "Name of the person, if you have one."
            # Someone else's name, usually: the browser must not offer the user's own.
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cyber_essentials_plus") != YesNoNotSure.YES:
            # The certificate is only asked for with Yes: whatever is left in its fields (even a
            # date that is not one) is ignored, and the profile keeps none.
            for name, empty in (
                ("cyber_essentials_plus_certificate_number", ""),
                ("cyber_essentials_plus_expires_on", None),
            ):
                self.errors.pop(name, None)
                cleaned[name] = empty
        else:
            if not (cleaned.get("cyber_essentials_plus_certificate_number") or "").strip():
                self.add_error(
                    "cyber_essentials_plus_certificate_number",
                    "Enter your Cyber Essentials Plus certificate number",
                )
            if not cleaned.get("cyber_essentials_plus_expires_on") and not self.has_error(
                "cyber_essentials_plus_expires_on"
            ):
                self.add_error(
                    "cyber_essentials_plus_expires_on",
                    "Enter the date your Cyber Essentials Plus certificate expires",
                )
        return cleaned

    def _post_clean(self):
        # The service validates and saves the model, under a row lock; nothing to do here.
        pass

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
