"""Screenshots of the portal for the README, taken in Chromium from a throwaway copy of the portal.

    .venv/bin/python scripts/screenshots.py

Safe to re-run: it makes a temporary folder with its own SQLite database and media, loads the
demo data (`seed_demo`), answers Meadowbank Care Group's assessment, serves the portal on a free
loopback port (`runserver`, the embedded default: tasks in-process, no Redis), then signs in as
the demo people and saves full-page PNGs, 1280 px wide, into docs/screenshots/:

    assessment-overview.png  evidence-item.png  publish.png  search-results.png  certificate.png

The certificate is the PDF the portal makes, turned into a PNG with `pdftoppm` (poppler-utils);
without it that one image is skipped with a message. Only the server this script started is
stopped, by its process id; the temporary folder is removed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
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
VIEWPORT = {"width": 1280, "height": 900}
DEMO_PASSWORD = "Demo-portal-2025"  # devdata/management/commands/seed_demo.py

# Meadowbank's administrator answers everything Standards Met needs, so it can publish.
PREPARE = """
from assessments import selectors, services
from organisations.models import Organisation, User

organisation = Organisation.objects.get(ods_code="ADM1")
user = User.objects.get(email="admin@meadowbank.example")
bank = selectors.bank_latest()
assessment = services.assessment_get_or_create(organisation=organisation, bank=bank)
values = {
    "text": {"text": "Our registered manager leads on data security, as her job description says."},
    "yes_no": {"choice": "yes"},
    "yes_no_text": {"choice": "yes", "text": "On every account, checked each month."},
    "document": {"document_location": "The policies folder in the manager's office"},
}
done = set(assessment.answers.values_list("item__ref", flat=True))
for item in selectors.bank_items(bank=bank):
    if item.level not in ("approaching", "met") or item.depends_on_id or item.ref in done:
        continue
    answer = values.get(item.answer_type) or {"choice": item.options[0]["value"]}
    services.answer_save(assessment=assessment, item=item, values={**answer, "comments": ""},
                         expected_version=0, user=user)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, server: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The portal stopped while starting (exit code {server.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"The portal did not answer on port {port} within {seconds:.0f} s")


def compact(path: Path) -> None:
    """256 colours, no dithering: a page of flat colours and text looks the same at 40% the size."""
    try:
        from PIL import Image  # installed with WeasyPrint
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
    small.save(path, optimize=True)


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `bash scripts/browser_packages.sh` first.")
        return 1
    from playwright.sync_api import expect, sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dspt-screenshots-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dspt_portal.settings.local",
        DATABASE_URL=f"sqlite:///{work / 'db.sqlite3'}",
        DSPT_MEDIA_ROOT=str(work / "media"),
        # The address printed on the certificate: a public-looking one rather than this port.
        DSPT_SITE_URL="https://dspt-portal.example",
        # Pages, not the second-factor set-up, are what these pictures show.
        DSPT_REQUIRE_MFA_FOR_ADMINISTRATORS="false",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    server = None
    outside: list[str] = []
    errors: list[str] = []
    try:
        print(f"==> A throwaway portal in {work}")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "seed_demo")
        manage(env, "shell", "-c", PREPARE)
        log = open(work / "server.log", "w")  # noqa: SIM115  (closed with the folder)
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(port, server)
        print(f"==> Serving on {base_url} (pid {server.pid})")

        def route(route):
            host = urlsplit(route.request.url).hostname
            if host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort("blockedbyclient")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            context = browser.new_context(
                base_url=base_url, viewport=VIEWPORT, accept_downloads=True, locale="en-GB"
            )
            context.route("**/*", route)
            page = context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda m: (
                    m.type == "error"
                    and not m.text.startswith("Failed to load resource")
                    and errors.append(m.text)
                ),
            )

            def shot(name: str) -> None:
                page.wait_for_load_state("load")
                page.screenshot(path=OUT / name, full_page=True)
                compact(OUT / name)
                print(f"    docs/screenshots/{name}  ({page.url.removeprefix(base_url)})")

            def sign_in(email: str) -> None:
                page.goto("/sign-in/")
                page.get_by_label("Email address").fill(email)
                page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
                page.locator("main").get_by_role("button", name="Sign in").click()
                expect(page.get_by_role("button", name="Sign out")).to_be_visible()

            def work_on(name: str) -> None:
                if name not in page.locator("header").inner_text():
                    page.get_by_role("navigation", name="Account").get_by_role(
                        "link", name="Change organisation"
                    ).click()
                    page.get_by_label(name).check()
                    page.get_by_role("button", name="Continue").click()
                expect(page.locator("header")).to_contain_text(name)

            # Meadowbank Care Group publishes Standards Met for two of its three homes.
            sign_in("admin@meadowbank.example")
            work_on("Meadowbank Care Group")
            page.goto("/publish/")
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("I confirm the organisation profile is correct").check()
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Meadowbank Court").uncheck()
            page.get_by_role("button", name="Continue").click()
            page.get_by_label("Standards Met", exact=True).check()
            page.get_by_role("button", name="Publish", exact=True).click()
            page.get_by_role("button", name="Download certificate (PDF)").click()
            expect(page.get_by_role("status")).to_contain_text("Ready", timeout=30_000)
            with page.expect_download() as download:
                page.get_by_role("button", name="Download").click()
            certificate = work / "certificate.pdf"
            download.value.save_as(certificate)
            page.get_by_role("button", name="Sign out").click()

            # Brook House Care Home, part way through its assessment.
            sign_in("admin@brookhouse.example")
            work_on("Brook House Care Home")
            page.goto("/assessment/")
            shot("assessment-overview.png")
            page.get_by_role("link", name="1.1.5").click()
            shot("evidence-item.png")
            page.goto("/publish/")
            shot("publish.png")
            page.get_by_role("button", name="Sign out").click()

            # Anyone, signed out.
            page.goto("/search/")
            page.get_by_label("Search for an organisation's DSPT status").fill("Meadowbank")
            page.get_by_role("button", name="Search").click()
            expect(page.locator("main table")).to_contain_text("Meadowbank Court")
            shot("search-results.png")
            browser.close()

        if shutil.which("pdftoppm"):
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "80",
                    "-singlefile",
                    str(certificate),
                    str(OUT / "certificate"),
                ],
                check=True,
            )
            compact(OUT / "certificate.png")
            print("    docs/screenshots/certificate.png  (the certificate PDF, page 1)")
        else:
            print(
                "    certificate.png skipped: pdftoppm is missing (apt-get install poppler-utils)"
            )
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)

    for url in outside:
        print(f"warning: a page asked for {url} (refused)")
    for error in errors:
        print(f"warning: a page logged an error: {error}")
    return 1 if outside or errors else 0


if __name__ == "__main__":
    sys.exit(main())
