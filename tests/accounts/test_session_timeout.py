"""Idle sessions (WCAG 2.2.1): the page knows how long its session has left, "Stay signed in"
extends a live session and nothing else, the sign-in page says why someone was signed out, and
an answer saved after the session ended is given back to the same person once they sign in."""

import datetime
import re

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import sessions
from assessments import services as assessment_services
from assessments.models import Answer
from organisations.roles import Role

from ..conftest import PASSWORD
from ..factories import MembershipFactory, bank_build

pytestmark = pytest.mark.django_db

HOUR = 60 * 60
IDLE = "You were signed out because you were inactive for 60 minutes."
KEPT = "We kept what you typed before you were signed out. Check it and save."


def sign_in(client, email, next_url=""):
    data = {"username": email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("sign-in"), data)


def later(minutes: float):
    return time_machine.travel(datetime.timedelta(minutes=minutes))


def seconds_left_on(response) -> int:
    dialog = BeautifulSoup(response.content, "html.parser").find(id="session-warning")
    assert dialog is not None, "the page has no session warning"
    return int(dialog["data-seconds-left"])


def extend(client):
    return client.post(reverse("session-extend"))


# --- Rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "interval"),
    [(HOUR, 300), (2 * HOUR, 300), (20 * 60, 100), (20, 1), (5, 1)],
)
def test_refresh_interval(age, interval):
    assert sessions.refresh_interval(age) == interval


@pytest.mark.parametrize(
    ("last_refreshed", "now", "age", "left"),
    [
        (1000, 1000, HOUR, HOUR),
        (1000, 1000 + 299, HOUR, HOUR - 299),  # not refreshed within the interval: counts down
        (1000, 1000 + HOUR, HOUR, 0),
        (1000, 1000 + HOUR + 5, HOUR, 0),  # ended: never negative
    ],
)
def test_seconds_left(last_refreshed, now, age, left):
    assert sessions.seconds_left(last_refreshed=last_refreshed, now=now, age=age) == left


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(HOUR, "60 minutes"), (60, "1 minute"), (90, "90 seconds"), (20, "20 seconds")],
)
def test_inactivity_text(seconds, text):
    assert sessions.inactivity_text(seconds) == text


KEPT_FOR_7 = {
    "user": "7",
    "organisation": 3,
    "path": "/a/",
    "at": 1000,
    "fields": {"text": ["typed"]},
}


@pytest.mark.parametrize(
    ("kept", "user_id", "organisation_id", "path", "now", "given"),
    [
        (KEPT_FOR_7, "7", 3, "/a/", 1000 + 60, {"text": ["typed"]}),
        (KEPT_FOR_7, "8", 3, "/a/", 1000 + 60, None),  # someone else
        (KEPT_FOR_7, "7", 4, "/a/", 1000 + 60, None),  # their other organisation
        (KEPT_FOR_7, "7", 3, "/b/", 1000 + 60, None),  # another page
        (KEPT_FOR_7, "7", 3, "/a/", 1000 + sessions.KEPT_SECONDS + 1, None),  # too old
        (None, "7", 3, "/a/", 1000, None),
        ({**KEPT_FOR_7, "organisation": None}, "7", 3, "/a/", 1060, {"text": ["typed"]}),
    ],
)
def test_kept_post_for(kept, user_id, organisation_id, path, now, given):
    found = sessions.kept_post_for(
        kept, user_id=user_id, organisation_id=organisation_id, path=path, now=now
    )
    assert found == given


# --- The page says how long is left ------------------------------------------------------------


def test_the_page_knows_the_real_time_left(client, member):
    sign_in(client, member.email)
    assert HOUR - 5 <= seconds_left_on(client.get(reverse("home"))) <= HOUR
    # Within the refresh interval the session is not saved again, so its end does not move:
    # the page says so rather than promising a fresh hour.
    with later(2):
        assert HOUR - 2 * 60 - 5 <= seconds_left_on(client.get(reverse("home"))) <= HOUR - 2 * 60
    with later(6):  # past the interval: this visit saves the session, and the page counts from it
        assert HOUR - 5 <= seconds_left_on(client.get(reverse("home"))) <= HOUR


def test_signed_out_pages_have_no_warning(client, db):
    page = BeautifulSoup(client.get(reverse("home")).content, "html.parser")
    assert page.find(id="session-warning") is None
    assert "session-timeout.js" not in str(page)


def test_the_warning_lead_time_is_a_setting(client, member, settings):
    settings.DSPT_SESSION_WARNING_SECONDS = 45
    sign_in(client, member.email)
    dialog = BeautifulSoup(client.get(reverse("home")).content, "html.parser").find(
        id="session-warning"
    )
    assert dialog["data-warning-seconds"] == "45"
    assert dialog.find("button", string="Stay signed in") is not None
    assert dialog.find("button", string="Sign out")["form"] == "session-warning-sign-out"


# --- Stay signed in ------------------------------------------------------------------------------


def test_stay_signed_in_extends_a_live_session(client, member):
    sign_in(client, member.email)
    with later(58):
        response = extend(client)
        assert response.status_code == 200
        assert response.json()["signed_in"] is True
        assert HOUR - 5 <= response.json()["seconds_left"] <= HOUR
        assert "no-cache" in response["Cache-Control"]
    # 58 + 59 minutes after signing in: still signed in, because of the extension.
    with later(58 + 59):
        assert client.get(reverse("profile")).status_code == 200


def test_without_staying_the_session_ends(client, member):
    sign_in(client, member.email)
    with later(61):
        response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_stay_signed_in_never_revives_an_ended_session(client, member):
    sign_in(client, member.email)
    with later(61):
        response = extend(client)
        assert response.status_code == 401
        assert response.json() == {"signed_in": False, "sign_in_url": reverse("sign-in")}
        assert client.get(reverse("profile")).status_code == 302


def test_stay_signed_in_for_someone_never_signed_in(client, db):
    response = extend(client)
    assert response.status_code == 401
    assert response.json()["signed_in"] is False


def test_stay_signed_in_needs_a_post(client, member):
    sign_in(client, member.email)
    assert client.get(reverse("session-extend")).status_code == 405


def test_stay_signed_in_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("sign-in"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    client.post(
        reverse("sign-in"),
        {"username": member.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    # The page's own token (sign-in rotates it), as the warning's script sends it.
    home = client.get(reverse("home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)[1]
    assert client.post(reverse("session-extend")).status_code == 403  # forged: no token
    assert client.post(reverse("session-extend"), HTTP_X_CSRFTOKEN="x" * 64).status_code == 403
    assert client.post(reverse("session-extend"), HTTP_X_CSRFTOKEN=token).status_code == 200


# --- How long is left, asked before saying "signed out" ------------------------------------------


def time_left(client):
    return client.get(reverse("session-status"))


def session_row():
    return Session.objects.values_list("session_key", "session_data", "expire_date").get()


def test_the_time_left_of_a_live_session(client, member):
    sign_in(client, member.email)
    with later(2):
        response = time_left(client)
    assert response.status_code == 200
    assert response.json()["signed_in"] is True
    assert HOUR - 2 * 60 - 5 <= response.json()["seconds_left"] <= HOUR - 2 * 60
    assert "no-cache" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_asking_the_time_left_never_extends_the_session(client, member):
    sign_in(client, member.email)
    before = session_row()
    # Past the refresh interval, where any page would save the session again.
    with later(30):
        response = time_left(client)
        assert HOUR - 30 * 60 - 5 <= response.json()["seconds_left"] <= HOUR - 30 * 60
        assert not response.cookies  # no cookie set, none cleared
    assert session_row() == before
    with later(61):  # an hour after signing in, however often it was asked: ended
        assert time_left(client).json() == {"signed_in": False, "seconds_left": 0}
        assert client.get(reverse("profile")).status_code == 302


def test_another_tab_staying_signed_in_shows_in_the_time_left(client, member):
    sign_in(client, member.email)
    with later(58):
        extend(client)  # "Stay signed in" in another tab
    with later(61):
        response = time_left(client)
        assert response.status_code == 200
        assert HOUR - 3 * 60 - 5 <= response.json()["seconds_left"] <= HOUR - 3 * 60


def test_the_time_left_of_an_ended_session_keeps_its_cookie(client, member, bank, assessment):
    """Asked after the end: none left, and nothing about the ended session is changed or
    forgotten, so the page saved next still says why and keeps what was typed."""
    url = item_url(bank, "1.1.1")
    sign_in(client, member.email)
    client.get(url)
    with later(61):
        rows = Session.objects.count()
        response = time_left(client)
        assert response.status_code == 200
        assert response.json() == {"signed_in": False, "seconds_left": 0}
        assert not response.cookies  # the ended session's cookie is not cleared
        assert Session.objects.count() == rows  # and no new session was started
        saved = client.post(url, {"version": 0, "text": "Typed while away.", "comments": ""})
        page = client.get(saved["Location"]).content.decode()
        assert IDLE in page
        assert "We kept what you typed on the page you were saving" in page


def test_the_time_left_for_someone_never_signed_in(client, db):
    response = time_left(client)
    assert response.json() == {"signed_in": False, "seconds_left": 0}
    assert not response.cookies
    assert not Session.objects.exists()


def test_the_time_left_is_only_read(client, member):
    sign_in(client, member.email)
    assert client.post(reverse("session-status")).status_code == 405


# --- Why they were signed out ------------------------------------------------------------------


def test_sign_in_page_says_the_session_ended_for_inactivity(client, member):
    sign_in(client, member.email)
    with later(61):
        response = client.get(reverse("profile"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(reverse("sign-in"))
    assert IDLE in page
    assert "We kept what you typed" not in page  # nothing was being saved


def test_inactivity_time_follows_the_setting(client, member, settings):
    settings.SESSION_COOKIE_AGE = 20
    sign_in(client, member.email)
    with time_machine.travel(datetime.timedelta(seconds=30)):
        page = client.get(reverse("profile"), follow=True).content.decode()
    assert "You were signed out because you were inactive for 20 seconds." in page


def test_no_inactivity_message_after_signing_out_or_on_a_first_visit(client, member):
    assert "You were signed out" not in client.get(reverse("sign-in")).content.decode()
    sign_in(client, member.email)
    client.post(reverse("sign-out"))
    with later(61):
        page = client.get(reverse("profile"), follow=True).content.decode()
    assert "Sign in" in page
    assert "You were signed out" not in page


def test_the_message_goes_once_signed_in_again(client, member):
    sign_in(client, member.email)
    with later(61):
        client.get(reverse("profile"))
        assert sign_in(client, member.email).status_code == 302
        client.post(reverse("sign-out"))
        assert "You were signed out" not in client.get(reverse("sign-in")).content.decode()


# --- Keeping what was typed --------------------------------------------------------------------


@pytest.fixture
def bank():
    return bank_build(items_per_section=4)


def item_url(bank, ref):
    return reverse("evidence-item", args=[bank.year, ref])


def test_an_answer_saved_after_the_session_ended_comes_back_after_signing_in(
    client, member, bank, assessment
):
    url = item_url(bank, "1.1.1")  # a text answer
    sign_in(client, member.email)
    client.get(url)
    with later(61):
        saved = client.post(url, {"version": 0, "text": "Our manager leads.", "comments": "Hi"})
        assert saved.status_code == 302
        assert saved["Location"].startswith(reverse("sign-in"))
        assert Answer.objects.count() == 0  # nothing was saved by a signed-out person
        page = client.get(saved["Location"]).content.decode()
        assert IDLE in page
        assert "We kept what you typed on the page you were saving" in page

        signed_in = sign_in(client, member.email, next_url=url)
        assert signed_in["Location"] == url
        item = BeautifulSoup(client.get(url).content, "html.parser")
        assert KEPT in item.get_text(" ", strip=True)
        assert (
            item.find("textarea", attrs={"name": "text"}).get_text().strip() == "Our manager leads."
        )
        assert item.find("textarea", attrs={"name": "comments"}).get_text().strip() == "Hi"
        assert item.find("input", attrs={"name": "version"})["value"] == "0"

        # Given back once: the next visit shows the saved state again.
        again = client.get(url).content.decode()
        assert KEPT not in again
        assert "Our manager leads." not in again
        # And saving it works as ever.
        assert client.post(url, {"version": 0, "text": "Our manager leads.", "comments": ""})[
            "Location"
        ] == reverse("assessment-overview", args=[bank.year])
    assert Answer.objects.get().text == "Our manager leads."


def test_a_kept_choice_comes_back_checked(client, member, bank, assessment):
    url = item_url(bank, "1.1.2")  # yes or no
    sign_in(client, member.email)
    with later(61):
        client.post(url, {"version": 0, "choice": "no", "comments": ""})
        sign_in(client, member.email)
        item = BeautifulSoup(client.get(url).content, "html.parser")
    assert item.find("input", attrs={"name": "choice", "value": "no"}).has_attr("checked")


def test_someone_else_signing_in_on_the_same_browser_never_sees_it(
    client, member, bank, assessment
):
    other = MembershipFactory(
        organisation=member.memberships.get().organisation, user__email="other@care.example"
    ).user
    url = item_url(bank, "1.1.1")
    sign_in(client, member.email)
    with later(61):
        client.post(url, {"version": 0, "text": "Private words of the first person"})
        sign_in(client, other.email, next_url=url)
        page = client.get(url).content.decode()
        assert "Private words" not in page
        assert KEPT not in page
        assert sessions.POST_KEY not in client.session  # dropped at sign-in, not just hidden
        # Nor does it come back for its owner on this browser afterwards.
        client.post(reverse("sign-out"))
        sign_in(client, member.email)
        assert "Private words" not in client.get(url).content.decode()


def test_a_person_in_two_organisations_gets_it_back_in_the_one_they_were_saving_for(
    client, member, bank, organisation, other_organisation
):
    MembershipFactory(organisation=other_organisation, user=member, role=Role.MEMBER)
    for each in (organisation, other_organisation):
        assessment_services.assessment_get_or_create(organisation=each, bank=bank)
    url = item_url(bank, "1.1.1")
    sign_in(client, member.email)
    client.post(reverse("organisation-change"), {"organisation": other_organisation.pk})
    assert client.session["current_organisation_id"] == other_organisation.pk
    with later(61):
        client.post(url, {"version": 0, "text": "For Elsewhere Lodge"})
        sign_in(client, member.email)
        page = client.get(url).content.decode()
    assert client.session["current_organisation_id"] == other_organisation.pk
    assert "For Elsewhere Lodge" in page


def test_kept_text_is_not_given_back_on_another_page(client, member, bank, assessment):
    url = item_url(bank, "1.1.1")
    sign_in(client, member.email)
    with later(61):
        client.post(url, {"version": 0, "text": "Meant for 1.1.1"})
        sign_in(client, member.email)
        assert "Meant for 1.1.1" not in client.get(item_url(bank, "1.1.3")).content.decode()
        assert "Meant for 1.1.1" in client.get(url).content.decode()


def test_a_post_without_any_session_keeps_nothing(client, member, bank, assessment):
    """A forged or stray post (no session that ended here) is sent to sign in with nothing kept."""
    url = item_url(bank, "1.1.1")
    response = client.post(url, {"version": 0, "text": "From nowhere"})
    assert response.status_code == 302
    assert sessions.POST_KEY not in client.session
    sign_in(client, member.email)
    assert "From nowhere" not in client.get(url).content.decode()


def test_a_kept_answer_expires(client, member, bank, assessment):
    url = item_url(bank, "1.1.1")
    sign_in(client, member.email)
    with later(61):
        client.post(url, {"version": 0, "text": "Typed long ago"})
    with later(61 + 50):
        client.get(reverse("sign-in"))  # keeps the signed-out session alive meanwhile
    with later(61 + 62):
        sign_in(client, member.email)
        assert "Typed long ago" not in client.get(url).content.decode()
