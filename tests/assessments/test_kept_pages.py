"""The assessment overview's and evidence items' content kept per person until anything it shows
changes (assessments/kept_pages.py, ADR 17). The oracle for every change: the page served
afterwards is the page drawn afresh with nothing kept. And nobody is ever served another person's
content."""

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import kept_pages, services
from assessments.models import Answer, EvidenceItem, QuestionBank
from evidence.services import library_version_add
from organisations.models import Membership, Organisation, OrganisationProfile
from organisations.roles import Role
from publishing.models import ActionPlanEntry, Publication

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    answer_items,
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


# What every signed-in page reads before its view: the session, the person with their
# memberships (or the person, then their membership).
AROUND = re.compile(
    r'SELECT "session_data"|SELECT "organisations_user"\."id" AS "id".* FROM "organisations_user"'
    r'( LEFT OUTER JOIN "organisations_membership" usable .*)?'
    r' WHERE "organisations_user"\."id" = \d+( ORDER BY [^()]*)?$'
    r'|SELECT "organisations_membership"\."id" AS "id"',
    re.DOTALL,
)


def _drawn_tables(client, path) -> set[str]:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        _page(client, path)
    drawn = [
        q
        for q in queries.captured_queries
        if not AROUND.match(q["sql"]) and "md5(concat_ws" not in q["sql"]
    ]
    (fingerprint,) = [q for q in queries.captured_queries if "md5(concat_ws" in q["sql"]]
    return _tables_read(drawn), _tables_read([fingerprint])


def test_every_table_the_overview_is_drawn_from_is_in_its_fingerprint(looking, assessment):
    """A panel that starts reading another table fails here until the fingerprint covers it."""
    drawn, fingerprinted = _drawn_tables(looking, OVERVIEW)
    covered = kept_pages.page_tables(kept_pages.OVERVIEW)
    assert drawn <= covered, drawn - covered
    assert covered <= fingerprinted


def test_every_table_each_kept_item_is_drawn_from_is_in_its_fingerprint(
    looking, organisation, assessment, member
):
    answer_items(assessment, member, levels=("approaching", "met", "optional"))
    document = library_document_with_file(organisation, user=member)
    Answer.objects.filter(assessment=assessment, item__answer_type="document").update(
        library_document=document
    )
    covered = kept_pages.page_tables(kept_pages.ITEM)
    refs = [
        ref
        for ref in assessment.bank.items.values_list("ref", flat=True)
        if kept_pages.item_is_kept(ref)
    ]
    assert len(refs) > 10
    for ref in refs:
        drawn, fingerprinted = _drawn_tables(looking, reverse("evidence-item", args=[YEAR, ref]))
        assert drawn <= covered, (ref, drawn - covered)
    assert covered <= fingerprinted


@pytest.mark.parametrize("ref", ["3.1.1", "3.2.1", "5.1.1", "6.1.1"])
def test_items_with_another_apps_panel_are_drawn_every_time(live_cache, client, member, ref):
    """The training register's and the incident log's panels read their own tables."""
    bank = bank_build(items_per_section=4)
    for old, new in (("1.1.4", "5.1.1"), ("2.1.4", "6.1.1"), ("3.1.4", "3.2.1")):
        bank_item_change(bank, old, ref=new)  # a bank with those items
    client.force_login(member)
    client.post(reverse("assessment-start", args=[YEAR]))
    assert not kept_pages.item_is_kept(ref)
    path = reverse("evidence-item", args=[YEAR, ref])
    _page(client, path)
    with CaptureQueriesContext(connection) as queries:
        _page(client, path)
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "md5(concat_ws" not in sql
    assert '"assessments_answer"' in sql  # the page was drawn


@dataclass
class Scene:
    """What a change is made in: the person looking at `path`, their organisation and its
    assessment of `bank`."""

    client: Client
    path: str
    organisation: Organisation
    assessment: object
    bank: QuestionBank
    member: object

    def look(self) -> str:
        return _page(self.client, self.path)


def _save_answer(scene):
    _answer(scene.client)


def _plan_entry(scene):
    ActionPlanEntry.objects.create(
        assessment=scene.assessment,
        item=EvidenceItem.objects.get(bank=scene.bank, ref="1.1.3"),
        action="Train the team",
        responsible_person="Sam Patel",
        target_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def _profile_changed(scene):
    OrganisationProfile.objects.filter(organisation=scene.organisation).update(
        cyber_essentials_plus="yes",
        cyber_essentials_plus_certificate_number="CEP-1234",
        cyber_essentials_plus_expires_on=timezone.localdate() + datetime.timedelta(days=90),
    )


def _published(scene):
    publication_build(scene.organisation, scene.bank, level="approaching")


def _withdrawn(scene):
    publication = publication_build(scene.organisation, scene.bank, level="approaching")
    scene.look()
    Publication.objects.filter(pk=publication.pk).update(withdrawn_at=timezone.now())


def _covered_by_hq(scene):
    hq = OrganisationFactory(kind=Organisation.Kind.HEADQUARTERS)
    publication_build(hq, scene.bank, level="met", sites=[scene.organisation])


def _library_review_passed(scene):
    library_document_with_file(
        scene.organisation, review_date=timezone.localdate() - datetime.timedelta(days=1)
    )


def _deadline_moved(scene):
    QuestionBank.objects.filter(pk=scene.bank.pk).update(
        publication_deadline=timezone.localdate() - datetime.timedelta(days=1)
    )


def _item_reworded(scene):
    bank_item_change(scene.bank, "1.1.1", text="Who leads on data security now?")


def _next_year_loaded(scene):
    bank_build(year="2026-27", items_per_section=4)


def _role_changed(scene):
    Membership.objects.filter(organisation=scene.organisation, role=Role.MEMBER).update(
        role=Role.VIEWER
    )


def _renamed(scene):
    Organisation.objects.filter(pk=scene.organisation.pk).update(name="Langdale Court")


def _library_document_added(scene):
    library_document_with_file(scene.organisation, title="Business continuity plan")


def _library_document_retitled(scene):
    document = library_document_with_file(scene.organisation, title="Business continuity plan")
    Answer.objects.filter(assessment=scene.assessment, item__ref="2.1.1").update(
        library_document=document
    )
    scene.look()
    library_version_add(
        document=document, content=b"%PDF-1.4\n2", user=scene.member, file_name="plan-v2.pdf"
    )


def _saver_renamed(scene):
    colleague = MembershipFactory(
        organisation=scene.organisation, role=Role.MEMBER, user__full_name="Sam Patel"
    ).user
    for ref, values in (
        ("1.1.1", {"text": "Sam leads"}),
        ("2.1.1", {"document_location": "Office"}),
    ):
        services.answer_save(
            assessment=scene.assessment,
            item=EvidenceItem.objects.get(bank=scene.bank, ref=ref),
            values={**values, "comments": ""},
            expected_version=0,
            user=colleague,
        )
    assert "Sam Patel" in scene.look()
    type(colleague).objects.filter(pk=colleague.pk).update(full_name="Samira Patel")


OVERVIEW_CHANGES = [
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
]
ITEM_CHANGES = [
    _save_answer,
    _item_reworded,
    _role_changed,
    _renamed,
    _library_document_added,
    _library_document_retitled,
    _saver_renamed,
]
# Changes this page does not show in the small bank (a certificate, when nothing asks for one
# yet): what matters is that the page served is never the one kept before.
ITEM_TEXT = reverse("evidence-item", args=[YEAR, "1.1.1"])
ITEM_DOCUMENT = reverse("evidence-item", args=[YEAR, "2.1.1"])
NOT_SHOWN = {
    (OVERVIEW, _profile_changed),
    (OVERVIEW, _withdrawn),
    (OVERVIEW, _covered_by_hq),
    # A text item lists no library; a document item shows neither 1.1.1's answer nor its words.
    (ITEM_TEXT, _library_document_added),
    (ITEM_TEXT, _library_document_retitled),
    (ITEM_DOCUMENT, _save_answer),
    (ITEM_DOCUMENT, _item_reworded),
}


@pytest.mark.parametrize(
    ("path", "change"),
    [(OVERVIEW, change) for change in OVERVIEW_CHANGES]
    + [(path, change) for path in (ITEM_TEXT, ITEM_DOCUMENT) for change in ITEM_CHANGES],
)
def test_after_each_change_the_page_is_what_it_would_be_drawn_afresh(
    looking, organisation, assessment, bank, member, path, change
):
    scene = Scene(looking, path, organisation, assessment, bank, member)
    page = kept_pages.OVERVIEW if path == OVERVIEW else kept_pages.ITEM
    before = scene.look()
    assert scene.look() == before  # kept
    today = timezone.localdate()
    fingerprint = kept_pages.fingerprint(page=page, assessment=assessment, today=today)
    change(scene)
    # Another page shows (and so ends) any "saved" message, which is not the content's.
    looking.get(reverse("profile"))
    served = scene.look()
    cache.clear()
    assert served == scene.look()
    if (path, change) not in NOT_SHOWN:
        assert served != before
    if change not in (_role_changed, _renamed):  # those are in the key, not the fingerprint
        assert kept_pages.fingerprint(page=page, assessment=assessment, today=today) != fingerprint


def test_the_fingerprint_moves_with_each_write_in_the_same_transaction(assessment, member):
    """Rows written by one transaction (no savepoint between) share their `xmin`; where each
    version lies still moves."""
    item = EvidenceItem.objects.get(bank=assessment.bank, ref="1.1.1")
    answer = Answer.objects.create(
        assessment=assessment, item=item, text="First", version=1, updated_at=timezone.now()
    )
    today = timezone.localdate()
    seen = {kept_pages.fingerprint(page=kept_pages.OVERVIEW, assessment=assessment, today=today)}
    for text in ("Second", "Third", "First"):
        Answer.objects.filter(pk=answer.pk).update(text=text)
        seen.add(
            kept_pages.fingerprint(page=kept_pages.OVERVIEW, assessment=assessment, today=today)
        )
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
    assert (
        kept_pages.fingerprint(
            page=kept_pages.OVERVIEW, assessment=assessment, today=timezone.localdate()
        )
        is None
    )
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


def test_nothing_is_kept_for_a_person_without_a_csrf_secret_yet(rf, member, assessment):
    """Their next response sets a new secret: a kept form's token would not match it."""
    membership = Membership.objects.get(user=member)
    request = rf.get(OVERVIEW)
    request.user, request.membership = member, membership
    request.organisation = membership.organisation
    today = timezone.localdate()
    found = kept_pages.fingerprint(page=kept_pages.OVERVIEW, assessment=assessment, today=today)
    assert found is not None
    key = kept_pages.page_key(
        request, page=kept_pages.OVERVIEW, found=found, today=today, options="all"
    )
    assert key is None
    request.META["CSRF_COOKIE"] = "s" * 32
    key = kept_pages.page_key(
        request, page=kept_pages.OVERVIEW, found=found, today=today, options="all"
    )
    assert key is not None
    # Another day, option, page or secret: another key.
    others = {
        kept_pages.page_key(request, page=kept_pages.OVERVIEW, found=found, today=day, options=o)
        for day in (today, today + datetime.timedelta(days=1))
        for o in ("all", "todo")
    }
    assert len(others) == 4


@pytest.mark.parametrize("ref", ["1.1.1", "1.1.2"])
def test_an_answer_refused_is_titled_as_an_error_and_never_kept(looking, ref):
    path = reverse("evidence-item", args=[YEAR, ref])
    _page(looking, path)
    refused = looking.post(path, {"version": 0, "comments": ""})
    assert refused.status_code == 400
    assert "<title>Error: " in refused.content.decode()
    # The next look is the page as it is, without the refusal.
    again = looking.get(path).content.decode()
    assert "<title>Error: " not in again
    assert "There is a problem" not in again
