"""ODS codes: normalising and validating them.

People registering type a real ODS code (3 to 10 letters and digits). The national directory also
holds the toolkit's own sub-codes (`V10679-765139`, up to 23 characters, with hyphens) and a few
test accounts whose code has spaces, so directory codes are checked more loosely.
"""

import re

from django.core.exceptions import ValidationError

ODS_CODE_MAX_LENGTH = 10
ODS_CODE_MIN_LENGTH = 3
DIRECTORY_CODE_MAX_LENGTH = 32

_ODS_CODE = re.compile(r"[A-Z0-9]+")
_DIRECTORY_CODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]*")


def normalise_ods_code(value: object) -> str:
    """Upper case with surrounding white space removed. None becomes an empty string."""
    if value is None:
        return ""
    return str(value).strip().upper()


def validate_ods_code(value: str) -> None:
    """The strict check for a code a person types, applied after normalising."""
    code = normalise_ods_code(value)
    if not code:
        raise ValidationError("Enter your organisation's ODS code", code="required")
    if len(code) > ODS_CODE_MAX_LENGTH:
        raise ValidationError(
            f"ODS code must be {ODS_CODE_MAX_LENGTH} characters or fewer", code="too_long"
        )
    if not _ODS_CODE.fullmatch(code):
        raise ValidationError(
            "ODS code must only include letters A to Z and numbers 0 to 9", code="invalid"
        )
    if len(code) < ODS_CODE_MIN_LENGTH:
        raise ValidationError(
            f"ODS code must be at least {ODS_CODE_MIN_LENGTH} characters", code="too_short"
        )


def validate_directory_code(value: str) -> None:
    """The looser check for codes in the national directory (sub-codes and test accounts)."""
    code = normalise_ods_code(value)
    if not code:
        raise ValidationError("The organisation code is empty", code="required")
    if len(code) > DIRECTORY_CODE_MAX_LENGTH:
        raise ValidationError(
            f"The organisation code is longer than {DIRECTORY_CODE_MAX_LENGTH} characters",
            code="too_long",
        )
    if not _DIRECTORY_CODE.fullmatch(code):
        raise ValidationError(
            "The organisation code may only hold letters, numbers, spaces and hyphens",
            code="invalid",
        )
