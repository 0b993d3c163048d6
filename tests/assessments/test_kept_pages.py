"""The assessment overview's content kept per person until anything it shows changes
(assessments/kept_pages.py, ADR 17). The oracle for every change: the page served afterwards is
the page drawn afresh with nothing kept. And nobody is ever served another person's content."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import kept_pages
from assessments.models import Answer, EvidenceItem, QuestionBank
from organisations.models import Membership, Organisation, OrganisationProfile
from organisations.roles import Role
from publishing.models import ActionPlanEntry, Publication

from ..factories import (
    OrganisationFactory,
    bank_build,
    bank_item_change,
    library_document_with_file,
    publication_build,
)

pytestmark = pytest.mark.django_db

YEAR = "2025-26"
OVERVIEW = reverse("assessment-overview", args=[YEAR])
# Made anew for each response, kept or not: the CSRF secret masked anew, the CSP nonce, the
# seconds the session has left.
PER_RESPONSE = re.compile(
    r'name="csrfmiddlewaretoken" value="[^"]+"|nonce="[^"]+"|data-seconds-left="\d+"'
)


def _page(client, path=OVERVIEW) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return PER_RESPONSE.sub("(per response)", response.content.decode())


@pytest.fixture
def looking(live_cache, client, member, assessment):
    """A member who has the overview open; their CSRF cookie is set by the first look."""
    client.force_login(member)
    _page(client)
    return client


def _fresh(client) -> str:
    kept_pages_cache().clear()
    return _page(client)


def kept_pages_cache():
    from django.core.cache import cache

    return cache


def _answer(client, ref="1.1.1", text="Our lead is Sam Patel"):
    response = client.post(
        reverse("evidence-item", args=[YEAR, ref]), {"version": 0, "comments": "", "text": text}
    )
    assert response.status_code == 302


def test_a_second_look_is_served_kept_without_reading_the_answers(looking, assessment):
    first = _page(looking)
    with CaptureQueriesContext(connection) as queries:
        second = _page(looking)
    assert second == first
    assert "Progress: 0 of" in second
    read = " ".join(q["sql"] for q in queries.captured_queries)
    # Only the fingerprint reads the answers' table, and none of the panels ran.
    assert read.count('"assessments_answer"') == 1
    assert '"evidence_librarydocument"' in read  # in the fingerprint
    assert "JSONB_BUILD_OBJECT" not in read  # the deadline notice's latest publications


def _tables_read(queries) -> set[str]:
    return {
        table for query in queries for table in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', query["sql"])
    }


def test_every_table_the_content_is_drawn_from_is_in_the_fingerprint(looking, assessment):
    """A panel that starts reading another table fails here until the fingerprint covers it."""
    kept_pages_cache().clear()
    with CaptureQueriesContext(connection) as queries:
        _page(looking)
    drawn = [q for q in queries.captured_queries if "md5(concat_ws" not in q["sql"]]
    covered = set(kept_pages._tables().values())
    # What every signed-in page reads before its view, and what the key holds whole.
    around = {
        "django_session",
        "organisations_user",
        "organisations_membership",
        "organisations_organisation",
    }
    assert _tables_read(drawn) - around <= covered, _tables_read(drawn) - around - covered
    # And the fingerprint's statement names every table it covers.
    (fingerprint,) = [q for q in queries.captured_queries if "md5(concat_ws" in q["sql"]]
    assert covered <= _tables_read([fingerprint])


def _save_answer(client, organisation, assessment, bank):
    _answer(client)


def _plan_entry(client, organisation, assessment, bank):
    ActionPlanEntry.objects.create(
        assessment=assessment,
        item=EvidenceItem.objects.get(bank=bank, ref="1.1.3"),
        action="Train the team",
        responsible_person="Sam Patel",
        target_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def _profile_changed(client, organisation, assessment, bank):
    OrganisationProfile.objects.filter(organisation=organisation).update(
        cyber_essentials_plus="yes",
        cyber_essentials_plus_certificate_number="CEP-1234",
        cyber_essentials_plus_expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


def _published(client, organisation, assessment, bank):
    publication_build(organisation, bank, level="approaching")


def _withdrawn(client, organisation, assessment, bank):
    publication = publication_build(organisation, bank, level="approaching")
    _page(client)
    Publication.objects.filter(pk=publication.pk).update(withdrawn_at=timezone.now())


def _covered_by_hq(client, organisation, assessment, bank):
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    publication_build(hq, bank, level="met", sites=[organisation])


def _library_review_passed(client, organisation, assessment, bank):
    library_document_with_file(
        organisation, review_date=timezone.localdate() - datetime.timedelta(days=1)
    )


def _deadline_moved(client, organisation, assessment, bank):
    QuestionBank.objects.filter(pk=bank.pk).update(
        publication_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )


def _item_reworded(client, organisation, assessment, bank):
    bank_item_change(bank, "1.1.1", text="Who leads on data security now?")


def _next_year_loaded(client, organisation, assessment, bank):
    bank_build(year="2026-27", items_per_section=4)


def _role_changed(client, organisation, assessment, bank):
    Membership.objects.filter(organisation=organisation, role=Role.MEMBER).update(role=Role.VIEWER)


def _renamed(client, organisation, assessment, bank):
    Organisation.objects.filter(pk=organisation.pk).update(name="Langdale Court")


@pytest.mark.parametrize(
    "change",
    [
        _save_answer,
        _plan_entry,
        _profile_changed,
        _published,
        _withdrawn,
        _covered_by_hq,
        _library_review_passed,
        _deadline_moved,
        _item_reworded,
        _next_year_loaded,
        _role_changed,
        _renamed,
    ],
)
def test_after_each_change_the_page_is_what_it_would_be_drawn_afresh(
    looking, organisation, assessment, bank, change
):
    before = _page(looking)
    assert _page(looking) == before  # kept
    today = timezone.localdate()
    fingerprint = kept_pages.fingerprint(assessment=assessment, today=today)
    change(looking, organisation, assessment, bank)
    # Another page shows (and so ends) any "saved" message, which is not the content's.
    looking.get(reverse("profile"))
    served = _page(looking)
    assert served == _fresh(looking)
    # Some of them change nothing this page shows (a certificate, when nothing asks for one yet):
    # what matters is that the page is never the one kept before.
    if change not in (_profile_changed, _withdrawn, _covered_by_hq):
        assert served != before
    if change not in (_role_changed, _renamed):  # those are in the key, not the fingerprint
        assert kept_pages.fingerprint(assessment=assessment, today=today) != fingerprint


def test_the_fingerprint_moves_with_each_write_in_the_same_transaction(assessment, member):
    """Rows written by one transaction (no savepoint between) share their `xmin`; where each
    version lies still moves."""
    item = EvidenceItem.objects.get(bank=assessment.bank, ref="1.1.1")
    answer = Answer.objects.create(
        assessment=assessment, item=item, text="First", version=1, updated_at=timezone.now()
    )
    today = timezone.localdate()
    seen = {kept_pages.fingerprint(assessment=assessment, today=today)}
    for text in ("Second", "Third", "First"):
        Answer.objects.filter(pk=answer.pk).update(text=text)
        seen.add(kept_pages.fingerprint(assessment=assessment, today=today))
    assert len(seen) == 4


def test_another_person_of_the_organisation_never_gets_what_was_kept_for_one(
    live_cache, member, viewer, assessment
):
    members, viewers = Client(), Client()
    members.force_login(member)
    viewers.force_login(viewer)
    for client in (members, viewers, members, viewers):
        client.get(OVERVIEW)
    assert "You can view this assessment but not change it" not in _page(members)
    assert "You can view this assessment but not change it" in _page(viewers)


def test_another_organisation_never_gets_what_was_kept_for_one(
    live_cache, member, outsider, assessment, other_organisation, bank
):
    from assessments import services

    services.assessment_get_or_create(organisation=other_organisation, bank=bank)
    ours, theirs = Client(), Client()
    ours.force_login(member)
    theirs.force_login(outsider)
    for client in (ours, theirs, ours, theirs):
        client.get(OVERVIEW)
    assert "Langdale House (VAB12)" in _page(ours)
    assert "Elsewhere Lodge (VZZ99)" in _page(theirs)
    assert "Langdale House" not in _page(theirs)


def test_the_kept_form_posts_after_signing_in_again(live_cache, member, assessment):
    """The content holds a form: its token is of the person's CSRF secret, made anew at each
    sign-in, so a page kept before cannot be served with a token the next session refuses."""
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):
        client.force_login(member)
        client.get(OVERVIEW)
        page = client.get(OVERVIEW).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = client.post(
            reverse("assessment-download", args=[YEAR]), {"csrfmiddlewaretoken": token}
        )
        assert response.status_code != 403
        client.logout()


def test_nothing_is_kept_without_prepared_statements(looking, assessment, monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    assert kept_pages.fingerprint(assessment=assessment, today=timezone.localdate()) is None
    before = _page(looking)
    _answer(looking)
    assert _page(looking) != before


def test_with_redis_away_the_page_is_drawn_every_time(dead_cache, client, member, assessment):
    client.force_login(member)
    before = _page(client)
    _answer(client)
    after = _page(client)
    assert "Progress: 1 of" in after
    assert after != before
