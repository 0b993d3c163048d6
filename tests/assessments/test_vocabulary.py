"""The toolkit's vocabulary as tables: levels, status texts, years and dates."""

import datetime

import pytest

from assessments.vocabulary import (
    CERTIFICATE_LEVELS,
    LEVEL_LABELS,
    LEVELS,
    earns_certificate,
    format_date,
    item_level_label,
    level_label,
    short_year,
    status_text,
)
from dspt_portal.spreadsheet import safe_cell

D = datetime.date


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (D(2026, 3, 1), "1 March 2026"),
        (D(2025, 5, 10), "10 May 2025"),
        (D(2025, 12, 31), "31 December 2025"),
    ],
)
def test_format_date(day, text):
    assert format_date(day) == text


@pytest.mark.parametrize(
    ("year", "level", "text"),
    [
        ("2025-26", "met", "25/26 Standards Met"),
        ("2024-25", "approaching", "24/25 Approaching Standards"),
        ("2019-20", "exceeded", "19/20 Standards Exceeded"),
        ("2099-2100", "met", "99/00 Standards Met"),
        (" 2025-26 ", "met", "25/26 Standards Met"),
    ],
)
def test_status_text(year, level, text):
    assert status_text(year, level) == text


@pytest.mark.parametrize(
    ("year", "level"), [("2025", "met"), ("25/26", "met"), ("2025-26", "gold")]
)
def test_status_text_rejects_bad_input(year, level):
    with pytest.raises(ValueError, match=r"Not a DSPT year|Unknown publication level"):
        status_text(year, level)


def test_short_year():
    assert short_year("2024-25") == "24/25"


def test_levels_in_order_with_labels():
    assert LEVELS == ("approaching", "met", "exceeded")
    assert [LEVEL_LABELS[level] for level in LEVELS] == [
        "Approaching Standards",
        "Standards Met",
        "Standards Exceeded",
    ]


@pytest.mark.parametrize(
    ("level", "earns"), [("approaching", False), ("met", True), ("exceeded", True)]
)
def test_which_levels_earn_a_certificate(level, earns):
    assert earns_certificate(level) is earns
    assert (level in CERTIFICATE_LEVELS) is earns


def test_unknown_levels_are_refused():
    with pytest.raises(ValueError, match="gold"):
        level_label("gold")
    with pytest.raises(ValueError, match="exceeded"):
        item_level_label("exceeded")  # items count towards Approaching, Met or are optional
    assert item_level_label("optional") == "Non-mandatory"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+44 20", "'+44 20"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Sunny Care", "Sunny Care"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell
