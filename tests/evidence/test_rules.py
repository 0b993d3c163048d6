"""The evidence library's rules as tables: due for review, the storage allowance, titles from
file names, and when a document may be deleted."""

import datetime

import pytest

from evidence import rules

DAY = datetime.date(2026, 5, 1)


@pytest.mark.parametrize(
    ("review_date", "state"),
    [
        (None, None),
        (DAY - datetime.timedelta(days=400), rules.OVERDUE),
        (DAY - datetime.timedelta(days=1), rules.OVERDUE),
        (DAY, rules.DUE_SOON),  # the review date itself is not yet overdue
        (DAY + datetime.timedelta(days=1), rules.DUE_SOON),
        (DAY + datetime.timedelta(days=30), rules.DUE_SOON),
        (DAY + datetime.timedelta(days=31), None),
        (DAY + datetime.timedelta(days=365), None),
    ],
)
def test_due_for_review_as_at_a_day(review_date, state):
    assert rules.review_state(review_date, on=DAY) == state
    assert rules.is_overdue(review_date, on=DAY) is (state == rules.OVERDUE)


MB = 1024 * 1024


@pytest.mark.parametrize(
    ("used", "adding", "quota", "fits"),
    [
        (0, 10 * MB, 500 * MB, True),
        (490 * MB, 10 * MB, 500 * MB, True),  # exactly full
        (490 * MB, 10 * MB + 1, 500 * MB, False),  # one byte over
        (500 * MB, 1, 500 * MB, False),
        (0, 1, 0, False),
        (0, 0, 0, True),
    ],
)
def test_the_storage_allowance(used, adding, quota, fits):
    assert rules.fits_quota(used=used, adding=adding, quota=quota) is fits


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1023 bytes"),
        (1024, "1 KB"),
        (1536, "1.5 KB"),
        (500 * MB, "500 MB"),
        (int(499.96 * MB), "500 MB"),
        (3 * 1024 * MB, "3 GB"),
    ],
)
def test_sizes_as_people_read_them(size, text):
    assert rules.size_text(size) == text


def test_the_quota_message_says_what_to_do():
    assert rules.quota_message(used=490 * MB, quota=500 * MB) == (
        "Your organisation has used 490 MB of its 500 MB storage. Remove old versions or "
        "documents you no longer need, or contact the helpdesk."
    )


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Data protection policy.docx", "Data protection policy"),
        ("policy.v2.pdf", "policy.v2"),
        ("README", "README"),
        (".pdf", ".pdf"),
        ("x" * 300 + ".pdf", "x" * 200),
    ],
)
def test_titles_from_file_names(name, title):
    assert rules.title_from_file_name(name) == title


@pytest.mark.parametrize(
    ("published", "used_for", "kind"),
    [
        (set(), [], None),
        ({"2025-26"}, [], "published"),
        ({"2025-26"}, ["1.1.1 (2025-26)"], "published"),  # published wins: it never goes
        (set(), ["1.1.1 (2025-26)", "2.1.1 (2024-25)"], "in_use"),
    ],
)
def test_when_a_document_may_be_deleted(published, used_for, kind):
    refusal = rules.delete_refusal(title="IG policy", published_years=published, used_for=used_for)
    assert (refusal.kind if refusal else None) == kind
    if kind == "in_use":
        assert refusal.message == (
            "You cannot delete IG policy while it is used for 1.1.1 (2025-26), 2.1.1 (2024-25). "
            "Remove it from those items first."
        )
    if kind == "published":
        assert "published assessment (2025-26)" in refusal.message
