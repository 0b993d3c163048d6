"""Static files as production serves them.

The rest of the suite serves static files from the finders (dspt_portal/settings/test.py). Here
they go through production's staticfiles storage (read from dspt_portal.settings.production): run
`collectstatic` into a temporary STATIC_ROOT, then render the main pages with that storage and
WhiteNoise serving only what was collected. An asset a template names that is not collected, a
stylesheet pointing at a missing file, or a module import that does not resolve fails here.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

ROOT = Path(settings.BASE_DIR)
HASH = re.compile(r"\.[0-9a-f]{12}(?=\.[^./]+$)")  # what the manifest storage adds to a name
MODULE_IMPORT = re.compile(r"""\bimport\s[^"']*?from\s*["']([^"']+)["']""")


def production_staticfiles_storage() -> dict:
    """STORAGES["staticfiles"] as dspt_portal.settings.production sets it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "DSPT_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dspt_portal.settings.production",
        DJANGO_SECRET_KEY="s" * 20 + "-static-files-test-secret-value-0123456789",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/x",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, json; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['staticfiles']))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(shown.stdout)


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The settings production serves static files with, STATIC_ROOT collected into a temporary
    folder."""
    storage = production_staticfiles_storage()
    # Only a manifest storage turns a missing asset into an error: make sure this is one.
    assert issubclass(import_string(storage["BACKEND"]), ManifestFilesMixin), storage
    overrides = {
        "STORAGES": {**settings.STORAGES, "staticfiles": storage},
        "STATIC_ROOT": str(tmp_path_factory.mktemp("staticfiles")),
        "WHITENOISE_USE_FINDERS": False,
        "WHITENOISE_AUTOREFRESH": False,
        "DEBUG": False,
    }
    with override_settings(**overrides):
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    return overrides


@pytest.fixture
def served(production_static):
    """A client whose WhiteNoise serves only the collected files."""
    with override_settings(**production_static):
        yield Client()  # a new client: its middleware reads the new STATIC_ROOT


def static_urls(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for element in soup.find_all(["link", "script", "img"]):
        url = element.get("href") or element.get("src")
        if url and url.startswith(settings.STATIC_URL):
            found.append(url)
    return found


def assert_assets_served(client, html: str) -> list[str]:
    """Every static file the page names is the collected, hashed copy, and is served; so is every
    module a served script imports."""
    urls = static_urls(html)
    assert urls, "the page names no static files"
    pending = list(urls)
    seen = set()
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".js"):
            for target in MODULE_IMPORT.findall(body.decode("utf-8")):
                pending.append(urljoin(url, target))
    return urls


def test_the_pages_name_the_hashed_copies_the_manifest_gives(served):
    urls = static_urls(served.get(reverse("home")).content.decode())
    plain = [HASH.sub("", url) for url in urls]
    assert plain == [
        "/static/nhsuk/assets/images/favicon.ico",
        "/static/nhsuk/assets/images/favicon.svg",
        "/static/nhsuk/assets/images/nhsuk-icon-180.png",
        "/static/nhsuk/nhsuk-frontend.min.css",
        "/static/css/app.css",
        "/static/js/app.js",
    ]
    for url, name in zip(urls, plain, strict=True):
        assert url != name  # a content hash in the name: cached for ever, safely
        assert staticfiles_storage.url(name.removeprefix(settings.STATIC_URL)) == url


# (URL name, its arguments from the bank, signed in as a member?)
PAGES = {
    "home": ("home", lambda bank: [], False),
    "search": ("organisation-search", lambda bank: [], False),
    "sign-in": ("sign-in", lambda bank: [], False),
    "assessment": ("assessment-overview", lambda bank: [bank.year], True),
    "evidence-item": ("evidence-item", lambda bank: [bank.year, "1.1.1"], True),
}


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_main_pages_render_and_their_assets_are_served(served, member, assessment, bank, page):
    name, arguments, signed_in = PAGES[page]
    if signed_in:
        served.force_login(member)
    query = {"q": "Langdale"} if page == "search" else {}  # the results page, not the empty form
    response = served.get(reverse(name, args=arguments(bank)), query)
    assert response.status_code == 200
    assert_assets_served(served, response.content.decode())


def test_a_missing_asset_fails_the_page(served):
    """What a template naming a file that was not collected does in production: an error, not a
    page with a broken link (so the tests above would catch it)."""
    with pytest.raises(ValueError, match=r"Missing staticfiles manifest entry for 'css/gone\.css'"):
        staticfiles_storage.url("css/gone.css")


def test_each_address_is_worked_out_once_and_is_the_manifests(served, monkeypatch):
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    first = staticfiles_storage.url("css/app.css")
    assert HASH.search(first)
    assert first == CompressedManifestStaticFilesStorage.url(staticfiles_storage, "css/app.css")

    def manifest_read(*args, **kwargs):
        raise AssertionError("the manifest was read again")

    monkeypatch.setattr(CompressedManifestStaticFilesStorage, "url", manifest_read)
    assert staticfiles_storage.url("css/app.css") == first
    # A file not asked for before still goes to the manifest.
    with pytest.raises(AssertionError, match="read again"):
        staticfiles_storage.url("js/app.js")
