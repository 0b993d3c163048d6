"""The answers and profile as published: one writer, one reader, every stored version readable."""

import datetime
from decimal import Decimal

import pytest

from assessments.rules import AnswerValues, Item, ItemStatus, MeetsWhen
from publishing.snapshot import (
    ANSWERS_VERSION,
    AnswersSnapshot,
    PublishedAnswer,
    PublishedProfile,
    SnapshotError,
    published_answer,
    published_answers,
)

SAVED = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
TRAINED = Item(
    "3.2.1",
    "met",
    "number",
    section="Staff training",
    meets_when=MeetsWhen(at_least=Decimal(95)),
)
POLICY = Item("1.1.1", "approaching", "yes_no_text", section="Policies")


def _answer(item, values, *, met=True, applies=True, **extra):
    status = ItemStatus(
        item.ref, applies=applies, answered=values is not None, needs_review=False, met=met
    )
    return published_answer(
        item=item, question=f"Question {item.ref}", values=values, status=status, **extra
    )


def test_round_trip_keeps_every_field():
    answers = published_answers(
        [
            _answer(
                POLICY,
                AnswerValues(choice="yes", text="On the wall"),
                saved_by="Ann",
                saved_at=SAVED,
            ),
            _answer(
                TRAINED, AnswerValues(number=Decimal("94.5")), met=False, comments="Two on leave"
            ),
            _answer(
                Item("9.9.9", "optional", "document", section="Policies"),
                None,
                met=False,
                applies=False,
            ),
        ]
    )
    stored = answers.to_json()
    assert stored["version"] == ANSWERS_VERSION
    assert AnswersSnapshot.from_json(stored) == answers
    read = AnswersSnapshot.from_json(stored).answers
    assert read[0].answer == "Yes\nOn the wall"
    assert read[0].saved_at == SAVED
    assert read[1].answer == "94.5"
    assert (read[1].answered, read[1].met) == (True, False)
    assert (read[2].applies, read[2].answer) == (False, "")


def test_sections_keep_the_published_order():
    answers = published_answers(
        [
            _answer(POLICY, None, met=False),
            _answer(TRAINED, None, met=False),
            _answer(POLICY, None, met=False),
        ]
    )
    assert [section for section, _ in answers.by_section()] == ["Policies", "Staff training"]
    assert [len(entries) for _, entries in answers.by_section()] == [2, 1]


def test_version_one_lists_are_still_read():
    stored = [
        {
            "ref": "1.1.1",
            "section": "Policies",
            "text": "Question",
            "level": "approaching",
            "answer_type": "text",
            "applies": True,
            "answered": True,
            "answer": "We do this",
            "saved_at": "2025-06-01T10:00:00+00:00",
        },
        # The oldest entries had no "met": answered then meant met.
        {"ref": "1.1.2", "section": "Policies", "answered": True, "applies": False},
    ]
    first, second = AnswersSnapshot.from_json(stored).answers
    assert first == PublishedAnswer(
        ref="1.1.1",
        section="Policies",
        text="Question",
        level="approaching",
        answer_type="text",
        applies=True,
        answered=True,
        met=True,
        answer="We do this",
        saved_at=datetime.datetime(2025, 6, 1, 10, tzinfo=datetime.UTC),
    )
    assert (second.applies, second.met, second.saved_at) == (False, True, None)


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ({"version": 99, "answers": []}, "Not an answers snapshot"),
        ({"answers": []}, "Not an answers snapshot"),
        ("1.1.1", "Not an answers snapshot"),
        ({"version": ANSWERS_VERSION, "answers": {"ref": "1.1.1"}}, "without a list"),
        ([{"section": "Policies"}], "without a ref"),
        ([{"ref": "1.1.1", "saved_at": "last Tuesday"}], "saved_at is not a date"),
    ],
)
def test_damaged_snapshots_are_refused(stored, message):
    with pytest.raises(SnapshotError, match=message):
        AnswersSnapshot.from_json(stored)


def test_profile_round_trip_and_refusals():
    profile = PublishedProfile(
        caldicott_guardian="Gita Guardian",
        cyber_essentials_plus="yes",
        cyber_essentials_plus_expires_on=datetime.date(2027, 3, 31),
        primary_sector="Social Care",
    )
    stored = profile.to_json()
    assert stored["cyber_essentials_plus_expires_on"] == "2027-03-31"
    assert PublishedProfile.from_json(stored) == profile
    # Profiles published before the version key existed read as version 1.
    assert PublishedProfile.from_json({"caldicott_guardian": "Old"}).caldicott_guardian == "Old"
    with pytest.raises(SnapshotError, match="version"):
        PublishedProfile.from_json({"version": 7})
    with pytest.raises(SnapshotError):
        PublishedProfile.from_json(["not", "a", "profile"])


def test_version_2_records_read_without_the_document_version_and_checksum():
    entry = {"ref": "2.1.1", "section": "Policies", "answered": True, "document": "IG policy.pdf"}
    (answer,) = AnswersSnapshot.from_json({"version": 2, "answers": [entry]}).answers
    assert (answer.document, answer.document_version, answer.document_sha256) == (
        "IG policy.pdf",
        0,
        "",
    )


def test_the_published_document_version_and_checksum_are_kept():
    entry = {"ref": "2.1.1", "document": "IG policy.pdf"}
    stored = {"version": 3, "answers": [entry | {"document_version": 2, "document_sha256": "ab"}]}
    (answer,) = AnswersSnapshot.from_json(stored).answers
    assert (answer.document_version, answer.document_sha256) == (2, "ab")
    again = AnswersSnapshot.from_json(AnswersSnapshot(answers=(answer,)).to_json()).answers
    assert again == (answer,)
    with pytest.raises(SnapshotError, match="document_version is not a whole number"):
        AnswersSnapshot.from_json({"version": 3, "answers": [entry | {"document_version": "2"}]})
