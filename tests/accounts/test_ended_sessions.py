"""Ended session rows are deleted a day after they ended, by a daily job; recently ended ones stay,
because the idle sign-out notice and the kept answer read them."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY as AUTH_USER_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts import sessions
from accounts.tasks import remove_ended_sessions
from assessments import services as assessment_services
from dspt_portal.celery_schedule import CELERY_BEAT_SCHEDULE

from ..conftest import PASSWORD
from ..factories import bank_build

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("kept_for", "cutoff"),
    [
        (DAY, NOW - DAY),
        (2 * DAY, NOW - 2 * DAY),
        # Never sooner than a kept answer can still be claimed.
        (datetime.timedelta(minutes=5), NOW - HOUR),
        (datetime.timedelta(0), NOW - HOUR),
    ],
)
def test_ended_sessions_cutoff(kept_for, cutoff):
    assert sessions.ended_sessions_cutoff(now=NOW, kept_for=kept_for) == cutoff


def session_ending(at: datetime.datetime) -> str:
    """A real session row (someone signed in) whose end is `at`."""
    store = SessionStore()
    store[AUTH_USER_KEY] = "1"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=at)
    return store.session_key


def left() -> set[str]:
    return set(Session.objects.values_list("session_key", flat=True))


def test_only_sessions_ended_more_than_a_day_ago_are_removed():
    now = timezone.now()
    long_ended = session_ending(now - 2 * DAY)
    just_past_a_day = session_ending(now - DAY - datetime.timedelta(minutes=1))
    ended_an_hour_ago = session_ending(now - HOUR)
    nearly_a_day = session_ending(now - DAY + datetime.timedelta(minutes=1))
    live = session_ending(now + HOUR)
    assert remove_ended_sessions() == 2
    assert left() == {ended_an_hour_ago, nearly_a_day, live}
    assert long_ended not in left()
    assert just_past_a_day not in left()
    assert remove_ended_sessions() == 0  # nothing more to do


def test_how_long_ended_sessions_stay_is_a_setting(settings):
    settings.DSPT_ENDED_SESSIONS_KEPT_HOURS = 3
    now = timezone.now()
    four_hours = session_ending(now - 4 * HOUR)
    two_hours = session_ending(now - 2 * HOUR)
    assert remove_ended_sessions() == 1
    assert left() == {two_hours}
    assert four_hours not in left()


def test_a_setting_under_an_hour_still_keeps_an_hour(settings):
    settings.DSPT_ENDED_SESSIONS_KEPT_HOURS = 0
    now = timezone.now()
    half_an_hour = session_ending(now - HOUR / 2)
    session_ending(now - 2 * HOUR)
    assert remove_ended_sessions() == 1
    assert left() == {half_an_hour}


def test_many_ended_sessions_are_removed_in_batches(monkeypatch):
    monkeypatch.setattr(sessions, "REMOVE_BATCH", 3)
    now = timezone.now()
    for _ in range(7):
        session_ending(now - 3 * DAY)
    live = session_ending(now + HOUR)
    assert remove_ended_sessions() == 7
    assert left() == {live}


def test_the_task_runs_daily_through_celery():
    from dspt_portal.celery import app

    assert "accounts.remove_ended_sessions" in app.tasks
    session_ending(timezone.now() - 2 * DAY)
    assert remove_ended_sessions.apply().get() == 1
    (entry,) = [
        entry
        for entry in CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "accounts.remove_ended_sessions"
    ]
    assert entry["schedule"].hour == {3}
    assert entry["options"]["expires"] < 24 * 60 * 60


def test_the_kept_answer_still_works_after_the_job_for_a_session_ended_an_hour_ago(
    client, member, organisation
):
    bank = bank_build(items_per_section=4)
    assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    url = reverse("evidence-item", args=[bank.year, "1.1.1"])
    client.post(reverse("sign-in"), {"username": member.email, "password": PASSWORD})
    client.get(url)
    # Two hours later: the session ended (after an hour idle) an hour ago, and the job has run.
    with time_machine.travel(datetime.timedelta(hours=2)):
        old = session_ending(timezone.now() - 3 * DAY)
        assert remove_ended_sessions() == 1
        assert old not in left()
        saved = client.post(url, {"version": 0, "text": "Typed before lunch.", "comments": ""})
        page = client.get(saved["Location"]).content.decode()
        assert "You were signed out because you were inactive for 60 minutes." in page
        assert "We kept what you typed on the page you were saving" in page
        client.post(
            reverse("sign-in"),
            {"username": member.email, "password": PASSWORD, "next": url},
        )
        item = client.get(url).content.decode()
    assert "We kept what you typed before you were signed out." in item
    assert "Typed before lunch." in item
