"""The policy templates list (fixtures/policy-templates.yaml): parse and validate it.

The Help page "Policy templates" shows this list, and the question bank's `policy_templates` field
names entries of it by key (assessments.bank checks that every key exists and that the entry lists
the item back). Pure Python, like assessments.bank: the file is checked the same way anywhere, and
every problem is reported at once.

The file layout is described in its own header.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .bank import REF_PATTERN, BankError

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "fixtures" / "policy-templates.yaml"

# The three lists, in the order the Help page shows them.
APPROACHING_REQUIRED = "approaching-required"
MET_ADDITIONAL = "met-additional"
RECOMMENDED = "recommended"
GROUP_TITLES: Mapping[str, str] = {
    APPROACHING_REQUIRED: "Approaching Standards: required policies",
    MET_ADDITIONAL: "Standards Met: additional required policies",
    RECOMMENDED: "Recommended documentation",
}
KEY_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
KEY_MAX_LENGTH = 64
ENTRY_FIELDS = ("key", "title", "group", "purpose", "items")


@dataclass(frozen=True)
class PolicyTemplate:
    key: str
    title: str
    group: str
    purpose: str  # one sentence: what the document is for
    items: tuple[str, ...]  # refs of the evidence items it supports, in the file's order

    @property
    def group_title(self) -> str:
        return GROUP_TITLES[self.group]


@dataclass(frozen=True)
class PolicyTemplateList:
    templates: tuple[PolicyTemplate, ...]

    @property
    def by_key(self) -> dict[str, PolicyTemplate]:
        return {template.key: template for template in self.templates}

    def groups(self) -> list[tuple[str, str, tuple[PolicyTemplate, ...]]]:
        """(group, title, entries) for each group in order, entries in the file's order."""
        return [
            (group, title, tuple(t for t in self.templates if t.group == group))
            for group, title in GROUP_TITLES.items()
        ]


def parse_policy_templates(text: str, *, source_name: str) -> PolicyTemplateList:
    """Parse and validate the list; raise BankError listing every problem found."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise BankError([f"not valid YAML: {error}"], source_name=source_name) from None
    problems: list[str] = []
    raw_entries = document.get("templates") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list) or not raw_entries:
        raise BankError(
            ["the file must be a mapping with a list of templates (templates: [...])"],
            source_name=source_name,
        )
    templates: list[PolicyTemplate] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_entries, start=1):
        where = f"template #{number}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping (key:, title:, group:, ...)")
            continue
        template = _entry(raw, where, problems)
        if template is None:
            continue
        if template.key in seen:
            problems.append(f"template {template.key}: duplicate key")
            continue
        seen.add(template.key)
        templates.append(template)
    if problems:
        raise BankError(
            problems,
            source_name=source_name,
            heading=f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the policy "
            f"templates list {source_name}".rstrip(),
        )
    return PolicyTemplateList(templates=tuple(templates))


def _text(raw: dict[str, Any], name: str, where: str, problems: list[str]) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: missing {name} (text)")
        return ""
    return " ".join(value.split())


def _entry(raw: dict[str, Any], where: str, problems: list[str]) -> PolicyTemplate | None:
    before = len(problems)
    key = raw.get("key")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or len(key) > KEY_MAX_LENGTH:
        problems.append(
            f"{where}: key {key!r} must be a short lower-case token of letters, digits and - "
            f"(like data-protection-policy)"
        )
        key = None
    else:
        where = f"template {key}"
    for name in raw:
        if name not in ENTRY_FIELDS:
            problems.append(f"{where}: unknown field {name!r} (fields: {', '.join(ENTRY_FIELDS)})")
    title = _text(raw, "title", where, problems)
    purpose = _text(raw, "purpose", where, problems)
    group = raw.get("group")
    if group not in GROUP_TITLES:
        problems.append(f"{where}: unknown group {group!r} (one of: {', '.join(GROUP_TITLES)})")
    items = raw.get("items")
    refs: list[str] = []
    if not isinstance(items, list) or not items:
        problems.append(f'{where}: items must list the evidence items it supports, like ["1.3.1"]')
    else:
        for ref in items:
            if not isinstance(ref, str) or not REF_PATTERN.fullmatch(ref):
                problems.append(f'{where}: item {ref!r} is not a ref in quotes, like "1.3.1"')
            elif ref in refs:
                problems.append(f"{where}: item {ref} is listed twice")
            else:
                refs.append(ref)
    if len(problems) > before or key is None:
        return None
    return PolicyTemplate(key=key, title=title, group=group, purpose=purpose, items=tuple(refs))


@lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> PolicyTemplateList:
    return parse_policy_templates(path.read_text(encoding="utf-8"), source_name=path.name)


def policy_templates_load(path: Path = DEFAULT_PATH) -> PolicyTemplateList:
    """The portal's list, read once per version of the file."""
    return _load(path, path.stat().st_mtime_ns)
