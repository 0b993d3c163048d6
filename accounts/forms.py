"""Forms for a person's own account: signing in, resetting a password, two-factor codes."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter your email address"},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account has been turned off",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class ResetRequestForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ResetPasswordForm(SetPasswordForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now.",
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )


class RecoveryCodeForm(forms.Form):
    """A recovery code: letters and digits, so a full keyboard, and nothing that would
    "correct" it."""

    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=32,
        help_text="One of the recovery codes you saved when you set up two-factor "
        "authentication: 8 letters and numbers. Each code works once.",
        error_messages={"required": "Enter a recovery code"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "inputmode": "text",
                "autocapitalize": "none",
                "spellcheck": "false",
                "class": "nhsuk-input--width-10",
            }
        ),
    )


def too_many_attempts(seconds: int) -> str:
    """The message when wrong codes mean the next one cannot be checked yet."""
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many attempts – wait {seconds} {unit}, then try again"
