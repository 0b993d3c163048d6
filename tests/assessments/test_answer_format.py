"""Answer formats the bank names (`answer_format`): plain functions, tested as a table."""

import pytest

from assessments.rules import (
    ICO_EXEMPT_REASON_MESSAGE,
    ICO_FORMAT_MESSAGE,
    ICO_REGISTRATION_NUMBER,
    check_answer_format,
)


@pytest.mark.parametrize(
    ("typed", "stored", "error"),
    [
        ("ZA046070", "ZA046070", ""),  # valid
        ("za046070", "ZA046070", ""),  # lower case
        ("  ZA 046 070 ", "ZA046070", ""),  # spaces
        ("zb\t512347", "ZB512347", ""),
        ("Z1234567", "Z1234567", ""),  # an older registration: Z then seven digits
        ("ZA04607", "", ICO_FORMAT_MESSAGE),  # too short
        ("ZA0460701", "", ICO_FORMAT_MESSAGE),  # too long
        ("ZAB46070", "", ICO_FORMAT_MESSAGE),  # three letters
        ("A1234567", "", ICO_FORMAT_MESSAGE),  # one letter, not Z
        ("ZAZAZAZA", "", ICO_FORMAT_MESSAGE),  # letters only
        ("12345678", "", ICO_FORMAT_MESSAGE),  # digits only
        ("hello world", "", ICO_FORMAT_MESSAGE),
        ("exemption", "", ICO_FORMAT_MESSAGE),  # not the word exempt
        ("exempt", "", ICO_EXEMPT_REASON_MESSAGE),  # exempt without a reason
        ("Exempt - ", "", ICO_EXEMPT_REASON_MESSAGE),
        ("EXEMPT: 1", "", ICO_EXEMPT_REASON_MESSAGE),
        (
            "Exempt – we are a small charity that only keeps members' details",
            "Exempt: we are a small charity that only keeps members' details",
            "",
        ),  # exempt with a reason
        ("exempt because  no\nstaff records", "Exempt: because no staff records", ""),
        ("Exempt: already stored", "Exempt: already stored", ""),  # saving again changes nothing
        ("   ", "", ""),  # empty: the form's own "required" message says what to do
    ],
)
def test_ico_registration_number(typed, stored, error):
    checked = check_answer_format(ICO_REGISTRATION_NUMBER, typed)
    assert (checked.value, checked.error) == (stored, error)
    assert checked.ok is (not error)


def test_an_unknown_format_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown answer format 'postcode'"):
        check_answer_format("postcode", "LS1 4AP")
