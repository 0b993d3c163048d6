"""The words the portal's own question banks show people: no unexplained abbreviations, no
editorial notes, no doubled full stops (the condition is shown after a colon with a stop added)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from assessments.bank import parse_bank

BANKS = sorted((Path(settings.BASE_DIR) / "fixtures").glob("question-bank-*.yaml"))


def shown_texts(path: Path) -> dict[str, str]:
    definition = parse_bank(path.read_text(encoding="utf-8"), source_name=path.name)
    texts = {}
    for section in definition.sections:
        texts[f"section {section.key}"] = section.title
        for item in section.items:
            for field in (
                "text",
                "guidance",
                "condition_text",
                "example_response",
                "example_comment",
            ):
                texts[f"{item.ref} {field}"] = getattr(item, field)
            for option in item.options:
                texts[f"{item.ref} option {option.value}"] = option.label
            for link in item.guidance_links:
                texts[f"{item.ref} link"] = link.title
    return texts


def test_there_are_banks_to_check():
    assert len(BANKS) >= 2


@pytest.mark.parametrize("path", BANKS, ids=lambda path: path.name)
def test_the_banks_shown_words(path):
    texts = shown_texts(path)
    problems = []
    for where, text in texts.items():
        if re.search(r"\bDCH\b", text) and "Digital Care Hub (DCH)" not in text:
            problems.append(f"{where}: DCH is not spelled out")
        if re.search(r"\bHCPA\b", text):
            problems.append(f"{where}: HCPA is not spelled out")
        if re.search(r"[^.]\.\.(?!\.)", text):
            problems.append(f"{where}: a doubled full stop")
        if re.search(r"\bv8\b|toolkit tooltip", text):
            problems.append(f"{where}: an editorial note about the toolkit's wording")
        if where.endswith("condition_text") and text.endswith("."):
            # evidence_item.html shows it after "answered this way:" and adds the stop.
            problems.append(f"{where}: the condition ends with a full stop")
    assert problems == []


@pytest.mark.parametrize("path", BANKS, ids=lambda path: path.name)
def test_item_1_1_5_guidance_has_no_editorial_note(path):
    guidance = shown_texts(path)["1.1.5 guidance"]
    assert guidance.endswith("such as a Data Protection Officer or Caldicott Guardian.")
