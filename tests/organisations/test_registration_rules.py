"""Who may register on their own: adult social care, decided by the directory's sector and code."""

import pytest

from organisations.rules import is_social_care_code, may_self_register


@pytest.mark.parametrize(
    ("sector", "code", "allowed"),
    [
        # Adult social care sectors with social care code shapes: register on their own.
        ("Social Care", "AB12", True),
        ("Social Care", "VM8L1", True),
        ("Care Home", "VM8L1", True),
        ("Care Home", "A1XD", True),
        ("Domiciliary Care Organisation", "APR6", True),
        ("Domiciliary Care Organisation", "V11855", False),  # six characters: not a site code
        ("Care Home", " vm8l1 ", True),  # typed codes are normalised
        # An adult social care sector with an unusual code: the helpdesk checks it.
        ("Care Home", "8J031", False),
        ("Care Home", "VM8L", False),
        ("Social Care", "AB123", False),
        ("Social Care", "V10679-765139", False),
        ("Social Care", "", False),
        # Everyone else goes to the helpdesk, whatever the code looks like.
        ("NHS Trust", "R0A", False),
        ("NHS Trust", "AB12", False),
        ("Acute", "RXX", False),
        ("GP", "P87657", False),
        ("GP", "A8765", False),
        ("Pharmacy", "FA123", False),
        ("Local Authority", "204", False),
        ("Local Authority", "V0001", False),
        ("Charity / Hospice", "V1234", False),
        ("Dentist (NHS)", "V12951", False),
        ("Company", "8J031", False),
        # The directory does not know the sector: a person decides.
        ("", "VM8L1", False),
        ("", "AB12", False),
        ("PROFILE NOT COMPLETE", "VM8L1", False),
        ("social care", "VM8L1", False),  # only the toolkit's exact values
    ],
)
def test_who_may_register_on_their_own(sector, code, allowed):
    assert may_self_register(primary_sector=sector, ods_code=code) is allowed


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AB12", True),
        ("A1XD", True),
        ("VM8L1", True),
        ("vab01", True),
        ("AB1", False),
        ("AB12X", False),
        ("VM8L", False),
        ("VM8L12", False),
        ("BM8L1", False),
        ("V-8L1", False),
        ("VÉ8L1", False),
        (None, False),
    ],
)
def test_social_care_code_shapes(code, expected):
    assert is_social_care_code(code) is expected
