"""The pages every public service has (help and contact, news, finding an ODS code,
accessibility, cookies, privacy, terms), the footer that links them, and /verify/'s form."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessment_services
from helpdesk.models import Notice
from publishing import services as publishing_services
from register.service_pages import cookies_set, duration_text

from ..conftest import PASSWORD
from ..factories import answer_items, bank_build

pytestmark = pytest.mark.django_db

SERVICE_PAGES = {
    "help-contact": "Help and contact",
    "news": "News",
    "ods-code-help": "Find your organisation's ODS code",
    "accessibility": "Accessibility statement",
    "cookies": "Cookies",
    "privacy": "Privacy notice",
    "terms": "Terms of use",
}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def footer_links(response) -> dict[str, str]:
    footer = soup_of(response).find("footer")
    return {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}


def header_links(response) -> dict[str, str]:
    account = soup_of(response).find("nav", class_="nhsuk-header__account")
    return {a.get_text(strip=True): a["href"] for a in account.find_all("a")}


# --- The footer ---------------------------------------------------------------------------------


def test_the_footer_leads_to_every_service_page_and_each_answers(client):
    links = footer_links(client.get(reverse("home")))
    assert sorted(links.values()) == sorted(reverse(name) for name in SERVICE_PAGES)
    for href in links.values():
        response = client.get(href)
        assert response.status_code == 200, href
        heading = soup_of(response).find("h1").get_text(strip=True)
        assert heading in SERVICE_PAGES.values(), href
        # Each page's footer links to the same pages: a person can go on from any of them.
        assert footer_links(response) == links


def test_the_footer_is_on_pages_for_signed_in_people_and_on_errors(client, administrator):
    expected = footer_links(client.get(reverse("home")))
    client.force_login(administrator)
    assert footer_links(client.get(reverse("assessment-current"), follow=True)) == expected
    assert footer_links(client.get("/no-such-page/")) == expected


# --- Help and contact ----------------------------------------------------------------------------


def test_help_and_contact_gives_the_configured_helpdesk(client, settings):
    settings.DSPT_HELPDESK_EMAIL = "support@helpdesk.example"
    settings.DSPT_HELPDESK_PHONE = "01632 960 123"
    settings.DSPT_HELPDESK_HOURS = "Monday to Thursday, 10am to 4pm"
    settings.DSPT_HELPDESK_REPLY_DAYS = 3
    body = client.get(reverse("help-contact")).content.decode()
    assert 'href="mailto:support@helpdesk.example"' in body
    assert "01632 960 123" in body
    assert "Monday to Thursday, 10am to 4pm" in body
    assert "within 3 working days" in body
    for asked_for in ("ODS code", "what you were trying to do", "screenshot"):
        assert asked_for in body
    assert "Never send screenshots or files that show information about the people" in body


def test_without_a_phone_line_no_phone_is_given(client, settings):
    settings.DSPT_HELPDESK_PHONE = ""
    for name in ("help-contact", "accessibility"):
        page = soup_of(client.get(reverse(name)))
        keys = [dt_.get_text(strip=True) for dt_ in page.select("main dt")]
        assert "Email" in keys
        assert "Phone" not in keys


# --- News -----------------------------------------------------------------------------------------


def notice(title: str, **fields) -> Notice:
    defaults = {
        "body": f"{title}: what it means for you.",
        "expires_on": timezone.localdate() + dt.timedelta(days=7),
        "created_by_name": "Helpdesk",
    }
    return Notice.objects.create(title=title, **{**defaults, **fields})


def test_news_shows_current_notices_newest_first_and_earlier_ones_apart(client):
    now = timezone.now()
    today = timezone.localdate()
    notice("Deadline moved to 31 July", published_at=now - dt.timedelta(days=2))
    notice("Planned downtime on Sunday", published_at=now - dt.timedelta(hours=1))
    notice("Old known problem", expires_on=today - dt.timedelta(days=1))
    notice("Withdrawn by mistake", withdrawn_at=now)
    notice("Not yet published", published_at=now + dt.timedelta(days=1))

    page = soup_of(client.get(reverse("news")))
    main = page.find("main")
    current = [h.get_text(strip=True) for h in main.select(".nhsuk-card h2")]
    assert current == ["Planned downtime on Sunday", "Deadline moved to 31 July"]
    earlier_heading = main.find("h2", string="Earlier news")
    earlier = [h.get_text(strip=True) for h in earlier_heading.find_next("ul").select("h3")]
    assert earlier == ["Old known problem"]
    text = main.get_text(" ", strip=True)
    assert "Withdrawn by mistake" not in text
    assert "Not yet published" not in text
    assert "Planned downtime on Sunday: what it means for you." in text


def test_news_without_notices_says_so(client):
    body = soup_of(client.get(reverse("news"))).find("main").get_text(" ", strip=True)
    assert "There is no news at the moment." in body
    assert "Earlier news" not in body


def test_a_notice_is_shown_as_text_never_as_markup(client):
    notice("<script>alert(1)</script>", body="<b>bold</b>\n\nSecond paragraph")
    body = client.get(reverse("news")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "<p>Second paragraph</p>" in body


# --- Cookies --------------------------------------------------------------------------------------


def test_the_cookies_page_lists_exactly_the_cookies_the_portal_sets(client, administrator):
    """Sign in as a person does and do something that leaves a message for the next page; every
    cookie the portal set on the way is on the page, and nothing else is."""
    responses = [client.get(reverse("sign-in"))]
    responses.append(
        client.post(reverse("sign-in"), {"username": administrator.email, "password": PASSWORD})
    )
    responses.append(client.get(reverse("home")))
    organisation = administrator.memberships.get().organisation
    responses.append(client.post(reverse("organisation-change"), {"organisation": organisation.pk}))
    responses.append(client.get(reverse("home")))
    set_by_the_portal = {name for response in responses for name in response.cookies}

    page = soup_of(client.get(reverse("cookies")))
    listed = [code.get_text(strip=True) for code in page.select("#cookies tbody code")]
    assert sorted(listed) == sorted(set_by_the_portal)
    assert len(listed) == len(set(listed))
    text = page.find("main").get_text(" ", strip=True)
    assert "analytics" not in text.lower()
    assert "We do not use cookies to track you" in text


def test_cookie_lifetimes_follow_the_settings(settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    settings.CSRF_COOKIE_AGE = 7 * 24 * 60 * 60
    by_name = {cookie.name: cookie for cookie in cookies_set()}
    assert by_name[settings.SESSION_COOKIE_NAME].expires == (
        "After 30 minutes without using the portal"
    )
    assert by_name[settings.CSRF_COOKIE_NAME].expires == "After 1 week"
    settings.CSRF_USE_SESSIONS = True
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    assert [cookie.name for cookie in cookies_set()] == [settings.SESSION_COOKIE_NAME]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (60 * 60, "1 hour"),
        (2 * 60 * 60, "2 hours"),
        (15 * 60, "15 minutes"),
        (24 * 60 * 60, "1 day"),
        (31449600, "52 weeks"),
        (90, "90 seconds"),
        (1, "1 second"),
    ],
)
def test_duration_text(seconds, text):
    assert duration_text(seconds) == text


# --- Privacy ------------------------------------------------------------------------------------


def test_the_privacy_notice_gives_the_configured_lifetimes(client, settings):
    settings.SESSION_COOKIE_AGE = 2 * 60 * 60
    settings.DSPT_INVITATION_DAYS = 5
    body = soup_of(client.get(reverse("privacy"))).find("main").get_text(" ", strip=True)
    assert "You are signed out after 2 hours without using the portal" in body
    assert "Invitations stop working after 5 days" in body
    for kept in ("IP", "two-factor", "evidence files", "published status"):
        assert kept in body


# --- Finding an ODS code ------------------------------------------------------------------------


def test_the_register_page_links_to_the_ods_code_guidance(client):
    page = soup_of(client.get(reverse("register")))
    hint = page.find(id="id_ods_code-hint")
    link = hint.find("a")
    assert link["href"] == reverse("ods-code-help")
    assert link.get_text(strip=True) == "Don't know your ODS code?"
    # The hint is read with the field.
    assert "id_ods_code-hint" in page.find(id="id_ods_code")["aria-describedby"]
    guidance = soup_of(client.get(link["href"])).find("main")
    hrefs = [a["href"] for a in guidance.find_all("a")]
    assert reverse("organisation-search") in hrefs
    assert reverse("help-contact") in hrefs
    assert any(href.startswith("https://") and "ods" in href for href in hrefs)
    assert "do not show your ODS code" in guidance.get_text(" ", strip=True)


# --- The header -----------------------------------------------------------------------------------


def test_signed_out_people_can_check_a_status_and_a_certificate_from_the_header(client):
    links = header_links(client.get(reverse("home")))
    assert links["Check a status"] == reverse("organisation-search")
    assert links["Check a certificate"] == reverse("certificate-verify-start")


@pytest.mark.parametrize("person", ["administrator", "viewer"])
def test_signed_in_people_keep_both_checks_in_the_header(client, person, request):
    client.force_login(request.getfixturevalue(person))
    links = header_links(client.get(reverse("home")))
    assert links["Check a status"] == reverse("organisation-search")
    assert links["Check a certificate"] == reverse("certificate-verify-start")
    assert "Sign in" not in links


def test_the_home_page_offers_checking_a_certificate(client):
    main = soup_of(client.get(reverse("home"))).find("main")
    link = main.find("a", string="check a certificate")
    assert link["href"] == reverse("certificate-verify-start")


# --- /verify/ ------------------------------------------------------------------------------------


@pytest.fixture
def publication(organisation, administrator):
    bank = bank_build(items_per_section=4)
    assessment = assessment_services.assessment_get_or_create(organisation=organisation, bank=bank)
    answer_items(assessment, administrator)
    return publishing_services.publication_create(
        assessment=assessment, level="met", site_ids=[], sequence=1, user=administrator
    )


def check(client, code: str, **extra):
    return client.get(reverse("certificate-verify-start"), {"code": code}, **extra)


def test_the_form_is_offered_without_a_code(client):
    response = client.get(reverse("certificate-verify-start"))
    assert response.status_code == 200
    page = soup_of(response)
    assert page.find("h1").get_text(strip=True) == "Check a DSPT certificate"
    assert page.find("label", attrs={"for": "id_code"}).get_text(strip=True) == (
        "Verification code"
    )
    assert page.find(class_="nhsuk-error-summary") is None


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.lower(),
        lambda code: code.replace("-", " "),
        lambda code: f"  {code.replace('-', '').lower()}  ",
        lambda code: code.replace("-", " - ").lower(),
        lambda code: code.replace("-", "\t"),
    ],
)
def test_a_typed_code_goes_to_its_certificate(client, publication, typed):
    response = check(client, typed(publication.verification_code))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "certificate-verify", args=[publication.verification_code]
    )
    body = client.get(response["Location"]).content.decode()
    assert "This certificate is genuine and current" in body


def test_an_unknown_code_of_the_right_shape_is_not_found_on_its_page(client, publication):
    response = check(client, "abcde fghjk mnpqr stvwx", follow=True)
    assert response.redirect_chain == [
        (reverse("certificate-verify", args=["ABCDE-FGHJK-MNPQR-STVWX"]), 302)
    ]
    assert response.status_code == 404
    assert "We have no certificate with the code ABCDE-FGHJK-MNPQR-STVWX" in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the verification code from the certificate"),
        ("   ", "Enter the verification code from the certificate"),
        ("hello world", "20 letters and numbers"),
        ("ABCDE-FGHJK-MNPQR-STVW", "20 letters and numbers"),  # one short
        ("ABCDE-FGHJK-MNPQR-STVWXY", "20 letters and numbers"),  # one too many
        ("ABCDE/FGHJK/MNPQR/STVWX", "20 letters and numbers"),
        ("A" * 61, "20 letters and numbers"),
        ("<script>ABCDE</script>", "20 letters and numbers"),
    ],
)
def test_what_cannot_be_a_code_is_refused_with_an_error_summary(client, typed, message):
    response = check(client, typed)
    assert response.status_code == 400
    page = soup_of(response)
    summary = page.find(class_="nhsuk-error-summary")
    assert message in summary.get_text(" ", strip=True)
    assert summary.find("a")["href"] == "#id_code"
    assert page.title.get_text().startswith("Error:")
    assert "<script>ABCDE" not in response.content.decode()
