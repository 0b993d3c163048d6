"""The NHS.UK frontend package's example markup, and a structural comparison of markup with it.

The package ships golden HTML for each component
(node_modules/nhsuk-frontend/dist/nhsuk/components/<name>/fixtures.json). Markup is compared on
structure, not whitespace: the tree of elements with their classes, the attributes that change
behaviour (role, data-module, type, inputmode...), and what every aria-describedby / for /
aria-controls / aria-labelledby points at (described by the target's tag and classes, since ids
differ).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from bs4 import BeautifulSoup, Tag
from django.conf import settings

COMPONENTS = (
    Path(settings.BASE_DIR) / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk" / "components"
)

SIGNIFICANT_ATTRIBUTES = (
    "role",
    "data-module",
    "type",
    "inputmode",
    "hidden",
    "multiple",
    "spellcheck",
    "autocapitalize",
    "aria-label",
)
REFERENCE_ATTRIBUTES = ("aria-describedby", "for", "aria-controls", "aria-labelledby")


@cache
def package_fixtures(component: str) -> list[dict]:
    """The examples the nhsuk-frontend package ships for `component` (name, description, html)."""
    path = COMPONENTS / component / "fixtures.json"
    return json.loads(path.read_text(encoding="utf-8"))["fixtures"]


def fixture_html(component: str, name: str) -> str:
    """The first example called ``name`` without a variant description."""
    matches = [f for f in package_fixtures(component) if f["name"] == name]
    assert matches, f"{component} has no fixture called {name!r}"
    plain = [f for f in matches if not f.get("description")]
    return (plain or matches)[0]["html"]


def describe(element) -> str:
    if element is None:
        return "MISSING"
    return ".".join([element.name, *sorted(element.get("class", []))])


def skeleton(html_or_element, document=None) -> list[str]:
    """One line per element: tag.classes, significant attributes, what its references point at."""
    if isinstance(html_or_element, str):
        soup = BeautifulSoup(html_or_element, "html.parser")
        root = soup.find(True)
        document = soup
    else:
        root = html_or_element
        document = document or root
    assert root is not None, "nothing was rendered"
    lines: list[str] = []

    def walk(element: Tag, depth: int) -> None:
        parts = [describe(element)]
        for name in SIGNIFICANT_ATTRIBUTES:
            if element.has_attr(name):
                parts.append(f"{name}={element[name]!s}")
        for name in REFERENCE_ATTRIBUTES:
            if element.has_attr(name):
                targets = [describe(document.find(id=i)) for i in str(element[name]).split()]
                parts.append(f"{name}->{'+'.join(targets)}")
        lines.append("  " * depth + " ".join(parts))
        for child in element.find_all(True, recursive=False):
            walk(child, depth + 1)

    walk(root, 0)
    return lines


def edges(html_or_element) -> set[tuple[str, str]]:
    """Every (parent, child) pair of tag.classes in a tree."""
    root = (
        BeautifulSoup(html_or_element, "html.parser").find(True)
        if isinstance(html_or_element, str)
        else html_or_element
    )
    return {
        (describe(element.parent), describe(element))
        for element in root.find_all(True)
        if element.parent is not None
    }
