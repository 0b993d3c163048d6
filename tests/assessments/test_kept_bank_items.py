"""A process keeps a bank's items (assessments.selectors.bank_items): read once, handed out as
copies, and read again as soon as the bank changes, whichever process changed it."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import selectors
from assessments.models import EvidenceItem, QuestionBank

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BANK_2025_26 = FIXTURES / "question-bank-2025-26.yaml"

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    call_command("load_question_bank", str(BANK_2025_26), stdout=io.StringIO())
    return QuestionBank.objects.get(year="2025-26")


def fresh(bank: QuestionBank) -> QuestionBank:
    """The bank as the next request reads it."""
    return QuestionBank.objects.get(pk=bank.pk)


def by_ref(items: list[EvidenceItem]) -> dict[str, EvidenceItem]:
    return {item.ref: item for item in items}


def test_items_are_read_once_and_the_same_as_the_database(bank):
    first = selectors.bank_items(bank=bank)
    again = fresh(bank)
    with CaptureQueriesContext(connection) as queries:
        second = selectors.bank_items(bank=again)
        # Sections and the items depended on come with them.
        for item in second:
            assert item.section.title
            if item.depends_on_id:
                assert item.depends_on.ref
    assert len(queries) == 0
    expected = list(
        EvidenceItem.objects.filter(bank=bank).order_by("section__position", "position")
    )
    assert [item.pk for item in second] == [item.pk for item in expected]
    assert [item.text for item in second] == [item.text for item in expected]
    assert [item.pk for item in first] == [item.pk for item in second]


def test_each_call_gets_its_own_copies(bank):
    first = selectors.bank_items(bank=bank)
    item = by_ref(first)["1.1.1"]
    item.text = "Changed by one page only"
    item.something_a_page_set = True
    second = by_ref(selectors.bank_items(bank=bank))["1.1.1"]
    assert second is not item
    assert second.text != "Changed by one page only"
    assert not hasattr(second, "something_a_page_set")
    # An item depended on is linked to the copy in the same list, not to another call's.
    dependants = [i for i in selectors.bank_items(bank=bank) if i.depends_on_id]
    assert dependants
    latest = by_ref(selectors.bank_items(bank=bank))
    for dependant in dependants:
        assert dependant.depends_on is not latest[dependant.depends_on.ref]


def test_another_process_reloading_the_bank_is_seen(bank):
    """The loader's bulk writes send no signals; what another process sees is the bank's
    `loaded_at` moving with them."""
    before = by_ref(selectors.bank_items(bank=bank))["1.1.1"].text
    EvidenceItem.objects.filter(bank=bank, ref="1.1.1").update(text="Reworded this year")
    QuestionBank.objects.filter(pk=bank.pk).update(
        loaded_at=bank.loaded_at + datetime.timedelta(seconds=1)
    )
    after = by_ref(selectors.bank_items(bank=fresh(bank)))["1.1.1"].text
    assert before != "Reworded this year"
    assert after == "Reworded this year"


def test_the_loader_reloading_the_bank_is_seen(bank, tmp_path):
    selectors.bank_items(bank=bank)
    document = yaml.safe_load(BANK_2025_26.read_text())
    item = next(i for s in document["sections"] for i in s["items"] if i["ref"] == "1.1.5")
    item["text"] = "Who is accountable for data security?"
    edited = tmp_path / BANK_2025_26.name
    edited.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    call_command("load_question_bank", str(edited), stdout=io.StringIO())
    items = by_ref(selectors.bank_items(bank=fresh(bank)))
    assert items["1.1.5"].text == "Who is accountable for data security?"


def test_an_item_saved_through_the_orm_is_seen(bank):
    selectors.bank_items(bank=bank)
    item = EvidenceItem.objects.get(bank=bank, ref="1.1.1")
    item.guidance = "New guidance"
    item.save()
    assert by_ref(selectors.bank_items(bank=bank))["1.1.1"].guidance == "New guidance"
