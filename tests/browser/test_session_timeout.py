"""In Chromium, with sessions shortened to 30 seconds: the warning comes before the session ends,
is announced as a dialog with the focus on "Stay signed in", and staying works from the keyboard;
someone who does not answer is signed out, saves anyway, signs in again and finds what they typed
back on the item. After saving, the "saved" banner has the focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD, directory_organisation, load_bank, open_assessment, register

pytestmark = pytest.mark.browser

SHORT_SESSION = 30  # seconds
WARNING = 10  # seconds before the end
ITEM = "/assessment/2025-26/items/1.1.5/"  # a text answer


def end_sessions_now() -> None:
    """Every session row past its end (kept, so the portal can still tell why it ended)."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))


def short_sessions(settings, *, warning_seconds: int) -> None:
    """From the next request on, sessions end after SHORT_SESSION idle seconds (the live server
    reads the settings as each request comes)."""
    settings.SESSION_COOKIE_AGE = SHORT_SESSION
    settings.DSPT_SESSION_WARNING_SECONDS = warning_seconds


def registered_administrator(new_page, ods_code: str, email: str):
    load_bank()
    directory_organisation(ods_code, "Birch Lodge Care Home")
    page = new_page()
    register(page, ods_code=ods_code, full_name="Bea Birch", email=email)
    open_assessment(page)  # starts the assessment
    return page


def test_the_warning_comes_in_time_and_staying_signed_in_works(new_page, settings, scanner):
    page = registered_administrator(new_page, "VJ301", "bea@birch.example")
    # Warned 10 of the 30 seconds before the end: a second warning after staying comes 10
    # seconds after the moment the first session would have ended.
    short_sessions(settings, warning_seconds=WARNING)
    page.goto(ITEM)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    warning = page.get_by_role("dialog", name="You will be signed out soon")
    expect(warning).to_be_visible()
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(warning.get_by_role("button", name="Sign out")).to_be_visible()
    expect(warning).to_contain_text(re.compile(r"we will sign you out in \d+ seconds"))
    scanner.scan(page, "Evidence item with the session warning open")
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()

    # The next warning comes only after the first session's end had passed: the page still
    # answers as signed in, so staying really extended the session.
    expect(warning).to_be_visible()
    expect(page.get_by_role("dialog", name="You have been signed out")).to_be_hidden()
    page.reload()
    expect(page).to_have_url(re.compile(r"/items/1\.1\.5/$"))
    expect(page.get_by_role("button", name="Sign out").first).to_be_visible()

    # Saving: the banner takes the focus (no #fragment pulls it away).
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()
    page.get_by_label("Your answer").fill("Our registered manager leads on data security.")
    page.get_by_role("button", name="Save", exact=True).click()
    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_contain_text("Your answer to 1.1.5 has been saved.")
    expect(banner).to_be_focused()
    expect(page).to_have_url(re.compile(r"/assessment/2025-26/$"))
    scanner.assert_clean()


def test_signed_out_while_away_the_typed_answer_comes_back(new_page, settings, scanner):
    page = registered_administrator(new_page, "VJ302", "cal@birch.example")
    short_sessions(settings, warning_seconds=WARNING)
    page.goto(ITEM)
    typed = "Our manager leads; I was typing this when the phone rang."
    page.get_by_label("Your answer").fill(typed)

    expect(page.get_by_role("dialog", name="You will be signed out soon")).to_be_visible()
    ended = page.get_by_role("dialog", name="You have been signed out")
    expect(ended).to_be_visible()  # nobody answered the warning
    expect(ended).to_contain_text(f"You did not use the portal for {SHORT_SESSION} seconds")
    expect(ended).to_contain_text("we will ask you to sign in again and keep what you typed")
    ended.get_by_role("button", name="Stay on this page").click()
    expect(ended).to_be_hidden()
    expect(page.get_by_label("Your answer")).to_have_value(typed)

    # The page counts from when the server marked the session refreshed; on a loaded machine the
    # server saved it (and so set its end) a moment later. The person comes back after it has
    # surely ended there too: their session row is past its end, as after any longer absence.
    end_sessions_now()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
    notice = page.locator("#idle-sign-out")
    expect(notice).to_contain_text(
        f"You were signed out because you were inactive for {SHORT_SESSION} seconds."
    )
    expect(notice).to_contain_text("We kept what you typed")
    expect(notice).to_be_focused()
    scanner.scan(page, "Sign in after an idle sign-out")

    page.get_by_label("Email address").fill("cal@birch.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/items/1\.1\.5/$"))
    kept = page.locator("#kept-answer")
    expect(kept).to_contain_text(
        "We kept what you typed before you were signed out. Check it and save."
    )
    expect(kept).to_be_focused()
    expect(page.get_by_label("Your answer")).to_have_value(typed)
    scanner.scan(page, "Evidence item with the kept answer")

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Your answer to 1.1.5 has been saved."
    )
    scanner.assert_clean()


# Browsers where storage is turned off: open tabs cannot tell each other the session's new end.
STORAGE_OFF = """Object.defineProperty(window, "localStorage", {
  configurable: true,
  get() { throw new DOMException("Storage is turned off", "SecurityError"); },
});"""


def test_staying_signed_in_in_another_tab_keeps_this_one_signed_in(new_page, settings, scanner):
    first = registered_administrator(new_page, "VJ303", "dee@birch.example")
    first.context.add_init_script(STORAGE_OFF)
    short_sessions(settings, warning_seconds=WARNING)
    first.goto(ITEM)
    expect(first.get_by_role("heading", level=1)).to_be_visible()
    # The same person has a second tab open, a moment later.
    second = first.context.new_page()
    second.goto(ITEM)
    expect(second.get_by_role("heading", level=1)).to_be_visible()

    warning = first.get_by_role("dialog", name="You will be signed out soon")
    ended = first.get_by_role("dialog", name="You have been signed out")
    expect(warning).to_be_visible()
    # They answer the warning in the second tab, not in the first.
    second_warning = second.get_by_role("dialog", name="You will be signed out soon")
    expect(second_warning).to_be_visible()
    with first.expect_response(lambda response: "/session/status/" in response.url) as asked:
        second_warning.get_by_role("button", name="Stay signed in").click()
        expect(second_warning).to_be_hidden()
    # The first tab counted to the end of the session as it knew it, asked the portal before
    # saying "signed out", learnt the session goes on and went back to waiting.
    assert asked.value.status == 200
    expect(warning).to_be_hidden()
    expect(ended).to_be_hidden()

    # Still signed in there: saving works without signing in again.
    first.get_by_label("Your answer").fill("Saved from the first tab.")
    first.get_by_role("button", name="Save", exact=True).click()
    expect(first.locator(".nhsuk-notification-banner--success")).to_contain_text(
        "Your answer to 1.1.5 has been saved."
    )
    scanner.assert_clean()
