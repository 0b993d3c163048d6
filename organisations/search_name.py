"""The folded form of an organisation's name that the public search matches and sorts on.

``search_name`` is a column the database computes and stores itself (a generated column), so
every way a name is written — a form, the directory import, a bulk copy — keeps it right:
``lower(dspt_unaccent(btrim(name)))`` on PostgreSQL, where ``dspt_unaccent`` is the IMMUTABLE
wrapper around ``unaccent`` made by migration publishing/0002 ("Café" and "cafe" match);
``lower(trim(name))`` on SQLite (``make run`` only: ASCII letters folded, accents kept).

Stored rather than an index on the expression: matching and sorting thousands of names then reads
a column instead of calling ``unaccent`` for each row, and a B-tree on it gives the search its
alphabetical order without sorting every match.
"""

from __future__ import annotations

from django.db.models import F, Func, TextField
from django.db.models.functions import Lower, Trim


class DsptUnaccent(Func):
    """``dspt_unaccent(text)`` on PostgreSQL; the text unchanged on SQLite."""

    function = "dspt_unaccent"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])


def folded(expression) -> Func:
    """How a name (or a search query) is folded for matching: trimmed, unaccented, lower case."""
    return Lower(DsptUnaccent(Trim(expression)))


def search_name_expression() -> Func:
    return folded(F("name"))


# The largest character: every text starting with a prefix sorts before prefix + this, so
# "starts with" is a range a B-tree answers (LIKE 'x%' needs the "C" collation for that).
AFTER_EVERYTHING = "\U0010ffff"
