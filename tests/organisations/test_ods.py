import pytest
from django.core.exceptions import ValidationError

from organisations.ods import normalise_ods_code, validate_directory_code, validate_ods_code


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("vm8l1", "VM8L1"),
        ("  VM8L1  ", "VM8L1"),
        ("\tab12\n", "AB12"),
        (204, "204"),
        (None, ""),
    ],
)
def test_normalise(raw, normalised):
    assert normalise_ods_code(raw) == normalised


@pytest.mark.parametrize("code", ["VM8L1", "AB12", "R0A", "P87657", "8J031", "204", " vm8l1 "])
def test_valid_codes_pass(code):
    validate_ods_code(code)


@pytest.mark.parametrize(
    ("code", "error_code", "message"),
    [
        ("", "required", "Enter your organisation's ODS code"),
        ("   ", "required", "Enter your organisation's ODS code"),
        ("ABCDEFGHIJK", "too_long", "ODS code must be 10 characters or fewer"),
        ("V" * 300, "too_long", "ODS code must be 10 characters or fewer"),
        ("VM8-L1", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("VM8 L1", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("VM8L1;--", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("<script>", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("VÉ8L1", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("V\x00M8L1", "invalid", "ODS code must only include letters A to Z and numbers 0 to 9"),
        ("AB", "too_short", "ODS code must be at least 3 characters"),
    ],
)
def test_bad_codes_are_refused_with_a_clear_message(code, error_code, message):
    with pytest.raises(ValidationError) as caught:
        validate_ods_code(code)
    assert caught.value.code == error_code
    assert caught.value.messages == [message]


@pytest.mark.parametrize(
    "code", ["V10679-765139", "EE133904-ECC04", "8HL46-FOM-CSPRG", "DEMO DENTAL ACCOUNT 009"]
)
def test_directory_keeps_toolkit_sub_codes(code):
    validate_directory_code(code)


@pytest.mark.parametrize("code", ["", "-V123", "V1/2", "A" * 33])
def test_directory_refuses_codes_it_cannot_store(code):
    with pytest.raises(ValidationError):
        validate_directory_code(code)
