#!/usr/bin/env python3
"""Copy what the portal needs from the NHS.UK frontend package into static/nhsuk/ (generated).

    node_modules/nhsuk-frontend/dist/nhsuk/  ->  static/nhsuk/
        nhsuk-frontend.min.css   every @font-face rule removed (no request may leave the machine:
                                 the CSS falls back to Arial), url(/assets/...) made relative
                                 (url(assets/...)) so it works under STATIC_URL and with hashed
                                 static file names; the source map comment dropped
        nhsuk-frontend.min.js    the ES module, source map comment dropped
        assets/                  icons, favicons and the web app manifest

Quick when nothing changed: a stamp records the package version and a digest of this script.
Run with --force to rebuild anyway. Exits non-zero with a clear message when node_modules is missing
or when the package's CSS would still load anything from another host.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "node_modules" / "nhsuk-frontend"
SOURCE = PACKAGE / "dist" / "nhsuk"
TARGET = ROOT / "static" / "nhsuk"
STAMP_NAME = ".build-stamp.json"

CSS_NAME = "nhsuk-frontend.min.css"
JS_NAME = "nhsuk-frontend.min.js"

FONT_FACE = re.compile(r"@font-face\s*\{[^{}]*\}")
ABSOLUTE_ASSETS = re.compile(r"""url\((\s*["']?)/assets/""")
CSS_SOURCE_MAP = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")
JS_SOURCE_MAP = re.compile(r"//#\s*sourceMappingURL=\S*")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


class BuildError(Exception):
    pass


def fail(message: str) -> None:
    print(f"build_frontend: {message}", file=sys.stderr)
    sys.exit(1)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def package_version() -> str:
    try:
        return json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError) as error:
        raise BuildError(f"cannot read the nhsuk-frontend version: {error}") from error


def expected_stamp() -> dict[str, str]:
    return {
        "nhsuk-frontend": package_version(),
        "builder": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
    }


def is_up_to_date(stamp: dict[str, str]) -> bool:
    try:
        current = json.loads((TARGET / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    outputs = [TARGET / CSS_NAME, TARGET / JS_NAME, TARGET / "assets" / "images"]
    return current == stamp and all(path.exists() for path in outputs)


def css_urls(css: str) -> list[str]:
    return [match.group(1).strip() for match in CSS_URL.finditer(css)]


def transform_css(css: str) -> str:
    css = FONT_FACE.sub("", css)
    css = ABSOLUTE_ASSETS.sub(r"url(\1assets/", css)
    css = CSS_SOURCE_MAP.sub("", css)
    return css.rstrip() + "\n"


def check_css(css: str, assets_parent: Path) -> None:
    """Refuse a stylesheet that would fetch anything from another host or a missing file."""
    if "@font-face" in css:
        raise BuildError("an @font-face rule survived the rewrite")
    for url in css_urls(css):
        if url.startswith(("data:", "#")):
            continue
        if REMOTE.match(url) or url.startswith("/"):
            raise BuildError(f"the stylesheet still refers to {url!r}")
        if not (assets_parent / url.split("?")[0].split("#")[0]).is_file():
            raise BuildError(f"the stylesheet refers to {url!r}, which the package does not ship")


def transform_js(js: str) -> str:
    return JS_SOURCE_MAP.sub("", js).rstrip() + "\n"


def build(stamp: dict[str, str]) -> None:
    work = TARGET.with_name(TARGET.name + ".tmp")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    try:
        shutil.copytree(SOURCE / "assets", work / "assets")

        css = transform_css((SOURCE / CSS_NAME).read_text(encoding="utf-8"))
        check_css(css, work)
        (work / CSS_NAME).write_text(css, encoding="utf-8")

        js = transform_js((SOURCE / JS_NAME).read_text(encoding="utf-8"))
        if "initAll" not in js:
            raise BuildError(f"{JS_NAME} no longer exports initAll")
        (work / JS_NAME).write_text(js, encoding="utf-8")

        (work / STAMP_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")

        if TARGET.exists():
            shutil.rmtree(TARGET)
        work.rename(TARGET)
    finally:
        if work.exists():
            shutil.rmtree(work)


def main(argv: list[str]) -> int:
    force = "--force" in argv
    if not (SOURCE / CSS_NAME).is_file() or not (SOURCE / JS_NAME).is_file():
        fail(
            f"{_display(SOURCE)} is missing or incomplete. "
            "Install the NHS.UK frontend first: run `npm ci` in the project folder "
            "(or `bash scripts/bootstrap.sh`, which does it for you)."
        )
    try:
        stamp = expected_stamp()
        if not force and is_up_to_date(stamp):
            print(f"==> NHS.UK frontend {stamp['nhsuk-frontend']} in static/nhsuk is up to date")
            return 0
        build(stamp)
    except (BuildError, OSError) as error:
        fail(str(error))
    print(f"==> Built static/nhsuk from nhsuk-frontend {stamp['nhsuk-frontend']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
