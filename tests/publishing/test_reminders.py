"""Deadline and out-of-date reminder emails: the rules as tables, then whole runs on a database."""

from __future__ import annotations

import datetime
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, QuestionBank
from organisations.models import Organisation
from organisations.roles import Role
from publishing import reminders
from publishing.models import Publication, PublicationLevel, PublicationSite, ReminderSent
from publishing.reminder_rules import (
    DAYS_7,
    DAYS_30,
    DAYS_60,
    KINDS,
    OUT_OF_DATE,
    out_of_date_due,
    reminder_due,
)
from publishing.reminders import reminders_send
from publishing.tasks import send_deadline_reminders

from ..factories import (
    MembershipFactory,
    OrganisationFactory,
    RegisteredOrganisationFactory,
    bank_build,
)

LONDON = ZoneInfo("Europe/London")
DEADLINE = datetime.date(2026, 6, 30)  # 2025-26
PREVIOUS_DEADLINE = datetime.date(2025, 6, 30)  # 2024-25


def day(days_before_deadline: int) -> datetime.date:
    return DEADLINE - datetime.timedelta(days=days_before_deadline)


# The deadline rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "already_sent", "published", "expected"),
    [
        (90, set(), False, None),
        (61, set(), False, None),
        (60, set(), False, DAYS_60),
        (45, set(), False, DAYS_60),  # the run on day 60 was missed: caught up
        (31, set(), False, DAYS_60),
        (31, {DAYS_60}, False, None),
        (30, set(), False, DAYS_30),
        (30, {DAYS_60}, False, DAYS_30),
        (20, set(), False, DAYS_30),  # the 60-day one is stale: only the 30-day one
        (20, {DAYS_30}, False, None),
        (8, {DAYS_60}, False, DAYS_30),
        (8, {DAYS_60, DAYS_30}, False, None),
        (7, set(), False, DAYS_7),
        (7, {DAYS_60, DAYS_30}, False, DAYS_7),
        (3, {DAYS_60}, False, DAYS_7),
        (1, {DAYS_7}, False, None),
        (0, set(), False, DAYS_7),  # the deadline day itself
        (0, {DAYS_60, DAYS_30}, False, DAYS_7),
        (0, {DAYS_7}, False, None),
        (-1, set(), False, None),  # after the deadline: the out-of-date email's business
        (-40, set(), False, None),
        (60, set(), True, None),
        (30, set(), True, None),
        (0, set(), True, None),
        (45, {DAYS_30}, False, None),  # a more urgent one already went (the deadline moved)
        (45, {OUT_OF_DATE}, False, DAYS_60),  # other kinds do not count
    ],
)
def test_reminder_due(days_before, already_sent, published, expected):
    assert (
        reminder_due(
            deadline=DEADLINE,
            today=day(days_before),
            already_sent=already_sent,
            has_published_this_year=published,
        )
        == expected
    )


def test_every_day_of_a_year_without_catching_up_gives_each_reminder_once():
    sent: list[tuple[datetime.date, str]] = []
    today = datetime.date(2025, 7, 1)
    while today <= datetime.date(2026, 7, 31):
        kind = reminder_due(
            deadline=DEADLINE,
            today=today,
            already_sent={kind for _, kind in sent},
            has_published_this_year=False,
        )
        if kind:
            sent.append((today, kind))
        today += datetime.timedelta(days=1)
    assert sent == [(day(60), DAYS_60), (day(30), DAYS_30), (day(7), DAYS_7)]


def test_the_kinds_are_the_models_kinds():
    assert set(KINDS) == set(ReminderSent.Kind.values)


# The out-of-date rule ----------------------------------------------------------------------------

DEADLINES = {"2024-25": PREVIOUS_DEADLINE, "2025-26": DEADLINE}


@pytest.mark.parametrize(
    ("year", "today", "already_sent", "grace_days", "expected"),
    [
        # A 2024-25 publication is current until 2025-26's deadline, that day included.
        ("2024-25", datetime.date(2026, 6, 29), False, 30, False),
        ("2024-25", DEADLINE, False, 30, False),
        ("2024-25", datetime.date(2026, 7, 1), False, 30, True),
        ("2024-25", datetime.date(2026, 7, 1), True, 30, False),
        ("2024-25", datetime.date(2026, 7, 5), False, 30, True),  # a missed run caught up
        ("2024-25", datetime.date(2026, 7, 31), False, 30, True),  # 30 days after the lapse
        ("2024-25", datetime.date(2026, 8, 1), False, 30, False),  # old news
        ("2024-25", datetime.date(2026, 8, 1), False, 31, True),
        # No 2026-27 bank yet: current until a year after 2025-26's deadline.
        ("2025-26", datetime.date(2026, 7, 1), False, 30, False),
        ("2025-26", datetime.date(2027, 6, 30), False, 30, False),
        ("2025-26", datetime.date(2027, 7, 1), False, 30, True),
        # 2023-24 lapsed at 2024-25's deadline, a year before.
        ("2023-24", datetime.date(2025, 7, 1), False, 30, True),
        ("2023-24", datetime.date(2026, 7, 1), False, 30, False),
        # Unknown deadlines count as current; no publication, nothing to lapse.
        ("2019-20", datetime.date(2026, 7, 1), False, 30, False),
        ("", datetime.date(2026, 7, 1), False, 30, False),
    ],
)
def test_out_of_date_due(year, today, already_sent, grace_days, expected):
    assert (
        out_of_date_due(
            year=year,
            deadlines=DEADLINES,
            today=today,
            already_sent=already_sent,
            grace_days=grace_days,
        )
        is expected
    )


# Building data -----------------------------------------------------------------------------------


def at(date: datetime.date, hour: int = 7) -> datetime.datetime:
    return datetime.datetime.combine(date, datetime.time(hour), tzinfo=LONDON)


def publish(
    organisation: Organisation,
    bank: QuestionBank,
    *,
    published_at: datetime.datetime,
    sites: tuple[Organisation, ...] = (),
) -> Publication:
    assessment, _ = Assessment.objects.get_or_create(organisation=organisation, bank=bank)
    publication = Publication.objects.create(
        organisation=organisation,
        bank=bank,
        assessment=assessment,
        sequence=organisation.publications.count() + 1,
        level=PublicationLevel.MET,
        published_at=published_at,
        published_by_name="Pat Publisher",
        published_as_name=organisation.name,
        published_as_ods_code=organisation.ods_code,
    )
    for site in sites:
        PublicationSite.objects.create(publication=publication, organisation=site)
    return publication


def admin_of(organisation: Organisation, email: str, **extra):
    return MembershipFactory(
        organisation=organisation, role=Role.ADMINISTRATOR, user__email=email, **extra
    ).user


@pytest.fixture
def banks(db):
    previous = bank_build(year="2024-25", items_per_section=1)
    current = bank_build(year="2025-26", items_per_section=1, previous_year="2024-25")
    assert (previous.publication_deadline, current.publication_deadline) == (
        PREVIOUS_DEADLINE,
        DEADLINE,
    )
    return previous, current


def sent_rows() -> set[tuple[str, str, str, datetime.date]]:
    """(ODS code, kind, year, UK date sent) of every ReminderSent."""
    return {
        (row.organisation.ods_code, row.kind, row.bank.year, timezone.localdate(row.sent_at))
        for row in ReminderSent.objects.select_related("organisation", "bank")
    }


def sent_kinds() -> set[tuple[str, str, str]]:
    """(ODS code, kind, year) of every ReminderSent."""
    return {(code, kind, year) for code, kind, year, _ in sent_rows()}


# A whole year ------------------------------------------------------------------------------------


def test_a_year_of_daily_runs(banks):
    previous, current = banks
    never = RegisteredOrganisationFactory(ods_code="VNEV1", name="Never Publishes")
    admin_of(never, "never@care.example")
    on_day_45 = RegisteredOrganisationFactory(ods_code="VD451", name="Publishes On Day 45")
    admin_of(on_day_45, "day45@care.example")
    hq = RegisteredOrganisationFactory(
        ods_code="VHQ01", name="Care Group HQ", kind=Organisation.Kind.HEADQUARTERS
    )
    admin_of(hq, "hq@care.example")
    branch_early = RegisteredOrganisationFactory(ods_code="VBR01", name="Early Branch", parent=hq)
    admin_of(branch_early, "branch.early@care.example")
    branch_late = RegisteredOrganisationFactory(ods_code="VBR02", name="Late Branch", parent=hq)
    admin_of(branch_late, "branch.late@care.example")
    lapser = RegisteredOrganisationFactory(ods_code="VLAP1", name="Lapsing Lodge")
    admin_of(lapser, "lapser@care.example")
    publish(lapser, previous, published_at=at(datetime.date(2025, 5, 10), 15))
    unregistered = OrganisationFactory(ods_code="VUNR1", name="Not Registered")
    admin_of(unregistered, "unregistered@care.example")
    members_only = RegisteredOrganisationFactory(ods_code="VMEM1", name="Members Only")
    MembershipFactory(organisation=members_only, role=Role.MEMBER)
    closed = RegisteredOrganisationFactory(
        ods_code="VCLO1", name="Closed House", closed_on=datetime.date(2026, 1, 31)
    )
    admin_of(closed, "closed@care.example")
    two_admins = RegisteredOrganisationFactory(ods_code="VTWO1", name="Two Admins Court")
    admin_of(two_admins, "first.admin@care.example")
    admin_of(two_admins, "second.admin@care.example")
    admin_of(two_admins, "gone.admin@care.example", user__is_active=False)
    MembershipFactory(organisation=two_admins, role=Role.MEMBER, user__email="member@care.example")

    # Publications made at noon, after that day's 07:00 run.
    events = {
        day(61): lambda: publish(hq, current, published_at=at(day(61), 12), sites=(branch_early,)),
        day(45): lambda: publish(on_day_45, current, published_at=at(day(45), 12)),
        day(40): lambda: publish(hq, current, published_at=at(day(40), 12), sites=(branch_late,)),
    }
    today = day(70)
    while today <= DEADLINE + datetime.timedelta(days=45):
        with time_machine.travel(at(today), tick=False):
            first = send_deadline_reminders()
            again = send_deadline_reminders()
        assert first["today"] == today.isoformat()
        assert first["errors"] == []
        assert sum(again["sent"].values()) == 0, today  # running again the same day: nothing
        if today in events:
            with time_machine.travel(at(today, 12), tick=False):
                events[today]()
        today += datetime.timedelta(days=1)

    expected = {
        ("VNEV1", DAYS_60, "2025-26", day(60)),
        ("VNEV1", DAYS_30, "2025-26", day(30)),
        ("VNEV1", DAYS_7, "2025-26", day(7)),
        ("VD451", DAYS_60, "2025-26", day(60)),
        # Branches registered on their own speak for themselves: an HQ publication that lists
        # them (made here behind the publish service's back) does not excuse them.
        ("VBR01", DAYS_60, "2025-26", day(60)),
        ("VBR01", DAYS_30, "2025-26", day(30)),
        ("VBR01", DAYS_7, "2025-26", day(7)),
        ("VBR02", DAYS_60, "2025-26", day(60)),
        ("VBR02", DAYS_30, "2025-26", day(30)),
        ("VBR02", DAYS_7, "2025-26", day(7)),
        ("VLAP1", DAYS_60, "2025-26", day(60)),
        ("VLAP1", DAYS_30, "2025-26", day(30)),
        ("VLAP1", DAYS_7, "2025-26", day(7)),
        ("VLAP1", OUT_OF_DATE, "2024-25", datetime.date(2026, 7, 1)),
        ("VTWO1", DAYS_60, "2025-26", day(60)),
        ("VTWO1", DAYS_30, "2025-26", day(30)),
        ("VTWO1", DAYS_7, "2025-26", day(7)),
    }
    assert sent_rows() == expected

    # One email per administrator per reminder; never to members, inactive people or others.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert recipients == sorted(
        ["never@care.example"] * 3
        + ["day45@care.example"]
        + ["branch.early@care.example", "branch.late@care.example"] * 3
        + ["lapser@care.example"] * 4
        + ["first.admin@care.example", "second.admin@care.example"] * 3
    )
    row = ReminderSent.objects.get(organisation=two_admins, kind=DAYS_7)
    assert row.recipients == "first.admin@care.example, second.admin@care.example"


def test_a_missed_day_60_is_caught_up_but_a_stale_reminder_is_never_sent(banks):
    caught_up = RegisteredOrganisationFactory(ods_code="VCAT1")
    admin_of(caught_up, "caught.up@care.example")

    report = reminders_send(today=day(52))  # the worker was down from day 60 to day 53
    assert report.sent[DAYS_60] == 1

    report = reminders_send(today=day(12))  # and again from day 30 to day 13
    assert report.sent == {DAYS_60: 0, DAYS_30: 1, DAYS_7: 0, OUT_OF_DATE: 0}

    late = RegisteredOrganisationFactory(ods_code="VLAT1")
    admin_of(late, "late@care.example")
    report = reminders_send(today=day(3))  # registered late: only the most urgent one
    assert report.sent == {DAYS_60: 0, DAYS_30: 0, DAYS_7: 2, OUT_OF_DATE: 0}
    assert {(code, kind) for code, kind, _ in sent_kinds()} == {
        ("VCAT1", DAYS_60),
        ("VCAT1", DAYS_30),
        ("VCAT1", DAYS_7),
        ("VLAT1", DAYS_7),
    }


def test_nothing_without_a_question_bank(db):
    admin_of(RegisteredOrganisationFactory(), "someone@care.example")
    report = reminders_send(today=day(60))
    assert report.reminders_sent == 0
    assert report.organisations_checked == 0
    assert mail.outbox == []


def test_a_status_that_lapsed_long_ago_is_not_announced(banks):
    previous, _ = banks
    old = RegisteredOrganisationFactory(ods_code="VOLD1")
    admin_of(old, "old@care.example")
    publish(old, previous, published_at=at(datetime.date(2025, 5, 10)))
    report = reminders_send(today=datetime.date(2026, 9, 1))  # lapsed on 1 July
    assert report.sent[OUT_OF_DATE] == 0


def test_a_status_from_the_old_toolkit_export_is_not_announced(banks):
    imported = RegisteredOrganisationFactory(
        ods_code="VIMP1",
        directory_status="19/20 Standards Met",
        directory_published_on=datetime.date(2020, 3, 1),
    )
    admin_of(imported, "imported@care.example")
    report = reminders_send(today=datetime.date(2026, 7, 1))
    assert report.reminders_sent == 0


def test_a_site_registered_on_its_own_is_not_told_its_hqs_status_lapsed(banks):
    # A registered site speaks for itself (issue 11): an HQ publication that listed it is not its
    # status, so that publication lapsing is not news for it.
    previous, _ = banks
    hq = RegisteredOrganisationFactory(ods_code="VHQ02", kind=Organisation.Kind.HEADQUARTERS)
    branch = RegisteredOrganisationFactory(ods_code="VBR03", parent=hq, name="Covered Branch")
    admin_of(branch, "branch@care.example")
    publish(hq, previous, published_at=at(datetime.date(2025, 5, 10)), sites=(branch,))

    reminders_send(today=datetime.date(2026, 7, 1))

    assert ("VBR03", OUT_OF_DATE, "2024-25") not in sent_kinds()
    assert not [message for message in mail.outbox if hq.name in message.body]


# The emails --------------------------------------------------------------------------------------


def test_the_60_day_email(banks, settings):
    settings.DSPT_SITE_URL = "https://dspt.example/"
    organisation = RegisteredOrganisationFactory(ods_code="VEM01", name="Langdale House")
    admin_of(organisation, "admin@care.example", user__full_name="Sam Admin")

    reminders_send(today=day(60))

    (message,) = mail.outbox
    assert message.to == ["admin@care.example"]
    assert message.subject == (
        "60 days left to publish your Data Security and Protection Toolkit assessment for "
        "Langdale House"
    )
    assert "Hello Sam Admin," in message.body
    assert "Langdale House (VEM01) has not yet published" in message.body
    assert "for 2025-26" in message.body
    assert "The deadline is 30 June 2026. You have 60 days left." in message.body
    assert "https://dspt.example/sign-in/?next=%2Fpublish%2F" in message.body
    assert "https://dspt.example/publish/" in message.body
    assert "{" not in message.body
    assert "&amp;" not in message.body


@pytest.mark.parametrize(
    ("days_before", "subject_start", "line"),
    [
        (0, "Today is the deadline to publish", "The deadline is 30 June 2026. That is today."),
        (1, "1 day left to publish", "The deadline is 30 June 2026. That is tomorrow."),
        (7, "7 days left to publish", "You have 7 days left."),
    ],
)
def test_the_last_days_emails(banks, days_before, subject_start, line):
    admin_of(RegisteredOrganisationFactory(), "admin@care.example")
    reminders_send(today=day(days_before))
    (message,) = mail.outbox
    assert message.subject.startswith(subject_start)
    assert line in message.body


def test_the_out_of_date_email(banks):
    previous, _ = banks
    organisation = RegisteredOrganisationFactory(ods_code="VEM02", name="Lapsing Lodge")
    admin_of(organisation, "admin@care.example")
    publish(organisation, previous, published_at=at(datetime.date(2025, 5, 10), 15))

    reminders_send(today=datetime.date(2026, 7, 1))

    (message,) = mail.outbox
    assert message.subject == (
        "The Data Security and Protection Toolkit status of Lapsing Lodge is out of date"
    )
    assert "Lapsing Lodge last published its assessment for 2024-25." in message.body
    assert "That status was current until 30 June 2026." in message.body
    assert "Out of date (last published 24/25 Standards Met on 10 May 2025)" in message.body
    assert "Publish your assessment for 2025-26 as soon as you can." in message.body


# Failures and races ------------------------------------------------------------------------------


def test_a_failed_send_leaves_no_record_and_the_others_still_go(banks, monkeypatch):
    good = RegisteredOrganisationFactory(ods_code="VGOO1")
    admin_of(good, "good@care.example")
    broken = RegisteredOrganisationFactory(ods_code="VBRK1")
    admin_of(broken, "broken@care.example")
    also_good = RegisteredOrganisationFactory(ods_code="VGOO2")
    admin_of(also_good, "also.good@care.example")

    send_messages = locmem.EmailBackend.send_messages

    def refuse_one(self, messages):
        for message in messages:
            if "broken@care.example" in message.to:
                raise smtplib.SMTPRecipientsRefused({"broken@care.example": (550, b"No")})
        return send_messages(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_one)
    report = reminders_send(today=day(60))

    assert report.sent[DAYS_60] == 2
    assert len(report.errors) == 1
    assert report.errors[0].startswith("VBRK1 days_60: ")
    assert {code for code, *_ in sent_kinds()} == {"VGOO1", "VGOO2"}
    assert sorted(m.to[0] for m in mail.outbox) == ["also.good@care.example", "good@care.example"]

    # The mail server is back the next day: the missed reminder goes out then.
    monkeypatch.undo()
    report = reminders_send(today=day(59))
    assert report.sent[DAYS_60] == 1
    assert report.errors == []
    assert {code for code, *_ in sent_kinds()} == {"VGOO1", "VGOO2", "VBRK1"}


def test_a_reminder_claimed_by_another_run_is_skipped(banks, monkeypatch):
    _, current = banks
    organisation = RegisteredOrganisationFactory(ods_code="VRAC1")
    admin_of(organisation, "race@care.example")
    # Another worker inserted the row after this run read what had been sent.
    ReminderSent.objects.create(
        organisation=organisation,
        bank=current,
        kind=DAYS_60,
        recipients="race@care.example",
        sent_at=timezone.now(),
    )
    monkeypatch.setattr(reminders, "_already_sent", lambda ids, bank_id: {})

    report = reminders_send(today=day(60))

    assert report.skipped_sent_elsewhere == 1
    assert report.reminders_sent == 0
    assert report.errors == []
    assert mail.outbox == []
    assert ReminderSent.objects.count() == 1


# Scale -------------------------------------------------------------------------------------------


def organisations_with_administrators(count: int) -> list[Organisation]:
    organisations = RegisteredOrganisationFactory.create_batch(count)
    for organisation in organisations:
        MembershipFactory(organisation=organisation, role=Role.ADMINISTRATOR)
    return organisations


@pytest.mark.parametrize("count", [5, 50])
def test_queries_do_not_grow_with_organisations_when_nothing_is_due(
    banks, count, django_assert_max_num_queries
):
    organisations_with_administrators(count)
    # Years, the chunk, two for the statuses, published this year, already sent.
    with django_assert_max_num_queries(6):
        report = reminders_send(today=day(90))
    assert report.organisations_checked == count
    assert report.reminders_sent == 0


def test_queries_grow_with_chunks_not_organisations(banks):
    organisations_with_administrators(25)
    with CaptureQueriesContext(connection) as queries:
        report = reminders_send(today=day(90), chunk_size=10)
    assert report.organisations_checked == 25
    # Years, then three chunks of four queries.
    assert len(queries) == 1 + 3 * 4


def test_every_organisation_is_reached_across_chunks(banks):
    organisations_with_administrators(23)
    with CaptureQueriesContext(connection) as queries:
        report = reminders_send(today=day(60), chunk_size=10)
    assert report.sent[DAYS_60] == 23
    assert len(mail.outbox) == 23
    # Per chunk: four queries, one for the administrators and one for their library documents
    # past review; per reminder: its own transaction.
    per_reminder = (len(queries) - 1 - 3 * 6) / 23
    assert per_reminder <= 3  # savepoint, insert, release


# The task and its schedule -----------------------------------------------------------------------


def test_the_task_is_registered_and_scheduled_daily_at_7_uk_time(settings):
    from celery.schedules import crontab

    from dspt_portal.celery import app
    from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE

    assert send_deadline_reminders.name == "publishing.send_deadline_reminders"
    assert "publishing.send_deadline_reminders" in app.tasks
    (entry,) = [
        entry
        for entry in CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "publishing.send_deadline_reminders"
    ]
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_the_task_runs_through_celery(banks):
    admin_of(RegisteredOrganisationFactory(ods_code="VCEL1"), "celery@care.example")
    with time_machine.travel(at(day(60)), tick=False):
        result = send_deadline_reminders.apply().get()
    assert result["sent"][DAYS_60] == 1
    assert result["year"] == "2025-26"


# The page ----------------------------------------------------------------------------------------


def test_the_reminders_page_lists_the_organisations_reminders(
    client, banks, organisation, administrator, viewer, outsider
):
    reminders_send(today=day(60))
    reminders_send(today=day(30))

    client.force_login(viewer)
    response = client.get(reverse("reminder-list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "60 days before the deadline (2025-26)" in html
    assert "30 days before the deadline (2025-26)" in html
    assert "admin@care.example" in html  # the organisation's own administrators
    assert "viewer@care.example" not in html
    assert "outsider@elsewhere.example" not in html  # another organisation's reminders
    assert html.index("30 days before") < html.index("60 days before")  # latest first


def test_the_reminders_page_when_none_went_out(client, member):
    client.force_login(member)
    response = client.get(reverse("reminder-list"))
    assert response.status_code == 200
    assert "No reminders have been sent to Langdale House." in response.content.decode()


def test_the_reminders_page_needs_signing_in(client, db):
    response = client.get(reverse("reminder-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_a_suspended_registration_and_suspended_people_get_no_reminders(banks):
    suspended_at = at(day(90))
    suspended = RegisteredOrganisationFactory(
        ods_code="VSUS1", name="Disputed House", suspended_at=suspended_at
    )
    admin_of(suspended, "disputed@care.example", suspended_at=suspended_at)
    open_one = RegisteredOrganisationFactory(ods_code="VOPN1", name="Open House")
    admin_of(open_one, "open@care.example")
    admin_of(open_one, "left@care.example", suspended_at=suspended_at)

    reminders_send(today=day(60))

    assert sent_kinds() == {("VOPN1", "days_60", "2025-26")}
    assert sorted(address for message in mail.outbox for address in message.to) == [
        "open@care.example"
    ]
