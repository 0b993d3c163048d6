"""The policy builder's texts file, its check, filling it in, and the builder's rules."""

import datetime
import io
import textwrap

import docx
import pytest
from pypdf import PdfReader

from assessments.policy_templates import policy_templates_load
from documents.builders.policy import build_policy_docx, build_policy_pdf
from evidence import policy_checks
from evidence.policy_rules import (
    ItemState,
    attach_plan,
    attach_refusal,
    comment_with_note,
    default_review_date,
    review_date_problem,
    version_problem,
)
from evidence.policy_texts import (
    DEFAULT_PATH,
    PolicyTextError,
    parse_policy_texts,
    policy_fill,
    policy_texts_load,
)

TEMPLATES = policy_templates_load()
NAMED = (
    "data-protection-policy",
    "data-security-policy",
    "privacy-notice",
    "records-retention-policy",
    "data-quality-policy",
    "network-security-policy",
    "bring-your-own-device-policy",
    "business-continuity-plan",
    "national-data-opt-out-policy",
)
DETAILS = {
    "organisation_name": "Langdale House",
    "address": "1 Fell Road, Ambleside",
    "ods_code": "VLH01",
    "caldicott_guardian": "Carol Guardian",
    "siro": "Simon Owner",
    "dpo": "Dina Officer",
    "ig_lead": "Ivan Lead",
    "data_security_lead": "Dana Lead",
}


def parse(body: str):
    return parse_policy_texts(textwrap.dedent(body), source_name="test.yaml", templates=TEMPLATES)


def problems_of(body: str) -> list[str]:
    with pytest.raises(PolicyTextError) as caught:
        parse(body)
    return caught.value.problems


def test_the_portal_file_covers_every_named_policy_and_the_recommended_forms():
    texts = policy_texts_load()
    assert set(NAMED) <= set(texts.by_key)
    for key in NAMED:
        assert texts.by_key[key].kind == "policy"
    forms = [t.key for t in TEMPLATES.templates if t.group == "recommended"]
    assert all(texts.by_key[key].kind == "form" for key in forms)
    # Listed in the Help page's order.
    order = [t.key for t in TEMPLATES.templates]
    assert [p.key for p in texts.policies] == sorted(texts.by_key, key=order.index)
    assert DEFAULT_PATH.read_text().startswith("# Policy builder texts")


GOOD = """
version: 1
policies:
  bring-your-own-device-policy:
    kind: policy
    questions:
      - key: own_phones
        type: yes_no
        ask: Do staff use their own phones for work?
      - key: apps
        type: text
        ask: Which apps?
    sections:
      - heading: Rule
        paragraphs:
          - "{organisation_name} says: {apps}."
          - {text: Own phones allowed., when: own_phones}
          - {text: Own phones not allowed., unless: own_phones}
"""


def test_a_good_file_parses():
    texts = parse(GOOD)
    policy = texts.by_key["bring-your-own-device-policy"]
    assert [q.key for q in policy.questions] == ["own_phones", "apps"]
    assert policy.title == "Bring your own device (smartphone) policy"
    assert policy.details_used == ("organisation_name",)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # A key the policy templates list does not have.
        (GOOD.replace("bring-your-own-device-policy:", "made-up-policy:"), "not a key of"),
        # An unknown placeholder.
        (GOOD.replace("{apps}.", "{apps} {manager_name}."), "unknown placeholder {manager_name}"),
        # A question used in when: but never asked.
        (GOOD.replace("when: own_phones", "when: has_tablets"), "has_tablets"),
        # A text question used as a condition.
        (GOOD.replace("when: own_phones", "when: apps"), "not a yes/no question"),
        # A yes/no question printed in the text.
        (GOOD.replace("{apps}.", "{apps} {own_phones}."), "is a yes/no question"),
        # A question asked but never used.
        (GOOD.replace('"{organisation_name} says: {apps}."', "Plain."), "asked but never used"),
        # A question without its words, an unknown type, a clash with a built-in placeholder.
        (GOOD.replace("ask: Which apps?", "hint: x"), "missing ask"),
        (GOOD.replace("type: text", "type: number"), "type must be one of"),
        (
            GOOD.replace("key: apps", "key: review_date").replace("{apps}", "{review_date}"),
            "already a placeholder",
        ),
        # A stray brace, an unknown kind, a section with nothing in it, not YAML at all.
        (GOOD.replace("says:", "says: {"), "brace without its pair"),
        (GOOD.replace("kind: policy", "kind: leaflet"), "kind must be one of"),
        (
            GOOD.replace("      - heading: Rule", "      - heading: Empty\n      - heading: Rule"),
            "needs paragraphs",
        ),
        ("version: [", "not valid YAML"),
        ("policies: []", "must be a mapping"),
    ],
)
def test_a_bad_file_is_refused_saying_where(body, expected):
    problems = problems_of(body)
    assert any(expected in problem for problem in problems), problems


def test_every_problem_is_listed_at_once():
    body = GOOD.replace("{apps}.", "{apps} {nope}.").replace("kind: policy", "kind: leaflet")
    assert len(problems_of(body)) == 2


def test_the_system_check_reports_a_bad_file(monkeypatch, tmp_path):
    assert policy_checks.check_policy_texts(None) == []
    bad = tmp_path / "policy-builder.yaml"
    bad.write_text(GOOD.replace("{apps}.", "{apps} {nope}."))
    monkeypatch.setattr("evidence.policy_texts.DEFAULT_PATH", bad)
    errors = policy_checks.check_policy_texts(None)
    assert [error.id for error in errors] == ["evidence.E001"]
    assert "unknown placeholder {nope}" in errors[0].msg


def fill(key, answers, details=DETAILS):
    return policy_fill(
        policy_texts_load().by_key[key],
        details=details,
        answers=answers,
        review_date_text="1 June 2027",
        version="1.0",
        made_on_text="1 June 2026",
        address_lines=("1 Fell Road", "Ambleside"),
    )


def text_of(data) -> str:
    return "\n".join(
        [s.heading for s in data.sections]
        + [p.text for s in data.sections for p in s.paragraphs + s.bullets]
    )


def test_byod_yes_and_no_make_different_policies():
    yes = text_of(
        fill("bring-your-own-device-policy", {"own_phones": True, "work_apps": "Care app"})
    )
    no = text_of(
        fill("bring-your-own-device-policy", {"own_phones": False, "work_apps": "Care app"})
    )
    assert "Staff may use their own phone for work" in yes
    assert "Before a phone is used for work" in yes
    assert "do not use their own phones" not in yes
    assert "Staff do not use their own phones or tablets for work" in no
    assert "Before a phone is used for work" not in no
    assert "Care app" in yes
    assert "Care app" in no


def test_a_missing_role_is_a_marked_gap():
    details = {**DETAILS, "caldicott_guardian": "", "dpo": ""}
    data = fill(
        "data-protection-policy", {"care_records": "in paper files", "uses_cctv": False}, details
    )
    text = text_of(data)
    assert "[Add your Caldicott Guardian's name]" in text
    assert "Carol Guardian" not in text
    gaps = [run for s in data.sections for p in s.paragraphs for run in p.runs if run.gap]
    assert {run.text for run in gaps} == {
        "[Add your Caldicott Guardian's name]",
        "[Add your Data Protection Officer's name]",
    }
    roles = {role.role: role for role in data.roles}
    assert roles["Caldicott Guardian"].gap
    assert roles["Caldicott Guardian"].name.startswith("[Add")
    assert not roles["Senior Information Risk Owner (SIRO)"].gap


@pytest.mark.parametrize("key", [*NAMED, "data-breach-report-form", "emergency-contacts-list"])
def test_every_document_builds_as_word_and_pdf(key):
    policy = policy_texts_load().by_key[key]
    answers = {q.key: (True if q.type == "yes_no" else "Our answer") for q in policy.questions}
    data = fill(key, answers)
    document = docx.Document(io.BytesIO(build_policy_docx(data)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == policy.title
    assert document.paragraphs[0].style.name == "Title"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "Who is responsible"
    assert headings[1].startswith("1. ")
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert {"Langdale House", "VLH01", "Carol Guardian", "Simon Owner", "Dina Officer"} <= cells
    assert {"Ivan Lead", "Dana Lead", "1 June 2027", "1.0"} <= cells
    pdf = build_policy_pdf(data)
    assert pdf.startswith(b"%PDF-")
    text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "Langdale House" in text
    assert "Carol Guardian" in text


@pytest.mark.parametrize(
    ("review_date", "problem"),
    [
        (datetime.date(2026, 6, 1), None),  # today
        (datetime.date(2027, 6, 1), None),
        (datetime.date(2029, 6, 1), None),  # exactly three years
        (datetime.date(2026, 5, 31), "The review date must be today or in the future"),
        (datetime.date(2029, 6, 2), "The review date must be within 3 years of today"),
    ],
)
def test_review_dates(review_date, problem):
    assert review_date_problem(review_date, today=datetime.date(2026, 6, 1)) == problem


def test_the_default_review_date_is_a_year_ahead():
    assert default_review_date(datetime.date(2026, 6, 1)) == datetime.date(2027, 6, 1)
    assert default_review_date(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)


@pytest.mark.parametrize(
    ("version", "ok"), [("1.0", True), ("2", True), ("v3 draft", True), ("", False), ("<b>", False)]
)
def test_versions(version, ok):
    assert (version_problem(version) is None) is ok


def test_the_attach_plan_sorts_items_by_what_they_take():
    items = {
        "1.3.1": ItemState("1.3.1", "A policy?", "document", version=2),
        "1.3.7": ItemState("1.3.7", "Checked?", "yes_no"),
        "1.3.8": ItemState("1.3.8", "Described?", "text", version=1, needs_review=True),
    }
    plan = attach_plan(("1.3.1", "1.3.7", "1.3.8", "9.9.9"), items)
    assert [i.ref for i in plan.attach_file] == ["1.3.1"]
    assert [i.ref for i in plan.add_note] == ["1.3.7"]
    assert [i.ref for i in plan.check_first] == ["1.3.8"]
    assert plan.not_in_assessment == ("9.9.9",)
    assert [i.ref for i in plan.changes] == ["1.3.1", "1.3.7"]


@pytest.mark.parametrize(
    ("built_for", "latest", "started", "refused"),
    [
        ("2025-26", "2025-26", True, None),
        ("", "2025-26", True, None),
        ("2025-26", None, False, "There is no assessment"),
        ("2024-25", "2025-26", True, "closed now"),
        ("2025-26", "2025-26", False, "Start your 2025-26 assessment"),
    ],
)
def test_when_attaching_is_refused(built_for, latest, started, refused):
    reason = attach_refusal(built_for_year=built_for, latest_year=latest, started=started)
    assert (reason is None) if refused is None else (refused in reason)


def test_the_note_is_added_once_on_its_own_line():
    assert comment_with_note("", "Policy: X") == "Policy: X"
    assert comment_with_note("Reviewed in May.", "Policy: X") == "Reviewed in May.\nPolicy: X"
    assert comment_with_note("Reviewed.\nPolicy: X", "Policy: X") == "Reviewed.\nPolicy: X"
