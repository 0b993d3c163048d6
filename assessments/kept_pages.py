"""The assessment overview's and evidence items' content, kept in Redis for the person who saw
it, until anything it shows changes (ADR 17).

Drawing the overview took the web worker about 20 ms (the 51 items' statuses, the publishing
decision, the deadline and library panels: each a few queries and a template), and an evidence
item about 15 ms (the statuses again, the answer with who saved it and its file, the library to
choose from, the form). People go back and forth between them all day. So the content of each
(everything below the header) is kept under a key made of:

- a fingerprint PostgreSQL works out in one statement from every row the content is drawn from
  (`PARTS`): the question banks, this bank's sections and items, the assessment and its answers,
  its action plan, the organisation's profile, the publications that name or cover it and the
  organisations that made them, its library documents and their files, and the people who saved
  the answers;
- who is looking and as what (the person, their role, the organisation's own columns), the day,
  the page and its options, the person's CSRF secret (the content holds forms), and this process
  (a new release draws afresh).

A write anywhere in those rows changes the fingerprint, so the next look draws the page again: no
one is told when to forget. Only on PostgreSQL; elsewhere the pages are drawn every time. An
evidence item with another app's panel (the incident log, the training register) is never kept:
those apps say which (`never_keep_items`). `tests/assessments/test_kept_pages.py` checks that
every table each page's content reads is one the fingerprint covers, so a panel that starts
reading another table fails the suite until it is added.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import string
from collections.abc import Iterable

from django.apps import apps
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from dspt_portal.compiled_queries import prepares_statements

from . import selectors
from .models import Answer, Assessment, Document, EvidenceItem, QuestionBank, Section

KEY_PREFIX = "assessments:kept-page:"
# Kept at most this long whatever happens (a quiet page makes room in Redis).
KEEP_SECONDS = 15 * 60
# Content drawn by another release is never served: each process draws its own first.
_PROCESS = secrets.token_hex(8)

OVERVIEW = "overview"
ITEM = "item"

# Evidence items whose page shows a panel of another app, reading that app's tables.
_never_kept_refs: set[str] = set()


def never_keep_items(refs: Iterable[str]) -> None:
    """Evidence items whose page is always drawn afresh (an app's panel shows on them)."""
    _never_kept_refs.update(refs)


def item_is_kept(ref: str) -> bool:
    return ref not in _never_kept_refs


def tables() -> dict[str, str]:
    """The tables the content is drawn from. Other apps' models are looked up, not imported:
    their panels on these pages are template tags of theirs (ADR 6)."""
    return {
        "bank": QuestionBank._meta.db_table,
        "section": Section._meta.db_table,
        "item": EvidenceItem._meta.db_table,
        "assessment": Assessment._meta.db_table,
        "answer": Answer._meta.db_table,
        "document": Document._meta.db_table,
        "plan": apps.get_model("publishing", "ActionPlanEntry")._meta.db_table,
        "profile": apps.get_model("organisations", "OrganisationProfile")._meta.db_table,
        "user": apps.get_model("organisations", "User")._meta.db_table,
        "organisation": apps.get_model("organisations", "Organisation")._meta.db_table,
        "publication": apps.get_model("publishing", "Publication")._meta.db_table,
        "site": apps.get_model("publishing", "PublicationSite")._meta.db_table,
        "library": apps.get_model("evidence", "LibraryDocument")._meta.db_table,
    }


# Each row by its id, `xmin` (the transaction that wrote this version of it) and `ctid` (where
# this version lies: every update writes a new one elsewhere, and within one transaction, whose
# rows share an `xmin`, no place is used twice), so no row's text is read.
_ROWS = "array_agg(r.id::text || ':' || r.xmin::text || r.ctid::text ORDER BY r.id)::text"
PARTS = {
    "banks": 'SELECT {rows} FROM "{bank}" r',
    "sections": 'SELECT {rows} FROM "{section}" r WHERE r.bank_id = %(bank)s',
    "items": 'SELECT {rows} FROM "{item}" r WHERE r.bank_id = %(bank)s',
    "assessment": 'SELECT {rows} FROM "{assessment}" r WHERE r.id = %(assessment)s',
    "answers": 'SELECT {rows} FROM "{answer}" r WHERE r.assessment_id = %(assessment)s',
    "plan": 'SELECT {rows} FROM "{plan}" r WHERE r.assessment_id = %(assessment)s',
    "profile": 'SELECT {rows} FROM "{profile}" r WHERE r.organisation_id = %(organisation)s',
    "publications": (
        'SELECT {rows} FROM "{publication}" r WHERE r.id IN ('
        'SELECT id FROM "{publication}" WHERE organisation_id = %(organisation)s '
        'UNION SELECT publication_id FROM "{site}" WHERE organisation_id = %(organisation)s)'
    ),
    # The organisations whose publications cover this one (their names are on the page).
    "publishers": (
        'SELECT {rows} FROM "{organisation}" r WHERE r.id IN ('
        'SELECT organisation_id FROM "{publication}" WHERE id IN ('
        'SELECT publication_id FROM "{site}" WHERE organisation_id = %(organisation)s))'
    ),
    "library_overdue": (
        'SELECT count(*) FROM "{library}" r '
        "WHERE r.organisation_id = %(organisation)s AND r.review_date < %(today)s"
    ),
    "library": 'SELECT {rows} FROM "{library}" r WHERE r.organisation_id = %(organisation)s',
    "documents": 'SELECT {rows} FROM "{document}" r WHERE r.organisation_id = %(organisation)s',
    "people": (
        'SELECT {rows} FROM "{user}" r WHERE r.id IN ('
        'SELECT updated_by_id FROM "{answer}" WHERE assessment_id = %(assessment)s)'
    ),
}
_PAGE_PARTS = {
    OVERVIEW: (
        "banks",
        "sections",
        "items",
        "assessment",
        "answers",
        "plan",
        "profile",
        "publications",
        "publishers",
        "library_overdue",
    ),
    ITEM: ("banks", "sections", "items", "assessment", "answers", "library", "documents", "people"),
}
_expressions: dict[str, str] = {}


def page_tables(page: str) -> set[str]:
    """The tables the page's fingerprint covers."""
    names = tables()
    return {
        names[field]
        for part in _PAGE_PARTS[page]
        for _, field, _, _ in string.Formatter().parse(PARTS[part])
        if field and field != "rows"
    }


def _expression(page: str) -> str:
    """The page's fingerprint as an SQL expression over the bank `b` and the assessment `a`."""
    expression = _expressions.get(page)
    if expression is None:
        names = tables()
        parts = ",\n".join(
            f"({PARTS[part].format(rows=_ROWS, **names)})" for part in _PAGE_PARTS[page]
        )
        # Joined and hashed in the database: only 32 characters come back.
        expression = f"md5(concat_ws('|', {page!r},\n{parts}))"
        expression = expression.replace("%(bank)s", "b.id").replace("%(assessment)s", "a.id")
        _expressions[page] = expression
    return expression


def read(
    *, page: str, year: str, organisation, today: datetime.date
) -> tuple[QuestionBank | None, Assessment | None, str | None]:
    """The year's bank, the organisation's assessment (None before it is started) and the page's
    fingerprint (None where it is not worked out: not PostgreSQL, or prepared statements turned
    off), in one statement."""
    if not prepares_statements():
        return (*selectors.bank_and_assessment(year=year, organisation=organisation), None)
    return selectors.bank_and_assessment_with(
        year=year, organisation=organisation, also=_expression(page), params={"today": today}
    )


def fingerprint(*, page: str, assessment: Assessment, today: datetime.date) -> str | None:
    """The page's fingerprint for `assessment` as it is now."""
    return read(
        page=page, year=assessment.bank.year, organisation=assessment.organisation, today=today
    )[2]


def page_key(
    request, *, page: str, found: str | None, today: datetime.date, options: str
) -> str | None:
    """The key the page's content is kept under for this person, or None when it is not kept
    (no fingerprint, or no CSRF secret yet to make the content's forms' tokens from)."""
    secret = request.META.get("CSRF_COOKIE")
    if found is None or not secret:
        return None
    organisation = request.organisation
    membership = request.membership
    who = [
        _PROCESS,
        page,
        options,
        found,
        today.isoformat(),
        request.user.pk,
        membership.pk,
        membership.role,
        # The content's forms carry a token made from it; it changes at each sign-in.
        secret,
        *(getattr(organisation, field.attname) for field in organisation._meta.concrete_fields),
    ]
    return KEY_PREFIX + hashlib.sha256(repr(who).encode()).hexdigest()


def kept(key: str | None) -> tuple[str, SafeString] | None:
    """The page's title and content kept under `key`, if any."""
    if key is None:
        return None
    found = cache.get(key)
    if not (isinstance(found, tuple) and len(found) == 2):
        return None
    title, content = found
    # Only what `keep` put there: the portal's own drawn HTML.
    return str(title), mark_safe(content)


def keep(key: str | None, *, title: str, content: str) -> None:
    if key is not None:
        cache.set(key, (str(title), str(content)), KEEP_SECONDS)
