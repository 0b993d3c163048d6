"""The assessment overview's content, kept in Redis for the person who saw it, until anything it
shows changes (ADR 17).

Drawing the overview took the web worker about 20 ms: the 51 items' statuses, the publishing
decision, the deadline and library panels, each a few queries and a template. People go back to it
after every answer. So the content (everything below the header) is kept under a key made of:

- a fingerprint PostgreSQL works out in one statement from every row the content is drawn from:
  the question banks, this bank's sections and items, the assessment and its answers, its action
  plan, the organisation's profile, the publications that name or cover it, and how many of its
  library documents are past their review date today;
- who is looking and as what (the person, their role, their permissions, the organisation's own
  columns), the day, the page's options, the person's CSRF secret (the content holds a form), and
  this process (a new release draws afresh).

A write anywhere in those rows changes the fingerprint, so the next look draws the page again: no
one is told when to forget. Only on PostgreSQL; elsewhere the page is drawn every time.
`tests/assessments/test_kept_pages.py` checks that every table the content reads is one the
fingerprint covers, so a panel that starts reading another table fails the suite until it is added.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets

from django.apps import apps
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from dspt_portal.compiled_queries import prepared_cursor, prepares_statements

from .models import Answer, Assessment, EvidenceItem, QuestionBank, Section

logger = logging.getLogger(__name__)

KEY_PREFIX = "assessments:overview:"
# Kept at most this long whatever happens (a quiet page makes room in Redis).
KEEP_SECONDS = 15 * 60
# Content drawn by another release is never served: each process draws its own first.
_PROCESS = secrets.token_hex(8)


def _tables() -> dict[str, str]:
    """The tables the content is drawn from. Other apps' models are looked up, not imported:
    their panels on this page are template tags of theirs (ADR 6)."""
    return {
        "bank": QuestionBank._meta.db_table,
        "section": Section._meta.db_table,
        "item": EvidenceItem._meta.db_table,
        "assessment": Assessment._meta.db_table,
        "answer": Answer._meta.db_table,
        "plan": apps.get_model("publishing", "ActionPlanEntry")._meta.db_table,
        "profile": apps.get_model("organisations", "OrganisationProfile")._meta.db_table,
        "publication": apps.get_model("publishing", "Publication")._meta.db_table,
        "site": apps.get_model("publishing", "PublicationSite")._meta.db_table,
        "library": apps.get_model("evidence", "LibraryDocument")._meta.db_table,
    }


# Each row by its id, `xmin` (the transaction that wrote this version of it) and `ctid` (where
# this version lies: every update writes a new one elsewhere, and within one transaction, whose
# rows share an `xmin`, no place is used twice), so no row's text is read. Joined and hashed in
# the database: only 32 characters come back.
_ROWS = (
    "array_agg({alias}.id::text || ':' || {alias}.xmin::text || {alias}.ctid::text"
    " ORDER BY {alias}.id)::text"
)
_FINGERPRINT = """
SELECT md5(concat_ws('|',
  (SELECT {banks} FROM "{bank}" b),
  (SELECT {sections} FROM "{section}" s WHERE s.bank_id = %(bank)s),
  (SELECT {items} FROM "{item}" i WHERE i.bank_id = %(bank)s),
  (SELECT {assessments} FROM "{assessment}" a WHERE a.id = %(assessment)s),
  (SELECT {answers} FROM "{answer}" x WHERE x.assessment_id = %(assessment)s),
  (SELECT {plan_entries} FROM "{plan}" e WHERE e.assessment_id = %(assessment)s),
  (SELECT {profiles} FROM "{profile}" p WHERE p.organisation_id = %(organisation)s),
  (SELECT {publications} FROM "{publication}" p
    WHERE p.id IN (
      SELECT id FROM "{publication}" WHERE organisation_id = %(organisation)s
      UNION SELECT publication_id FROM "{site}" WHERE organisation_id = %(organisation)s)),
  (SELECT count(*) FROM "{library}" d
    WHERE d.organisation_id = %(organisation)s AND d.review_date < %(today)s)
))
"""
_ALIASES = {
    "banks": "b",
    "sections": "s",
    "items": "i",
    "assessments": "a",
    "answers": "x",
    "plan_entries": "e",
    "profiles": "p",
    "publications": "p",
}
_fingerprint_sql: str | None = None


def fingerprint(*, assessment: Assessment, today: datetime.date) -> str | None:
    """What the overview's content is drawn from, as one hash; None where it is not worked out
    (not PostgreSQL, or prepared statements turned off)."""
    global _fingerprint_sql
    if not prepares_statements():
        return None
    if _fingerprint_sql is None:
        rows = {name: _ROWS.format(alias=alias) for name, alias in _ALIASES.items()}
        _fingerprint_sql = _FINGERPRINT.format(**_tables(), **rows)
    with prepared_cursor() as cursor:
        cursor.execute(
            _fingerprint_sql,
            {
                "bank": assessment.bank_id,
                "assessment": assessment.pk,
                "organisation": assessment.organisation_id,
                "today": today,
            },
        )
        return cursor.fetchone()[0]


def overview_key(
    request, *, assessment: Assessment, today: datetime.date, options: str
) -> str | None:
    """The key the overview's content is kept under for this person, or None when it is not
    kept."""
    found = fingerprint(assessment=assessment, today=today)
    if found is None:
        return None
    organisation = request.organisation
    membership = request.membership
    who = [
        _PROCESS,
        found,
        today.isoformat(),
        options,
        request.user.pk,
        membership.pk,
        membership.role,
        # The content's forms carry a token made from it; it changes at each sign-in.
        request.META.get("CSRF_COOKIE", ""),
        *(getattr(organisation, field.attname) for field in organisation._meta.concrete_fields),
    ]
    return KEY_PREFIX + hashlib.sha256(repr(who).encode()).hexdigest()


def kept(key: str | None) -> SafeString | None:
    if key is None:
        return None
    content = cache.get(key)
    # Only what `keep` put there: the portal's own drawn HTML.
    return mark_safe(content) if isinstance(content, str) else None


def keep(key: str | None, content: str) -> None:
    if key is not None:
        cache.set(key, str(content), KEEP_SECONDS)
