from django import forms

from .certificate_codes import normalise_code
from .search import SEARCH_MAX_LENGTH, normalise_query

QUERY_TOO_LONG = f"Search must be {SEARCH_MAX_LENGTH} characters or fewer"
CODE_WRONG_SHAPE = (
    "Enter the verification code as it is on the certificate: 20 letters and numbers, "
    "like ABCDE-FGHJK-MNPQR-STVWX"
)


class SearchQueryField(forms.CharField):
    def to_python(self, value):
        # Control characters go before the length and NUL checks: a pasted tab or NUL should not
        # turn a reasonable search into an error.
        return normalise_query(super().to_python(value))


class SearchForm(forms.Form):
    """The public organisation search (GET). An empty search is valid: it shows the form only."""

    q = SearchQueryField(
        label="Organisation name or ODS code",
        help_text="For example, Langdale House or VM8L1",
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        error_messages={"max_length": QUERY_TOO_LONG},
    )


class CertificateCodeField(forms.CharField):
    def to_python(self, value):
        # Pasted codes come with tabs, line breaks and stray spaces: none of them is an error.
        return " ".join(super().to_python(value).split())


class VerifyForm(forms.Form):
    """The certificate code as a person types it (GET): lower case, spaces and dashes are fine."""

    code = CertificateCodeField(
        label="Verification code",
        help_text="It is at the bottom of the certificate, next to the QR code. "
        "For example, ABCDE-FGHJK-MNPQR-STVWX",
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "class": "nhsuk-input--width-20",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
        error_messages={
            "required": "Enter the verification code from the certificate",
            "max_length": CODE_WRONG_SHAPE,
        },
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(CODE_WRONG_SHAPE)
        return code
