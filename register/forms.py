from django import forms

from organisations.directory import CodeRejected, code_from_cell
from organisations.ods import DIRECTORY_CODE_MAX_LENGTH

from .bulk_input import (
    BULK_FILE_MAX_BYTES,
    BULK_ROW_LIMIT,
    BulkInputError,
    bulk_codes_from_file,
    bulk_codes_from_text,
)
from .certificate_codes import normalise_code
from .search import SEARCH_MAX_LENGTH, normalise_query

# Directory codes hold letters, digits, spaces and hyphens: never a comma.
CODES_SEPARATOR = ","
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


class BulkCheckForm(forms.Form):
    """A list of ODS codes to check at once (POST): pasted, or a CSV or XLSX file."""

    codes = forms.CharField(
        label="Paste ODS codes",
        help_text="One a line, or separated by commas or spaces. You can paste a column from a "
        "spreadsheet.",
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 8, "autocomplete": "off", "spellcheck": "false"},
        ),
    )
    file = forms.FileField(
        label="Or upload a file (CSV or Excel .xlsx)",
        help_text=f"Up to {BULK_ROW_LIMIT:,} codes, in the first column or a column headed "
        "Code or ODS code.",
        required=False,
        error_messages={"empty": "The selected file is empty", "invalid": "Select a file"},
    )

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("codes") or ""
        upload = cleaned.get("file")
        if self.errors:
            return cleaned
        if text.strip() and upload:
            raise forms.ValidationError("Paste the codes or upload a file, not both", code="both")
        try:
            if upload:
                if upload.size > BULK_FILE_MAX_BYTES:
                    raise BulkInputError(
                        f"The file must be smaller than {BULK_FILE_MAX_BYTES // (1024 * 1024)} MB"
                    )
                parsed = bulk_codes_from_file(upload.read())
                field = "file"
            elif text.strip():
                parsed = bulk_codes_from_text(text)
                field = "codes"
            else:
                self.add_error("codes", "Paste at least one ODS code, or upload a file")
                return cleaned
        except BulkInputError as error:
            self.add_error("file" if upload else "codes", error.message)
            return cleaned
        if not parsed.codes:
            self.add_error(field, "We could not find any ODS codes in the list")
        cleaned["parsed"] = parsed
        return cleaned


class BulkDownloadForm(forms.Form):
    """The codes already checked, sent back for the download (no list kept on the server)."""

    codes = forms.CharField(max_length=BULK_ROW_LIMIT * (DIRECTORY_CODE_MAX_LENGTH + 1))
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])

    def clean_codes(self) -> list[str]:
        values = [value for value in self.cleaned_data["codes"].split(CODES_SEPARATOR) if value]
        if not values or len(values) > BULK_ROW_LIMIT:
            raise forms.ValidationError("Check your list again, then download the result")
        codes = []
        for value in values:
            try:
                codes.append(code_from_cell(value))
            except CodeRejected:
                raise forms.ValidationError(
                    "Check your list again, then download the result"
                ) from None
        return list(dict.fromkeys(codes))
