"""The deadline reminder mentions the organisation's library documents past their review date,
and only that organisation's."""

import datetime
from urllib.parse import unquote

import pytest
from django.core import mail

from organisations.roles import Role
from publishing.reminders import reminders_send

from ..factories import MembershipFactory, bank_build, library_document_with_file

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2026, 6, 30)
THIRTY_DAYS_BEFORE = DEADLINE - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_deadline_reminder_lists_documents_past_review(organisation, other_organisation):
    bank_build(year="2025-26", items_per_section=1)
    for each in (organisation, other_organisation):
        MembershipFactory(organisation=each, role=Role.ADMINISTRATOR)
    past = THIRTY_DAYS_BEFORE - datetime.timedelta(days=1)
    library_document_with_file(organisation, title="Old", review_date=past)
    library_document_with_file(organisation, title="Older", review_date=past)
    library_document_with_file(organisation, title="Due today", review_date=THIRTY_DAYS_BEFORE)
    library_document_with_file(other_organisation, title="Fine", review_date=None)

    report = reminders_send(today=THIRTY_DAYS_BEFORE)
    assert report.emails_sent == 2
    by_recipient = {message.to[0]: message.body for message in mail.outbox}
    ours = next(body for to, body in by_recipient.items() if "Langdale" in body)
    theirs = next(body for to, body in by_recipient.items() if "Elsewhere" in body)
    assert "2 documents in your evidence library are past their review date" in ours
    assert "next=/evidence/library/?show=review" in unquote(ours)
    assert "evidence library" not in theirs
