"""The incident scales file: parse, validate and cache it.

The likelihood and severity scales, the reportability grid and the lists the report's questions
offer are data (fixtures/incident-scales-v1.yaml, setting DSPT_INCIDENT_SCALES_FILE), because
several of them are inferred and will be corrected. Like the question bank (assessments/bank.py),
a bad file is refused with every problem listed at once, each saying where. The file is
read-only, so it is read once per process (ADR 9); `scales_forget()` forgets it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .rules import (
    LEVELS,
    NOT_REPORTABLE_REASONS,
    OUTCOMES,
    Grid,
    OutcomeText,
)

MAX_SCALES_BYTES = 256 * 1024
VALUE_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
VALUE_MAX_LENGTH = 64  # what the report's columns store
LIST_NAMES = ("breach_categories", "personal_data_categories", "people_categories", "others_told")
# An option flag each list may carry.
LIST_FLAGS = {"breach_categories": "cyber", "people_categories": "vulnerable"}


class ScalesError(Exception):
    """A scales file that cannot be used; `problems` holds one line per problem."""

    def __init__(self, problems: Iterable[str], *, source_name: str = "") -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the incident scales file"
        if source_name:
            heading += f" {source_name}"
        self.message = "\n".join([f"{heading}:", *self.problems])
        super().__init__(self.message)


@dataclass(frozen=True)
class ScaleLevel:
    level: int
    label: str
    description: str
    verified: bool
    source: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    flagged: bool = False  # cyber for a breach category, vulnerable for a people category


@dataclass(frozen=True)
class CyberCentre:
    name: str
    phone: str
    verified: bool
    source: str


@dataclass(frozen=True)
class GridCell:
    likelihood: int
    severity: int
    outcome: str
    verified: bool
    source: str


@dataclass(frozen=True)
class Scales:
    version: int
    likelihood: tuple[ScaleLevel, ...]
    severity: tuple[ScaleLevel, ...]
    grid: Grid
    cells: tuple[GridCell, ...]
    tell_people_from_severity: int
    breach_categories: tuple[Option, ...]
    personal_data_categories: tuple[Option, ...]
    people_categories: tuple[Option, ...]
    others_told: tuple[Option, ...]
    cyber_centre: CyberCentre
    source_name: str = ""

    def likelihood_label(self, level: int | None) -> str:
        return _label(self.likelihood, level)

    def severity_label(self, level: int | None) -> str:
        return _label(self.severity, level)

    @property
    def vulnerable_people(self) -> frozenset[str]:
        return frozenset(option.value for option in self.people_categories if option.flagged)

    @property
    def cyber_categories(self) -> frozenset[str]:
        return frozenset(option.value for option in self.breach_categories if option.flagged)


def _label(levels: tuple[ScaleLevel, ...], level: int | None) -> str:
    return next((entry.label for entry in levels if entry.level == level), "")


def option_labels(options: Iterable[Option]) -> dict[str, str]:
    return {option.value: option.label for option in options}


# --- Reading ---------------------------------------------------------------------------------


def scales_parse(text: str, *, source_name: str = "") -> Scales:
    """Parse and check a scales file's text; raise ScalesError listing every problem."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_SCALES_BYTES:
        raise ScalesError(
            [f"the file is {size:,} bytes; a scales file may be at most {MAX_SCALES_BYTES:,}"],
            source_name=source_name,
        )
    try:
        document = yaml.safe_load(text)  # never constructs Python objects
    except yaml.YAMLError as error:
        raise ScalesError([f"not valid YAML: {error}"], source_name=source_name) from None
    if not isinstance(document, dict):
        raise ScalesError(
            ["the file must be a YAML mapping (version:, likelihood:, severity:, grid:, ...)"],
            source_name=source_name,
        )
    checker = _Checker()
    scales = checker.scales(document, source_name=source_name)
    if checker.problems or scales is None:
        raise ScalesError(checker.problems, source_name=source_name)
    return scales


def scales_load(path: str | Path) -> Scales:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScalesError(
            [f"cannot read the file: {error.strerror}"], source_name=str(path)
        ) from None
    return scales_parse(text, source_name=path.name)


@lru_cache(maxsize=1)
def _cached(path: str) -> Scales:
    return scales_load(path)


def scales_current() -> Scales:
    """The scales in use (setting DSPT_INCIDENT_SCALES_FILE), read once per process."""
    from django.conf import settings  # read when asked, never at import

    return _cached(str(settings.DSPT_INCIDENT_SCALES_FILE))


def scales_forget() -> None:
    """Read the file again on next use (tests that change the setting)."""
    _cached.cache_clear()


# --- Checking --------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def scales(self, document: dict[Any, Any], *, source_name: str) -> Scales | None:
        version = self.whole_number(document.get("version"), "version", minimum=1)
        likelihood = self.scale(document.get("likelihood"), "likelihood")
        severity = self.scale(document.get("severity"), "severity")
        outcomes = self.outcomes(document.get("outcomes"))
        reasons = self.reasons(document.get("not_reportable_reasons"))
        cells = self.grid(document.get("grid"))
        minimum = self.level(document.get("vulnerable_minimum"), "vulnerable_minimum")
        tell_from = self.level(
            document.get("tell_people_from_severity"), "tell_people_from_severity"
        )
        lists = {name: self.options(document.get(name), name) for name in LIST_NAMES}
        centre = self.cyber_centre(document.get("cyber_centre"))
        if self.problems:
            return None
        assert version is not None
        assert minimum is not None
        assert tell_from is not None
        assert centre is not None
        return Scales(
            version=version,
            likelihood=likelihood,
            severity=severity,
            grid=Grid(
                cells={(cell.likelihood, cell.severity): cell.outcome for cell in cells},
                outcomes=outcomes,
                not_reportable_reasons=reasons,
                vulnerable_minimum=minimum,
            ),
            cells=cells,
            tell_people_from_severity=tell_from,
            breach_categories=lists["breach_categories"],
            personal_data_categories=lists["personal_data_categories"],
            people_categories=lists["people_categories"],
            others_told=lists["others_told"],
            cyber_centre=centre,
            source_name=source_name,
        )

    # -- pieces --

    def whole_number(self, value: Any, where: str, *, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.add(where, f"must be a whole number, {minimum} or more, not {value!r}")
            return None
        return value

    def level(self, value: Any, where: str) -> int | None:
        if isinstance(value, bool) or value not in LEVELS:
            self.add(where, f"must be a level from 1 to 5, not {value!r}")
            return None
        return int(value)

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.add(where, "must be some text")
            return ""
        return " ".join(value.split())

    def verified(self, mapping: dict[Any, Any], where: str) -> tuple[bool, str]:
        verified = mapping.get("verified")
        if not isinstance(verified, bool):
            self.add(where, "verified must be true or false")
            verified = False
        return verified, self.text(mapping.get("source"), f"{where}, source")

    def scale(self, value: Any, name: str) -> tuple[ScaleLevel, ...]:
        if not isinstance(value, list):
            self.add(name, "must be a list of the five levels")
            return ()
        levels: dict[int, ScaleLevel] = {}
        for number, entry in enumerate(value, start=1):
            where = f"{name} entry {number}"
            if not isinstance(entry, dict):
                self.add(where, "must be a mapping with level, label, description")
                continue
            level = self.level(entry.get("level"), f"{where}, level")
            label = self.text(entry.get("label"), f"{where}, label")
            description = self.text(entry.get("description"), f"{where}, description")
            verified, source = self.verified(entry, where)
            if level is None:
                continue
            if level in levels:
                self.add(name, f"level {level} is given more than once")
                continue
            levels[level] = ScaleLevel(level, label, description, verified, source)
        missing = [level for level in LEVELS if level not in levels]
        if missing:
            self.add(name, f"must give every level from 1 to 5; missing {_join(missing)}")
        return tuple(levels[level] for level in sorted(levels))

    def outcomes(self, value: Any) -> dict[str, OutcomeText]:
        if not isinstance(value, dict):
            self.add("outcomes", f"must be a mapping of {', '.join(OUTCOMES)}")
            return {}
        found: dict[str, OutcomeText] = {}
        for key in OUTCOMES:
            entry = value.get(key)
            where = f"outcomes, {key}"
            if not isinstance(entry, dict):
                self.add(where, "is missing (it needs a label and a reason)")
                continue
            label = self.text(entry.get("label"), f"{where}, label")
            reason = self.text(entry.get("reason"), f"{where}, reason")
            self.verified(entry, where)
            found[key] = OutcomeText(label=label, reason=reason)
        for key in value:
            if key not in OUTCOMES:
                self.add("outcomes", f"unknown outcome {key!r} (use {', '.join(OUTCOMES)})")
        return found

    def reasons(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            self.add("not_reportable_reasons", f"must give {', '.join(NOT_REPORTABLE_REASONS)}")
            return {}
        found = {}
        for key in NOT_REPORTABLE_REASONS:
            found[key] = self.text(value.get(key), f"not_reportable_reasons, {key}")
        for key in value:
            if key not in NOT_REPORTABLE_REASONS:
                self.add("not_reportable_reasons", f"unknown reason {key!r}")
        return found

    def grid(self, value: Any) -> tuple[GridCell, ...]:
        if not isinstance(value, list):
            self.add("grid", "must be a list of five rows, one per severity")
            return ()
        if len(value) != len(LEVELS):
            self.add("grid", f"must have 5 rows (one per severity), not {len(value)}")
        cells: dict[tuple[int, int], GridCell] = {}
        seen_rows: set[int] = set()
        for number, row in enumerate(value, start=1):
            if not isinstance(row, dict):
                self.add(f"grid row {number}", "must be a mapping with severity and cells")
                continue
            severity = self.level(row.get("severity"), f"grid row {number}, severity")
            if severity is None:
                continue
            where = f"grid, severity {severity}"
            if severity in seen_rows:
                self.add("grid", f"severity {severity} has more than one row")
                continue
            seen_rows.add(severity)
            row_cells = row.get("cells")
            if not isinstance(row_cells, list):
                self.add(where, "cells must be a list of five cells, one per likelihood")
                continue
            if len(row_cells) != len(LEVELS):
                self.add(where, f"must have 5 cells (one per likelihood), not {len(row_cells)}")
            for position, cell in enumerate(row_cells, start=1):
                self.cell(cell, severity, position, where, cells)
        for severity in LEVELS:
            if severity not in seen_rows:
                continue
            missing = [likelihood for likelihood in LEVELS if (likelihood, severity) not in cells]
            if missing:
                self.add(f"grid, severity {severity}", f"no cell for likelihood {_join(missing)}")
        missing_rows = [severity for severity in LEVELS if severity not in seen_rows]
        if missing_rows:
            self.add("grid", f"no row for severity {_join(missing_rows)}")
        return tuple(cells[key] for key in sorted(cells, key=lambda key: (-key[1], key[0])))

    def cell(
        self,
        cell: Any,
        severity: int,
        position: int,
        where: str,
        cells: dict[tuple[int, int], GridCell],
    ) -> None:
        if not isinstance(cell, dict):
            self.add(f"{where}, cell {position}", "must be {likelihood, outcome, verified}")
            return
        likelihood = self.level(cell.get("likelihood"), f"{where}, cell {position}, likelihood")
        outcome = cell.get("outcome")
        if outcome not in OUTCOMES:
            self.add(
                f"{where}, cell {position}",
                f"unknown outcome {outcome!r} (use {', '.join(OUTCOMES)})",
            )
        verified, source = self.verified(cell, f"{where}, cell {position}")
        if likelihood is None or outcome not in OUTCOMES:
            return
        if (likelihood, severity) in cells:
            self.add(where, f"likelihood {likelihood} has more than one cell")
            return
        cells[(likelihood, severity)] = GridCell(likelihood, severity, outcome, verified, source)

    def options(self, value: Any, name: str) -> tuple[Option, ...]:
        if not isinstance(value, list) or not value:
            self.add(name, "must be a list of {value, label}")
            return ()
        flag = LIST_FLAGS.get(name)
        options: list[Option] = []
        seen: set[str] = set()
        for number, entry in enumerate(value, start=1):
            where = f"{name} entry {number}"
            if not isinstance(entry, dict):
                self.add(where, "must be a mapping with value and label")
                continue
            option_value = entry.get("value")
            if (
                not isinstance(option_value, str)
                or not VALUE_PATTERN.fullmatch(option_value)
                or len(option_value) > VALUE_MAX_LENGTH
            ):
                self.add(where, f"value must be a short lower-case token, not {option_value!r}")
                continue
            if option_value in seen:
                self.add(name, f"value {option_value!r} is given more than once")
                continue
            seen.add(option_value)
            label = self.text(entry.get("label"), f"{where}, label")
            flagged = entry.get(flag, False) if flag else False
            if not isinstance(flagged, bool):
                self.add(where, f"{flag} must be true or false")
                flagged = False
            options.append(Option(option_value, label, flagged))
        return tuple(options)

    def cyber_centre(self, value: Any) -> CyberCentre | None:
        if not isinstance(value, dict):
            self.add("cyber_centre", "must give the name and phone number")
            return None
        name = self.text(value.get("name"), "cyber_centre, name")
        phone = self.text(value.get("phone"), "cyber_centre, phone")
        if phone and not re.fullmatch(r"[0-9 +]{6,20}", phone):
            self.add("cyber_centre, phone", f"must be a phone number, not {phone!r}")
        verified, source = self.verified(value, "cyber_centre")
        return CyberCentre(name, phone, verified, source)


def _join(numbers: Iterable[int]) -> str:
    return ", ".join(str(number) for number in numbers)
