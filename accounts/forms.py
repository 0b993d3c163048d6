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
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )


# Django's password checks (settings.AUTH_PASSWORD_VALIDATORS) in the portal's words, by their
# error codes; a check without an entry here keeps Django's own message.
PASSWORD_PROBLEMS = {
    "password_too_short": "Your password must be at least 10 characters long",
    "password_too_similar": "Your password is too like your name or email address",
    "password_too_common": "That password is too common: choose one that is harder to guess",
    "password_entirely_numeric": "Your password cannot be only numbers",
}


class ResetPasswordForm(SetPasswordForm):
    """The new password, with plain labels and messages instead of Django's defaults."""

    new_password1 = forms.CharField(
        label="Create a new password",
        strip=False,
        error_messages={"required": "Create a new password"},
        help_text="Use at least 10 characters. Avoid common passwords and your name.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label="Confirm your new password",
        strip=False,
        error_messages={"required": "Confirm your new password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    error_messages = {"password_mismatch": "The passwords do not match"}

    def clean(self):
        cleaned = super().clean()
        errors = self.errors.get("new_password2")
        if errors:
            # Django reports its password checks on the confirmation; say them on the new
            # password, where the person has to change something.
            problems = errors.as_data()
            del self.errors["new_password2"]
            for problem in problems:
                if problem.code == "password_mismatch":
                    self.add_error("new_password2", problem.message)
                else:
                    message = PASSWORD_PROBLEMS.get(problem.code)
                    self.add_error("new_password1", message or problem)
        return cleaned


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
