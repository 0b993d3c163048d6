"""Browser tests: Debian's Chromium, driven by Playwright, against Django's live server.

Every test starts from an empty database (`live_server` brings `transactional_db`) and creates only
what a person cannot click: rows of the national directory and question banks (and, where a test
says so, answers through the services layer to save time). Everything else — registering,
inviting, answering, publishing — is done in the browser.

Every page a test opens is watched. The test fails (at teardown) when the page
  * tried to reach anything but the live server (the request is refused and recorded), or
  * raised a JavaScript error or logged a console error. The one console error allowed is
    Chromium's "Failed to load resource: the server responded with a status of 4xx", and only for
    a page (document) the server answered with 4xx on purpose: forms with errors answer 400,
    refusals 403, missing pages 404, conflicts 409.

Helpers for the journeys live here too (`register`, `sign_in`, `invite`, `fill_answer`, ...), and
the axe-core `scanner`; the test modules import them from this module, never from one another.

Django's DJANGO_ALLOW_ASYNC_UNSAFE is set for these tests only (the `_async_unsafe_allowed`
fixture), and the browser is opened and closed with them (package scope), so the tests that run
after them are as strict as ever about ORM calls under an event loop.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
LOOPBACK = {"127.0.0.1", "localhost"}

# Generous, for a loaded machine: a wait only ends early when what it waits for has happened.
ACTION_TIMEOUT_MS = 30_000  # clicks, fills, goto
EXPECT_TIMEOUT_MS = 30_000  # expect(...) assertions
NAVIGATION_TIMEOUT_MS = 60_000  # a click that loads the next page
# Making a document: tasks run in-process here, so the request that asks for a certificate or a
# spreadsheet makes it before it answers (seen at 29 s for a certificate on a loaded machine).
DOCUMENT_TIMEOUT_MS = 180_000

PASSWORD = "Browser-journeys-2025"
FIXTURES = Path(django_settings.BASE_DIR) / "fixtures"
BANK_2025 = FIXTURES / "question-bank-2025-26.yaml"

# Chromium's own line for a resource the server answered with an error status.
_FAILED_RESOURCE = re.compile(
    r"^Failed to load resource: the server responded with a status of (\d{3})"
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives Chromium through the portal against the live server"
    )


# --- Watching pages -------------------------------------------------------------------------------


@dataclass
class PageWatch:
    """What the pages of one browser context did that a test must not allow."""

    outside_requests: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # message, page or script
    failed_resources: list[tuple[int, str, str]] = field(default_factory=list)  # status, url, text
    error_responses: dict[str, set[str]] = field(default_factory=dict)  # url -> resource types
    _watched: set[int] = field(default_factory=set)

    def route(self, route) -> None:
        request = route.request
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname in LOOPBACK:
            route.continue_()
            return
        self.outside_requests.append(f"{request.method} {request.url} ({request.resource_type})")
        route.abort("blockedbyclient")

    def watch(self, page: Page) -> None:
        if id(page) in self._watched:
            return
        self._watched.add(id(page))
        page.on(
            "pageerror", lambda error: self.errors.append((f"JavaScript error: {error}", page.url))
        )
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = _FAILED_RESOURCE.match(message.text)
        if failed:
            self.failed_resources.append((int(failed.group(1)), url, message.text))
        else:
            self.errors.append((f"Console error: {message.text}", url))

    def _response(self, response) -> None:
        if response.status >= 400:
            kinds = self.error_responses.setdefault(response.url, set())
            kinds.add(response.request.resource_type)

    def problems(self) -> list[str]:
        found = [f"Request outside the live server: {r}" for r in self.outside_requests]
        errors = list(self.errors)
        for status, url, text in self.failed_resources:
            kinds = self.error_responses.get(url, set())
            if 400 <= status < 500 and kinds == {"document"}:
                continue  # an error page the server sent on purpose
            errors.append((f"{text} (resource type: {'/'.join(sorted(kinds)) or 'unknown'})", url))
        # The same error on every page is one problem: say it once, with where it happened.
        where: dict[str, list[str]] = {}
        for text, url in errors:
            where.setdefault(text, []).append(url)
        for text, urls in where.items():
            urls = list(dict.fromkeys(urls))
            shown = ", ".join(urls[:3]) + (f" and {len(urls) - 3} more" if len(urls) > 3 else "")
            found.append(f"{text}\n      at {shown}")
        return found


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="package", autouse=True)
def _async_unsafe_allowed():
    """Playwright's sync API keeps an event loop in the test thread; Django refuses ORM calls from
    a thread with a running loop unless told it is safe. It is here, and only here: the loop only
    drives the browser. Set for the browser tests alone, and unset again after them."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(_async_unsafe_allowed):
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run `bash scripts/browser_packages.sh` (installs Debian's "
            "chromium), or leave the browser tests out with -m 'not browser'",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _browser_settings(settings, tmp_path, live_server):
    # Uploaded evidence and made documents go to this test's own folder.
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.DSPT_SITE_URL = live_server.url
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    mail.outbox = []


@pytest.fixture
def new_page(browser, live_server):
    """Opens a watched page in a fresh browser context (its own cookies: its own person)."""
    opened: list[tuple[object, PageWatch]] = []

    def open_page(viewport: dict | None = None) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            accept_downloads=True,
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        watch = PageWatch()
        context.route("**/*", watch.route)
        context.on("page", watch.watch)
        page = context.new_page()
        watch.watch(page)
        opened.append((context, watch))
        return page

    yield open_page

    problems = []
    for context, watch in opened:
        problems += watch.problems()
        context.close()
    if problems:
        pytest.fail(
            "The browser saw problems:\n  " + "\n  ".join(dict.fromkeys(problems)), pytrace=False
        )


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


# --- Accessibility ------------------------------------------------------------------------------

# WCAG A and AA, and axe's best practices (landmarks, one main heading, ...) as well.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()

# Every error summary link must lead to an element on the page.
_BROKEN_SUMMARY_LINKS = """() => [...document.querySelectorAll('.nhsuk-error-summary a[href^="#"]')]
    .map(a => a.getAttribute('href'))
    .filter(href => !document.getElementById(decodeURIComponent(href.slice(1))))"""


@dataclass
class Scanner:
    """Scans pages with axe-core and remembers what was wrong with each."""

    problems: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)

    def scan(self, page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        results = _axe.run(page, options=AXE_OPTIONS).response
        self.scanned.append(name)
        for violation in results["violations"]:
            lines = [
                f"{name} ({page.url}): {violation['id']} [{violation['impact']}] "
                f"{violation['help']}"
            ]
            for node in violation["nodes"][:5]:
                target = " ".join(str(t) for t in node["target"])
                html = re.sub(r"\s+", " ", node["html"])[:160]
                summary = re.sub(r"\s+", " ", node.get("failureSummary") or "")[:300]
                lines.append(f"    at {target}: {html}\n      {summary}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    and {len(violation['nodes']) - 5} more elements")
            self.problems.append("\n".join(lines))

    def scan_error(self, page: Page, name: str, message: str | None = None) -> None:
        """The page shows a form in its error state: summary, title, links, then axe."""
        summary = page.locator(".nhsuk-error-summary")
        expect(summary, f"{name}: the error summary").to_be_visible()
        if message:
            expect(summary).to_contain_text(message)
        title = page.title()
        if not title.startswith("Error:"):
            self.problems.append(f"{name} ({page.url}): the title {title!r} lacks 'Error: '")
        broken = page.evaluate(_BROKEN_SUMMARY_LINKS)
        if broken:
            self.problems.append(f"{name} ({page.url}): error summary links to nothing: {broken}")
        self.scan(page, f"{name} in its error state")

    def assert_clean(self) -> None:
        if self.problems:
            pytest.fail(
                f"{len(self.problems)} accessibility problem(s) on {len(self.scanned)} pages "
                "scanned:\n\n" + "\n\n".join(self.problems),
                pytrace=False,
            )


@pytest.fixture
def scanner():
    """Scans pages with axe-core; the test calls `scanner.assert_clean()` at its end."""
    return Scanner()


# --- Data a person cannot click -------------------------------------------------------------------


def load_bank(path: Path = BANK_2025):
    from assessments.models import QuestionBank

    call_command("load_question_bank", str(path), stdout=io.StringIO())
    return QuestionBank.objects.order_by("-year").first()


def directory_organisation(ods_code: str, name: str, *, kind: str = "site", parent=None, **extra):
    """A row of the national directory: known to the portal, not registered."""
    from organisations.models import Organisation

    return Organisation.objects.create(
        ods_code=ods_code,
        name=name,
        kind=kind,
        parent=parent,
        primary_sector="Social Care",
        postcode=extra.pop("postcode", "LS1 4AP"),
        town=extra.pop("town", "Leeds"),
        source=Organisation.Source.TOOLKIT_EXPORT,
        **extra,
    )


SERVICE_VALUES = {
    "text": {"text": "Our registered manager leads on this; see the policy folder."},
    "yes_no": {"choice": "yes"},
    "yes_no_text": {"choice": "yes", "text": "Every account, checked monthly."},
    "date": {"date": datetime.date(2025, 4, 1)},
    "number": {"number": 97},  # a percentage trained at or above 3.2.1's 95
    "document": {"document_location": "Policies folder in the manager's office"},
}


# A valid answer for each known answer format (assessments.rules.ANSWER_FORMATS).
FORMATTED_ANSWERS = {"ico_registration_number": "ZA046070"}


def answer_with_services(*, ods_code: str, email: str, levels=("approaching", "met"), skip=()):
    """Saves answers to the latest bank's items at `levels` the way the evidence page would."""
    from assessments import selectors, services
    from assessments.models import Answer
    from organisations.models import Organisation, User

    organisation = Organisation.objects.get(ods_code=ods_code)
    user = User.objects.get(email=email)
    bank = selectors.bank_latest()
    assessment = services.assessment_get_or_create(organisation=organisation, bank=bank)
    for item in selectors.bank_items(bank=bank):
        if item.level not in levels or item.depends_on_id or item.ref in skip:
            continue
        if item.answer_type == "choice":
            values = {"choice": item.options[0]["value"]}
        elif item.answer_format:
            # A text answer with a known format (1.1.1's ICO registration number) is saved in
            # that format, as the evidence page would insist.
            values = {"text": FORMATTED_ANSWERS[item.answer_format]}
        else:
            values = SERVICE_VALUES[item.answer_type]
        existing = Answer.objects.filter(assessment=assessment, item=item).first()
        services.answer_save(
            assessment=assessment,
            item=item,
            values={**values, "comments": ""},
            expected_version=existing.version if existing else 0,
            user=user,
        )
    return assessment


def _pdf_bytes(text: str) -> bytes:
    """A minimal but complete PDF 1.4 file with one page of text (cross-reference table and all)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def write_pdf(path: Path, text: str = "Data security policy") -> Path:
    path.write_bytes(_pdf_bytes(text))
    return path


# --- What a person does ---------------------------------------------------------------------------


def click_through(locator) -> Page:
    """Clicks a link or button that loads a new page; returns once that page has loaded.

    Waits on the navigation the click starts (whatever its address: a form that comes back with
    errors loads the same one), so a check run straight after cannot see the page being left.
    """
    page = locator.page
    settle(page)
    with page.expect_navigation(wait_until="load", timeout=NAVIGATION_TIMEOUT_MS):
        locator.click()
    return page


_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def settle(page: Page) -> None:
    """Waits until the page has loaded and the NHS.UK header has laid out its menu.

    The header moves its links in and out of a "More" menu on the animation frames after any
    change of the menu's size (stylesheets and fonts arriving, the banner appearing); a click
    landing while it does so can be lost. This waits for the load event, then for two frames to
    be painted, so the header's pending re-layout has run.
    """
    page.wait_for_load_state("load")
    page.evaluate(_TWO_FRAMES)


def expect_document_ready(page: Page) -> None:
    """After asking for a document: its page says it is ready and offers the download (the
    document was made while the request waited)."""
    job = page.locator("#document-job")
    expect(job).to_contain_text("Ready", timeout=DOCUMENT_TIMEOUT_MS)
    expect(job.get_by_role("button", name=re.compile(r"^Download "))).to_be_visible()


def expect_success(page: Page, text: str) -> None:
    banner = page.locator(".nhsuk-notification-banner--success")
    expect(banner).to_contain_text(text)


def registration_link(email: str) -> str:
    """The link in the newest registration email sent to `email` (read from Django's outbox)."""
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    return re.search(r"https?://\S+/register/complete/\S+/", message.body).group(0)


def register(page: Page, *, ods_code: str, full_name: str = "", email: str = "") -> None:
    """Registers an organisation by its ODS code through the emailed link; a signed-out person
    creates their account on the link's page, a signed-in one confirms with their own address."""
    page.goto("/register/")
    page.get_by_label("What is your organisation's ODS code?").fill(ods_code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Confirm your organisation", level=1)).to_be_visible()
    address = page.get_by_label("Your email address")
    if email:
        address.fill(email)
    email = address.input_value()
    page.get_by_label("This is my organisation and I am allowed to register it").check()
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()
    page.goto(registration_link(email))
    if full_name:
        page.get_by_label("Your full name").fill(full_name)
        page.get_by_label("Create a password").fill(PASSWORD)
        page.get_by_label("Confirm your password").fill(PASSWORD)
        page.get_by_role("button", name="Create account and register").click()
    else:
        page.get_by_role("button", name="Register organisation").click()
    expect_success(page, "is registered. You are its administrator")


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(account_menu(page).get_by_role("link", name="Sign in")).to_be_visible()


def invite(page: Page, *, email: str, role: str) -> str:
    """Invites `email` from Manage users; returns the link the invitation email carries."""
    page.goto("/")
    click_through(menu(page).get_by_role("link", name="Manage users"))
    page.get_by_role("button", name="Invite someone").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label(role, exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect_success(page, f"We have sent an invitation to {email}")
    message = next(m for m in reversed(mail.outbox) if email in m.to)
    return re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)


def accept_invitation(page: Page, link: str, *, full_name: str) -> None:
    """Opens the emailed link signed out and creates the account it asks for."""
    page.goto(link)
    page.get_by_label("Your full name").fill(full_name)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm your password").fill(PASSWORD)
    page.get_by_role("button", name="Create account and join").click()
    expect_success(page, "You have joined")


def menu(page: Page):
    return page.get_by_role("navigation", name="Menu")


def account_menu(page: Page):
    return page.get_by_role("navigation", name="Account")


def open_assessment(page: Page) -> None:
    """Opens this year's assessment from the menu, starting it first if nobody has yet."""
    click_through(menu(page).get_by_role("link", name="Assessment"))
    start = page.get_by_role("button", name=re.compile(r"^Start the \d{4}-\d{2} assessment$"))
    if start.count():
        click_through(start)
    expect(
        page.get_by_role("heading", name=re.compile(r"^Data security assessment"))
    ).to_be_visible()


def choose_file(control, path: Path) -> None:
    """Chooses a file with a file input as a person would: click it, pick the file.

    The label names the file input itself (no script swaps it for a button), so `control` is
    found by its label; clicking it opens the file chooser.
    """
    page = control.page
    page.wait_for_load_state("load")
    with page.expect_file_chooser() as chooser:
        control.click()
    chooser.value.set_files(path)


def fill_answer(page: Page, *, upload: Path | None = None, choice: str | None = None) -> str:
    """Fills the evidence item form on the page by the input it shows; returns the kind found."""
    form = page.locator("main form")
    if form.get_by_label("Upload a document").count():
        if upload is not None:
            choose_file(form.get_by_label("Upload a document"), upload)
        else:
            form.get_by_label("Or say where the document is kept").fill(
                "The policies folder in the manager's office"
            )
        return "document"
    if form.get_by_role("group", name="Date", exact=True).count():
        form.get_by_label("Day").fill("1")
        form.get_by_label("Month").fill("4")
        form.get_by_label("Year").fill("2025")
        return "date"
    if form.get_by_label("Number", exact=True).count():
        form.get_by_label("Number", exact=True).fill("97")
        return "number"
    if form.get_by_role("radio").count():
        if (
            form.get_by_label("Yes", exact=True).count()
            and form.get_by_label("No", exact=True).count()
        ):
            form.get_by_label("Yes", exact=True).check()
            if form.get_by_label("Give details").count():
                form.get_by_label("Give details").fill("Checked by the registered manager.")
                return "yes_no_text"
            return "yes_no"
        if choice:
            form.get_by_label(choice).check()
        else:
            form.get_by_role("radio").first.check()
        return "choice"
    if form.get_by_label("Your ICO registration number").count():  # the bank's answer_format
        form.get_by_label("Your ICO registration number").fill("ZA046070")
        return "text"
    form.get_by_label("Your answer").fill(
        "The registered manager is responsible; it is in her job description."
    )
    return "text"


def publish(page: Page, *, level: str, untick: tuple[str, ...] = ()) -> None:
    """From the dashboard through every publish step; `untick` names sites to leave out."""
    page.goto("/")
    page.get_by_role("link", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name="Publish your assessment")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I confirm the organisation profile is correct").check()
    page.get_by_role("button", name="Continue").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("Who would you like to publish for|Check and publish"))
    if heading.inner_text().startswith("Who would"):
        for name in untick:
            page.get_by_label(name).uncheck()
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check and publish")).to_be_visible()
    page.get_by_label(level, exact=True).check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect_success(page, "You have published")


def public_search(page: Page, query: str):
    """Searches signed out; returns the results table's rows as {name: row text}."""
    page.goto("/search/")
    page.get_by_label("Search for an organisation's DSPT status").fill(query)
    page.get_by_role("button", name="Search").click()
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    found = {}
    for index in range(rows.count()):
        row = rows.nth(index)
        found[row.get_by_role("link").inner_text().strip()] = " ".join(row.inner_text().split())
    return found


# --- Helpdesk staff -------------------------------------------------------------------------------


def helpdesk_staff(email: str, full_name: str, role: str = "operator"):
    """A helpdesk account (made as `create_operator` would) with an authenticator app set up;
    returns the app's device, for `sign_in_with_code`."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from helpdesk.models import Operator
    from organisations.models import User

    user = User.objects.create_user(email, PASSWORD, full_name=full_name)
    Operator.objects.create(user=user, role=role)
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def sign_in_with_code(page: Page, device, *, then: str, next_heading: str) -> None:
    """Signs in with the password, then the code the person's app shows now; opens `then`."""
    from django_otp.oath import totp

    page.goto("/sign-in/")
    page.get_by_label("Email address").fill(device.user.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_be_visible()
    page.get_by_label("Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.locator("main").get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your code", level=1)).to_have_count(0)
    page.goto(then)
    expect(page.get_by_role("heading", name=next_heading, level=1)).to_be_visible()
