"""The toolkit's primary sector names and the portal's value for each, kept as data.

The names live in `fixtures/primary-sectors.yaml` so that a new export's names are added there, not
in code. The file is checked when it is read: every value must be one of PrimarySector's, every
PrimarySector value must be listed, and a name may mean only one value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from .models import PrimarySector

SECTORS_FILE = Path(settings.BASE_DIR) / "fixtures" / "primary-sectors.yaml"


class SectorListError(Exception):
    """The sector file itself is wrong: a programming error to fix before the import can run."""


@dataclass(frozen=True)
class SectorNames:
    by_name: Mapping[str, str]  # a name as `name_key` gives it → the portal's value
    no_sector: frozenset[str]  # name keys meaning "no sector chosen yet"

    def value_for(self, text: str) -> str | None:
        """The portal's value for a sector name; "" for blank or "not chosen yet"; None when the
        name is not one the list knows."""
        key = name_key(text)
        if not key or key in self.no_sector:
            return ""
        return self.by_name.get(key)


def name_key(text: str) -> str:
    """`CCG / Integrated  Care Board (ICB)` and `ccg / integrated care board (icb)` are one name."""
    return " ".join(str(text).casefold().split())


def sector_names_parse(document: object) -> SectorNames:
    """Check a parsed sector file and build the look-up; raises SectorListError saying what is
    wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("sectors"), dict):
        raise SectorListError("the sector file needs a `sectors:` mapping of value: [names]")
    known = set(PrimarySector.values)
    by_name: dict[str, str] = {}
    problems: list[str] = []
    for value, names in document["sectors"].items():
        if value not in known:
            problems.append(f"{value!r} is not a PrimarySector value")
            continue
        if not isinstance(names, list) or not names:
            problems.append(f"{value!r} needs a list of names")
            continue
        for name in names:
            key = name_key(name)
            if key in by_name and by_name[key] != value:
                problems.append(f"{name!r} is listed under both {by_name[key]!r} and {value!r}")
            by_name[key] = value
    missing = sorted(known - set(document["sectors"]))
    if missing:
        problems.append(f"PrimarySector values with no names: {', '.join(missing)}")
    no_sector = frozenset(name_key(name) for name in document.get("no_sector") or [])
    clash = sorted(no_sector & by_name.keys())
    if clash:
        problems.append(f"names both a sector and no sector: {', '.join(clash)}")
    if problems:
        raise SectorListError("; ".join(problems))
    return SectorNames(by_name=by_name, no_sector=no_sector)


@cache
def sector_names() -> SectorNames:
    """The portal's sector list, read once per process."""
    with SECTORS_FILE.open(encoding="utf-8") as file:
        return sector_names_parse(yaml.safe_load(file))
