"""Database reads for the public pages: the organisation search and the public organisation page.

Only what the public may see is read: organisations' names, codes, towns and postcodes, and each
publication's year, level and date. Answers, comments, documents, action plans and people are never
selected (publications are loaded with `.only()` so even the answer snapshot stays in the database).

Name matching
    PostgreSQL: case- and accent-insensitive ("cafe" finds "Café Care"), through
    ``lower(dspt_unaccent(name))`` — the immutable wrapper around ``unaccent`` created by migration
    publishing/0002, which also builds a GIN trigram index on that very expression so a substring
    search stays fast with 100,000 organisations.
    SQLite (``make run`` only): case-insensitive for ASCII letters through ``icontains``; accents
    are not folded there, which is accepted for the local demo database.

In both, ``%`` and ``_`` in the query match themselves: Django's ``contains`` lookups escape LIKE
wildcards, for plain values and for expressions alike.
"""

from __future__ import annotations

import datetime
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, Lower
from django.utils import timezone

from assessments import vocabulary
from assessments.models import QuestionBank
from dspt_portal.compiled_queries import (
    CompiledQuery,
    CompiledShapes,
    columns_of,
    driver_date,
    driver_datetime,
    instance_from,
)
from organisations.models import Organisation
from organisations.ods import normalise_ods_code
from organisations.search_name import AFTER_EVERYTHING, folded
from publishing.coverage import PublicationFact, history_publications
from publishing.models import Publication, PublicationSite
from publishing.selectors import (
    LATEST_FIRST,
    latest_publication_subqueries,
    latest_publications,
    publication_facts,
)

from .exports import ExportOrganisation
from .paging import page_number
from .status import (
    CoverEnded,
    ListedSite,
    PublicStatus,
    cover_ended,
    public_status,
    publication_source_text,
)

SEARCH_MAX_LENGTH = 100
PAGE_SIZE = 25
CSV_ROW_LIMIT = 5000

# The organisation columns the public pages read (and the primary key); nothing else is loaded.
PUBLIC_COLUMNS = (
    "ods_code",
    "name",
    "primary_sector",
    "commissioner",
    "kind",
    "parent",
    "town",
    "postcode",
    "registration_state",
    "registered_at",
    "directory_status",
    "directory_published_on",
    "commissioner",
)


@dataclass(frozen=True)
class OrganisationResult:
    organisation: Organisation
    status: PublicStatus


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: Page  # page.object_list holds the Organisation rows of this page
    results: list[OrganisationResult]
    more: bool = False  # more organisations match than the SEARCH_RESULT_LIMIT counted

    @property
    def total(self) -> int:
        return self.page.paginator.count


@dataclass(frozen=True)
class HistoryEntry:
    """One publication in an organisation's public history."""

    year: str
    status_text: str  # "25/26 Standards Met"
    published_on: datetime.date
    via_hq_name: str = ""
    via_hq_code: str = ""
    withdrawn_on: datetime.date | None = None  # the helpdesk withdrew it: it decides nothing

    @property
    def source_text(self) -> str:
        """ "Published by the organisation itself" or "Covered by the publication of …"."""
        return publication_source_text(via_hq_name=self.via_hq_name, via_hq_code=self.via_hq_code)


@dataclass(frozen=True)
class OrganisationPublicView:
    organisation: Organisation
    status: PublicStatus
    history: list[HistoryEntry]
    branches: list[OrganisationResult]
    # What the history was built from (withdrawn ones included): register/history.py reads it.
    publications: tuple[PublicationFact, ...] = ()

    @property
    def has_withdrawn(self) -> bool:
        return any(entry.withdrawn_on for entry in self.history)


def export_organisation(organisation: Organisation) -> ExportOrganisation:
    return ExportOrganisation(
        ods_code=organisation.ods_code,
        name=organisation.name,
        primary_sector=organisation.primary_sector,
        commissioner=organisation.commissioner,
    )


# The query ---------------------------------------------------------------------------------------


def normalise_query(value: object) -> str:
    """Control characters removed (white-space ones become spaces), then trimmed.

    PostgreSQL refuses NUL in text, and the rest never belong in a name or code.
    """
    if value is None:
        return ""
    cleaned = []
    for character in str(value):
        if unicodedata.category(character) == "Cc":
            if character.isspace():
                cleaned.append(" ")
            continue
        cleaned.append(character)
    return "".join(cleaned).strip()


# At most this many results are counted and listed: past it the page says "more than 1,000" and
# asks for more of the name. Nobody reads page 41, and counting every one of 130,000 names
# containing "care" cost more than everything else on the page.
SEARCH_RESULT_LIMIT = 1000


def _search_conditions(*, query: str, code: str) -> tuple[Q, Q, Q]:
    """The three parts' conditions, each excluding the ones before it: the organisation whose
    ODS code is `code`, names starting with `query`, names containing it elsewhere.

    The query is folded by the same expression as the stored name; PostgreSQL works it out once
    while planning (it is IMMUTABLE), so the indexes serve every condition."""
    folded_query = folded(Value(query))
    is_code = Q(ods_code=code)
    starts = Q(
        search_name__gte=folded_query,
        search_name__lt=Concat(folded_query, Value(AFTER_EVERYTHING), output_field=TextField()),
    )
    contains = Q(search_name__contains=folded_query)
    return (
        is_code,
        starts & ~is_code,
        contains & ~Q(search_name__startswith=folded_query) & ~is_code,
    )


# Past the limit and past a first page, names containing the query elsewhere are walked when
# PostgreSQL expects more than this many of them, and sorted otherwise (OrganisationMatches._walks).
SORT_AT_MOST = 4000


def _part_order(part: int, *, walk: bool) -> tuple:
    """Names starting with the query come in index order (a range of the B-tree). Names
    containing it: in index order too when they are many (`walk`: the scan soon meets enough of
    them), but sorted after the trigram index finds them otherwise. Either way only names and
    codes are read to find a page of them (_part_slice). Walking the B-tree in search of a page
    reads every name before the last one shown, about 0.2 ms for each thousand: 4 ms for the
    first page of 1,190 ("optici", which few names before the S's contain), 32 ms for its last,
    against under 2 ms to find and sort them all; sorting costs about 1 ms a thousand (4 ms for
    "surger"'s 3,960, 35 ms for "reside"'s 26,688, whose first page the walk finds in 0.2 ms).
    lower() of the already folded name sorts alike but is no index's order."""
    if part < 2 or walk:
        return ("search_name", "ods_code")
    return (Lower("search_name"), "ods_code")


def _search_shape(shape: tuple, *, query: str, code: str) -> QuerySet[Organisation]:
    """The search's queries, by shape: ("first", n) the first n organisations matching the code
    or starting with the query, each with whether it is the code's (for counting them);
    ("rest", n) the first n of the third part (for counting it); ("part", number, walk, start,
    stop) a slice of one part, in its order."""
    conditions = _search_conditions(query=query, code=code)
    base = Organisation.objects.only(*PUBLIC_COLUMNS)
    kind = shape[0]
    if kind == "first":
        return (
            base.filter(conditions[0] | conditions[1])
            .order_by()
            .annotate(is_code=ExpressionWrapper(conditions[0], output_field=BooleanField()))
            .values_list("is_code")[: shape[1]]
        )
    if kind == "rest":
        return base.filter(conditions[2]).order_by().values_list("pk")[: shape[1]]
    _, number, walk, start, stop = shape
    # The name it is ordered by, for reading several parts in one statement.
    return _part_slice(base, conditions, number, walk=walk, start=start, stop=stop).annotate(
        sort_name=F("search_name")
    )


def _part_slice(
    base: QuerySet[Organisation],
    conditions: tuple[Q, Q, Q],
    number: int,
    *,
    walk: bool,
    start: int,
    stop: int | None,
) -> QuerySet[Organisation]:
    """Rows start to stop of a part, in its order (_part_order)."""
    order = _part_order(number, walk=walk)
    if number == 2:
        # The slice's codes are found from names and codes alone, then only its rows are read
        # (ADR 19). Walked, that is an index-only scan of the B-tree (its name and code are all
        # the conditions read): fetching each row the walk passed, to test it, took several
        # times as long ("limite": 5.6 ms against about 1). Sorted, the sort carries names and
        # codes rather than whole rows ("surger": 10.6 ms against 4.2).
        keys = Organisation.objects.filter(conditions[2]).order_by(*order).values("ods_code")
        return base.filter(ods_code__in=keys[start:stop]).order_by(*order)
    return base.filter(conditions[number]).order_by(*order)[start:stop]


# The search's SQL is made once per shape and process: building it took longer than running it.
_SEARCH_SHAPES = CompiledShapes(_search_shape, max_shapes=1024)


@dataclass
class OrganisationMatches:
    """The organisations a query matches, best first: the organisation whose ODS code it is,
    then names starting with it, then names containing it elsewhere, alphabetical (by the folded
    name, then code) within each part.

    Each part is read on its own in the order of the (search_name, ods_code) index, so a page of
    results reads a page of rows rather than sorting every match. Ready for Django's Paginator:
    `count()` (at most `limit`; `more` says when there were more) and slicing. Counting takes two
    queries (the code and the names starting with the query together, then the rest, which is
    skipped when the first two fill the limit); a slice one query for each part it reaches.

    The queries' SQL is compiled once per shape (`_SEARCH_SHAPES`); `with_parents()` reads each
    organisation's HQ with it, through the ORM.
    """

    query: str = ""
    code: str = ""
    limit: int = SEARCH_RESULT_LIMIT
    parents: bool = False
    _counts: list[int] | None = field(default=None, repr=False)
    _deadlines: dict[str, datetime.date] | None = field(default=None, repr=False)

    @property
    def parts(self) -> tuple[QuerySet[Organisation], ...]:
        """Each part as a queryset, sorted (for reading the plans)."""
        if not self.query:
            return ()
        return tuple(
            self._base().filter(condition).order_by(*_part_order(number, walk=False))
            for number, condition in enumerate(_search_conditions(query=self.query, code=self.code))
        )

    def _base(self) -> QuerySet[Organisation]:
        if self.parents:
            return Organisation.objects.select_related("parent").only(
                *PUBLIC_COLUMNS, "parent__ods_code", "parent__name"
            )
        return Organisation.objects.only(*PUBLIC_COLUMNS)

    def with_parents(self) -> OrganisationMatches:
        """The same matches, each organisation read with its HQ's code and name."""
        return replace(self, parents=True, _counts=None)

    def _part_counts(self) -> list[int]:
        """How many rows each part holds, counted no further than one past the limit in all."""
        if self._counts is None:
            self._counts = self._count_parts()
        return self._counts

    def _count_parts(self) -> list[int]:
        """One statement: the code and the names starting with the query (counted together, up
        to one past the limit), then the rest, up to what is left of it. On PostgreSQL the banks'
        deadlines come with them, for the page's statuses (`deadlines`)."""
        if not self.query:
            return []
        enough = self.limit + 1
        values = {"query": self.query, "code": self.code}
        first_sql, first_params = _SEARCH_SHAPES.sql(("first", enough), **values)
        rest_sql, rest_params = _SEARCH_SHAPES.sql(("rest", None), **values)
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH first_part AS (SELECT COUNT(*) AS matched, "
                "COALESCE(SUM(CASE WHEN first_matched.is_code THEN 1 ELSE 0 END), 0) AS code "
                f"FROM ({first_sql}) first_matched) "
                f"SELECT matched, code, (SELECT COUNT(*) FROM ({rest_sql} LIMIT "
                "(SELECT CASE WHEN %s - matched > 0 THEN %s - matched ELSE 0 END FROM first_part)"
                ") rest_matched)" + f", ({deadlines_json().sql}) FROM first_part",
                [*first_params, *rest_params, enough, enough],
            )
            matched, code, rest, deadlines = cursor.fetchone()
        if deadlines is not None:
            self._deadlines = deadlines_from_json(deadlines)
        return [code, matched - code, rest]

    def deadlines(self) -> dict[str, datetime.date]:
        """The banks' deadlines, as read with the counts (PostgreSQL), else read now."""
        self._part_counts()
        return self._deadlines if self._deadlines is not None else publication_deadlines()

    def _walks(self, start: int, stop: int) -> bool:
        """Whether rows start to stop of the third part are read in the B-tree's order
        (_part_order) rather than sorted.

        - Counted (every match within the limit): sorted. At most the limit's 1,000 rows.
        - Past the limit, and the first page's worth of a third part the count found holding at
          least what a page leaves of the limit: walked. It holds at least 975 of the 300,000
          names, so the walk meets a page of them within about 8,000 names (under 2 ms, index
          only); sorting 975 takes about as long, 3,022 ("limite") 3.5 ms, 26,688 ("reside") 35.
        - Past the limit otherwise (a later page, or a third part the first two left little room
          for): PostgreSQL's estimate decides, walked past SORT_AT_MOST. The count cannot say,
          and counting further costs more than it saves (4,000 of 26,000 rows took 13 ms,
          against 2 ms for 1,000). The embedded default has no estimate to ask for, and walks.
        """
        counts = self._part_counts()
        if len(counts) < 3 or sum(counts) <= self.limit:
            return False
        if stop <= PAGE_SIZE and counts[2] >= self.limit - PAGE_SIZE:
            return True
        if connection.vendor != "postgresql":
            return True
        return self._estimate > SORT_AT_MOST

    @cached_property
    def _estimate(self) -> float:
        """PostgreSQL's estimate of how many rows the third part holds. Its statistics of the
        trigram index make it close for common words (31,709 for 26,546) but not for all (29
        for 3,119 names containing "practi", 6,785 for 3,022 containing "limite")."""
        sql, params = _SEARCH_SHAPES.sql(("rest", None), query=self.query, code=self.code)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            (plan,) = cursor.fetchone()
        if isinstance(plan, str):
            plan = json.loads(plan)
        return plan[0]["Plan"]["Plan Rows"]

    @property
    def more(self) -> bool:
        """More organisations match than are counted and listed."""
        return sum(self._part_counts()) > self.limit

    def count(self) -> int:
        return min(sum(self._part_counts()), self.limit)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Organisation]:
        return iter(self[0 : self.count()])

    def _part_shape(self, part: int, start: int, stop: int) -> tuple:
        # Up to a page of rows is read as a page (and cut down after): one shape, compiled once
        # per process, serves every first page whatever the parts before it held.
        stop = start + max(stop - start, PAGE_SIZE)
        return ("part", part, part == 2 and self._walks(start, stop), start, stop)

    def _part_sql(self, part: int, start: int, stop: int) -> tuple[str, list]:
        shape = self._part_shape(part, start, stop)
        return _SEARCH_SHAPES.sql(shape, query=self.query, code=self.code)

    def _read(self, part: int, start: int, stop: int) -> list[Organisation]:
        if self.parents:
            conditions = _search_conditions(query=self.query, code=self.code)
            walk = part == 2 and self._walks(start, stop)
            return list(
                _part_slice(self._base(), conditions, part, walk=walk, start=start, stop=stop)
            )
        sql, params = self._part_sql(part, start, stop)
        return list(Organisation.objects.raw(sql, params))[: stop - start]

    def _read_together(self, slices: list[tuple[int, int, int]]) -> list[Organisation]:
        """The rows of several parts' slices in one statement: each part read as on its own,
        put together in the parts' order, each part's rows in its own order."""
        selects, params, walked = [], [], False
        for part, start, stop in slices:
            shape = self._part_shape(part, start, stop)
            walked = walked or shape[2]
            sql, part_params = _SEARCH_SHAPES.sql(shape, query=self.query, code=self.code)
            selects.append(f"SELECT {part} AS search_part, p{part}.* FROM ({sql}) p{part}")
            params.extend(part_params)
        # The order each part was read in (_part_order), on the name each row was read with.
        name_order = (
            "page.sort_name"
            if walked
            else "CASE WHEN page.search_part = 2 THEN LOWER(page.sort_name) ELSE page.sort_name END"
        )
        sql = (
            f"SELECT * FROM ({' UNION ALL '.join(selects)}) page "
            f"ORDER BY page.search_part, {name_order}, page.ods_code"
        )
        by_part: dict[int, list[Organisation]] = {part: [] for part, _, _ in slices}
        for organisation in Organisation.objects.raw(sql, params):
            by_part[organisation.search_part].append(organisation)  # type: ignore[attr-defined]
        return [
            organisation
            for part, start, stop in slices
            for organisation in by_part[part][: stop - start]
        ]

    def __getitem__(self, key: slice) -> list[Organisation]:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("OrganisationMatches takes a plain slice")
        start = max(key.start or 0, 0)
        stop = min(self.count() if key.stop is None else key.stop, self.count())
        # Which rows of which parts the slice holds.
        slices = []
        for part, size in enumerate(self._part_counts()):
            if start >= stop:
                break
            if start >= size:
                start -= size
                stop -= size
                continue
            slices.append((part, start, min(stop, size)))
            stop -= min(stop, size)
            start = 0
        if len(slices) > 1 and not self.parents:
            # A page reaching two or three parts: one round trip rather than one a part.
            return self._read_together(slices)
        return [row for part, first, last in slices for row in self._read(part, first, last)]


def organisation_search(*, query: str, limit: int = SEARCH_RESULT_LIMIT) -> OrganisationMatches:
    """Organisations matching `query`, best first (OrganisationMatches says the order).

    Matches an organisation whose ODS code equals the query (upper-cased) or whose name contains
    it, ignoring case and (PostgreSQL) accents. An empty query matches nothing.
    """
    query = normalise_query(query)
    if not query:
        return OrganisationMatches(limit=limit)
    return OrganisationMatches(query=query, code=normalise_ods_code(query), limit=limit)


def organisation_search_page(
    *, query: str, page: object = 1, per_page: int = PAGE_SIZE, today: datetime.date | None = None
) -> SearchPage:
    """One page of results with their statuses, in a bounded number of queries whatever the page
    holds: the counts (with the banks' deadlines on PostgreSQL), one read for each of the three
    parts the page reaches, then the latest publications (one).

    `page` may be anything a visitor typed: non-numbers give page 1, numbers past the end the
    last page.
    """
    matches = organisation_search(query=query)
    paginator = Paginator(matches, per_page)
    page_obj = paginator.get_page(page_number(page))
    organisations = list(page_obj.object_list)
    page_obj.object_list = organisations
    statuses = organisation_statuses(
        organisations=organisations, today=today, deadlines=matches.deadlines()
    )
    return SearchPage(
        query=normalise_query(query),
        page=page_obj,
        results=[OrganisationResult(org, statuses[org.pk]) for org in organisations],
        more=matches.more,
    )


def organisation_search_rows(
    *, query: str, limit: int = CSV_ROW_LIMIT, today: datetime.date | None = None
) -> list[OrganisationResult]:
    """Every result for the CSV download, at most `limit`, with statuses.

    Statuses are worked out in chunks so no single query carries thousands of parameters (SQLite
    refuses more than a few thousand)."""
    organisations = organisation_search(query=query, limit=limit)[:limit]
    deadlines = publication_deadlines()
    results: list[OrganisationResult] = []
    chunk_size = 500
    for start in range(0, len(organisations), chunk_size):
        chunk = organisations[start : start + chunk_size]
        statuses = organisation_statuses(organisations=chunk, today=today, deadlines=deadlines)
        results.extend(OrganisationResult(org, statuses[org.pk]) for org in chunk)
    return results


# Statuses in bulk --------------------------------------------------------------------------------


def _deadlines_shape(shape: str) -> QuerySet:
    return QuestionBank.objects.values_list("year", "publication_deadline")


# Compiled once per process: every status the register works out reads it.
_DEADLINES = CompiledShapes(_deadlines_shape, max_shapes=1, prepared=True)


def publication_deadlines() -> dict[str, datetime.date]:
    """DSPT year → publication deadline, from the loaded question banks (a handful of rows)."""
    return {year: driver_date(deadline) for year, deadline in _DEADLINES.rows("all")}


def status_from_facts(
    organisation: Organisation,
    publications: Iterable[PublicationFact],
    *,
    deadlines: Mapping[str, datetime.date],
    today: datetime.date,
) -> PublicStatus:
    """The public status rule applied to an organisation row and the publications that may speak
    for it (`latest_publications` gives them)."""
    return public_status(
        publications=publications,
        registered=organisation.is_registered,
        directory_status=organisation.directory_status,
        directory_published_on=organisation.directory_published_on,
        deadlines=deadlines,
        today=today,
    )


def organisation_statuses(
    *,
    organisations: Sequence[Organisation],
    today: datetime.date | None = None,
    deadlines: Mapping[str, datetime.date] | None = None,
) -> dict[int, PublicStatus]:
    """organisation pk → public status, in three queries (two when `deadlines` is given), none
    when `organisations` is empty."""
    if not organisations:
        return {}
    today = today or timezone.localdate()
    if deadlines is None:
        deadlines = publication_deadlines()
    latest = latest_publications(organisation_ids=[org.pk for org in organisations])
    return {
        organisation.pk: status_from_facts(
            organisation, latest[organisation.pk], deadlines=deadlines, today=today
        )
        for organisation in organisations
    }


@dataclass(frozen=True)
class StatusesByCode:
    """The bulk status check's answer: the organisations found, in the order the codes were
    given, and the codes the directory does not hold."""

    results: list[OrganisationResult]
    unknown: list[str]


def organisation_statuses_by_code(
    *, codes: Sequence[str], today: datetime.date | None = None
) -> StatusesByCode:
    """Each code's organisation and public status: three queries (organisations, banks, the own
    and HQ latest publications) however many codes, none when there are none. `codes` are
    normalised already (register/bulk_input.py)."""
    if not codes:
        return StatusesByCode(results=[], unknown=[])
    found = {
        organisation.ods_code: organisation
        for organisation in Organisation.objects.only(*PUBLIC_COLUMNS).filter(ods_code__in=codes)
    }
    organisations = [found[code] for code in codes if code in found]
    statuses = organisation_statuses(organisations=organisations, today=today)
    return StatusesByCode(
        results=[OrganisationResult(org, statuses[org.pk]) for org in organisations],
        unknown=[code for code in codes if code not in found],
    )


def _register_chunk(shape: tuple, *, after: str) -> QuerySet:
    """("chunk", n): the first n organisations by ODS code after `after`, with what the export
    and the status rule read, and their own and HQ latest publications."""
    own, via_hq = latest_publication_subqueries()
    return (
        Organisation.objects.filter(ods_code__gt=after)
        .order_by("ods_code")
        .annotate(own=own, via_hq=via_hq)
        .values_list(
            "ods_code",
            "name",
            "primary_sector",
            "commissioner",
            "registration_state",
            "directory_status",
            "directory_published_on",
            "own",
            "via_hq",
        )[: shape[1]]
    )


# Compiled once per chunk size and process; rows are read as plain values (no model instances).
_REGISTER_CHUNKS = CompiledShapes(_register_chunk)


def register_export_chunks(
    *,
    chunk_size: int = 2000,
    today: datetime.date | None = None,
    deadlines: Mapping[str, datetime.date] | None = None,
) -> Iterator[list[tuple[ExportOrganisation, PublicStatus]]]:
    """Every organisation in the directory, by ODS code, with its public status, a chunk at a
    time (never the whole register in memory): keyset pages, each one indexed query that brings
    the latest publications with it."""
    today = today or timezone.localdate()
    if deadlines is None:
        deadlines = publication_deadlines()
    last = ""
    while True:
        rows = _REGISTER_CHUNKS.rows(("chunk", chunk_size), after=last)
        if not rows:
            return
        yield [
            (
                ExportOrganisation(
                    ods_code=code, name=name, primary_sector=sector, commissioner=commissioner
                ),
                public_status(
                    publications=publication_facts(own, via_hq),
                    registered=state == Organisation.RegistrationState.REGISTERED,
                    directory_status=directory_status,
                    directory_published_on=driver_date(published_on),
                    deadlines=deadlines,
                    today=today,
                ),
            )
            for (
                code,
                name,
                sector,
                commissioner,
                state,
                directory_status,
                published_on,
                own,
                via_hq,
            ) in rows
        ]
        last = rows[-1][0]


# The public organisation page --------------------------------------------------------------------


def _public_organisation_shape(shape: str, *, code: str) -> QuerySet[Organisation]:
    """("own") the organisation with the code; ("hq") the HQ of the organisation with the code."""
    organisations = Organisation.objects.only(*PUBLIC_COLUMNS)
    if shape == "own":
        return organisations.filter(ods_code=code).order_by("pk")[:1]
    return organisations.filter(branches__ods_code=code).order_by("pk")[:1]


# Compiled once per process: every first badge, API lookup or page of an organisation reads it,
# and building it took the web worker longer than PostgreSQL took to answer.
_PUBLIC_ORGANISATION = CompiledShapes(_public_organisation_shape, max_shapes=2, prepared=True)


def _public_organisation(shape: str, code: str) -> Organisation | None:
    found = _PUBLIC_ORGANISATION.objects(Organisation, shape, code=code)
    return found[0] if found else None


def organisation_public_get(*, ods_code: str) -> Organisation | None:
    """The organisation with this code (normalised), with its HQ (public columns only of
    both); None when there is none."""
    code = normalise_ods_code(normalise_query(ods_code))
    if not code:
        return None
    return organisation_public_exact(code=code)


def organisation_public_exact(*, code: str) -> Organisation | None:
    """The organisation whose code is exactly `code`, with its HQ (public columns only of both);
    None when there is none."""
    organisation = _public_organisation("own", code)
    if organisation is not None and organisation.parent_id is not None:
        # Read as the public columns only: kept answers (status_cache) hold it.
        parent = _public_organisation("hq", code)
        if parent is not None:
            organisation.parent = parent
    return organisation


def _history_query(ids: list[int]) -> QuerySet:
    """Every publication covering an organisation, latest first. `ids` is the organisation's id
    twice: once for its own publications, once for the HQ publications listing it as a site."""
    # A UNION of the two id lists lets PostgreSQL use both indexes; an OR of the two conditions
    # made it scan every publication (41 ms against 0.3 ms at 40,000 publications).
    own = Publication.objects.filter(organisation_id=ids[0]).order_by().values("pk")
    covering = (
        PublicationSite.objects.filter(organisation_id=ids[1]).order_by().values("publication_id")
    )
    # Never the answers, profile, action plan or people: only what the public may see.
    return (
        Publication.objects.filter(pk__in=own.union(covering))
        .order_by(*LATEST_FIRST)
        .values_list(
            "level",
            "published_at",
            "withdrawn_at",
            "verification_code",
            "organisation_id",
            "bank__year",
            "organisation__name",
            "organisation__ods_code",
        )
    )


# Compiled once per process (dspt_portal/compiled_queries.py): every first view of an
# organisation's page builds it, and building it took longer than PostgreSQL took to answer.
_HISTORY = CompiledQuery(_history_query)


def _history_facts(organisation: Organisation) -> list[PublicationFact]:
    """Every publication covering the organisation, latest first: its own and HQs', withdrawn
    ones too, marked (one query)."""
    return _facts_of_history(organisation, _HISTORY.rows([organisation.pk, organisation.pk]))


def _facts_of_history(
    organisation: Organisation, rows: Iterable[Sequence]
) -> list[PublicationFact]:
    """The history's rows (as `_history_query` gives them, or as JSON arrays in that order) as
    facts."""
    facts = []
    for (
        level,
        published_at,
        withdrawn_at,
        verification_code,
        publisher_id,
        year,
        publisher_name,
        publisher_code,
    ) in rows:
        via_hq = publisher_id != organisation.pk
        published_at = driver_datetime(published_at)
        withdrawn_at = driver_datetime(withdrawn_at)
        facts.append(
            PublicationFact(
                year=year,
                level=level,
                published_at=published_at,
                published_on=timezone.localdate(published_at),
                via_hq_name=publisher_name if via_hq else "",
                via_hq_code=publisher_code if via_hq else "",
                withdrawn_on=timezone.localdate(withdrawn_at) if withdrawn_at else None,
                verification_code=verification_code,
            )
        )
    return facts


def _branches_query(ids: list[int]) -> QuerySet[Organisation]:
    """The branches of the organisation `ids[0]` (public columns only), by name."""
    return (
        Organisation.objects.filter(parent_id=ids[0])
        .only(*PUBLIC_COLUMNS)
        .order_by("name", "ods_code")
    )


# Compiled once per process: every first view of any organisation's page asks (most have none),
# and building the query cost the web worker about 1 ms, PostgreSQL a tenth of that.
_BRANCHES = CompiledQuery(_branches_query)


def organisation_public_view(
    *, organisation: Organisation, today: datetime.date | None = None
) -> OrganisationPublicView:
    """Status, publication history and (for an HQ) branches with their own statuses.

    Four queries: banks, history, branches, and the branches' own and HQ latest publications.
    The history leaves out HQ publications made after the organisation registered (they never
    covered it) and marks withdrawn ones; the status rule (coverage.deciding_publications)
    decides from the rest, never from a withdrawn one.
    """
    return _public_view(
        organisation,
        _history_facts(organisation),
        _BRANCHES.objects(Organisation, [organisation.pk]),
        deadlines=publication_deadlines(),
        today=today,
    )


def _public_view(
    organisation: Organisation,
    history: list[PublicationFact],
    branches: list[Organisation],
    *,
    deadlines: Mapping[str, datetime.date],
    today: datetime.date | None = None,
) -> OrganisationPublicView:
    today = today or timezone.localdate()
    facts = history_publications(
        history, registered_at=organisation.registered_at if organisation.is_registered else None
    )
    branch_statuses = organisation_statuses(
        organisations=branches, today=today, deadlines=deadlines
    )
    return OrganisationPublicView(
        organisation=organisation,
        status=status_from_facts(organisation, facts, deadlines=deadlines, today=today),
        history=[
            HistoryEntry(
                year=fact.year,
                status_text=vocabulary.status_text(fact.year, fact.level),
                published_on=fact.published_on,
                via_hq_name=fact.via_hq_name,
                via_hq_code=fact.via_hq_code,
                withdrawn_on=fact.withdrawn_on,
            )
            for fact in facts
        ],
        branches=[OrganisationResult(branch, branch_statuses[branch.pk]) for branch in branches],
        publications=tuple(facts),
    )


# An organisation's page in one statement (PostgreSQL) ---------------------------------------------


def _history_json() -> RawSQL:
    """Every publication covering the organisation the outer query reads, as `_history_query`
    gives them, latest first: a JSON array of arrays ("[]" for none)."""
    publication = Publication._meta.db_table
    site = PublicationSite._meta.db_table
    bank = QuestionBank._meta.db_table
    organisation = Organisation._meta.db_table
    return RawSQL(
        "SELECT COALESCE(json_agg(json_build_array(p.level, p.published_at, p.withdrawn_at, "
        "p.verification_code, p.organisation_id, b.year, o.name, o.ods_code) "
        "ORDER BY p.published_at DESC, p.id DESC), '[]') "
        f"FROM {publication} p JOIN {bank} b ON b.id = p.bank_id "
        f"JOIN {organisation} o ON o.id = p.organisation_id "
        f"WHERE p.id IN (SELECT u.id FROM {publication} u "
        f"WHERE u.organisation_id = {organisation}.id "
        f"UNION SELECT s.publication_id FROM {site} s WHERE s.organisation_id = {organisation}.id)",
        (),
        output_field=JSONField(),
    )


def deadlines_json() -> RawSQL:
    """The banks' deadlines as a JSON array of [year, deadline] ("[]" for none), for a statement
    that brings them with what it reads (`deadlines_from_json` reads them). On any database but
    PostgreSQL, null: the caller reads them on their own (`publication_deadlines`)."""
    if connection.vendor != "postgresql":
        return RawSQL("NULL", (), output_field=JSONField())
    return RawSQL(
        "SELECT COALESCE(json_agg(json_build_array(year, publication_deadline)), '[]') "
        f"FROM {QuestionBank._meta.db_table}",
        (),
        output_field=JSONField(),
    )


def deadlines_from_json(rows: Iterable[Sequence[str]]) -> dict[str, datetime.date]:
    return {year: datetime.date.fromisoformat(day) for year, day in rows}


# The public columns as a one-statement read selects them, for `public_organisation_from`.
PUBLIC_COLUMN_ORDER = columns_of(Organisation, only=PUBLIC_COLUMNS)


def public_organisation_from(
    columns: Sequence, *, hq_code: str | None, hq_name: str | None
) -> Organisation:
    """An organisation from its public columns (in PUBLIC_COLUMN_ORDER), with its HQ's code and
    name when it has one, as a one-statement read gives them."""
    organisation = instance_from(Organisation, columns, only=PUBLIC_COLUMNS)
    if organisation.parent_id is not None:
        organisation.parent = Organisation.from_db(
            connection.alias, ["id", "ods_code", "name"], [organisation.parent_id, hq_code, hq_name]
        )
    return organisation


def _public_page_shape(shape: str, *, code: str) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(ods_code=code)
        .order_by("pk")
        .annotate(
            hq_code=F("parent__ods_code"),
            hq_name=F("parent__name"),
            history=_history_json(),
            has_branches=Exists(Organisation.objects.filter(parent_id=OuterRef("pk"))),
            deadlines=deadlines_json(),
        )
        .values_list(
            *PUBLIC_COLUMN_ORDER, "hq_code", "hq_name", "history", "has_branches", "deadlines"
        )[:1]
    )


# Compiled once per process and prepared: every first view of an organisation's page reads it.
# One statement for what took four (the organisation with its HQ, its history, whether it has
# branches, the banks' deadlines).
_PUBLIC_PAGE = CompiledShapes(_public_page_shape, max_shapes=1, prepared=True)


def organisation_public_view_for_code(
    *, code: str, today: datetime.date | None = None
) -> OrganisationPublicView | None:
    """`organisation_public_view` of the organisation whose code is exactly `code`, None when
    there is none. On PostgreSQL one statement reads all a site's page shows (an HQ's branches
    and their statuses take two more); elsewhere as `organisation_public_exact` and
    `organisation_public_view` read it."""
    if connection.vendor != "postgresql":
        organisation = organisation_public_exact(code=code)
        if organisation is None:
            return None
        return organisation_public_view(organisation=organisation, today=today)
    rows = _PUBLIC_PAGE.rows("one", code=code)
    if not rows:
        return None
    *columns, hq_code, hq_name, history, has_branches, deadlines = rows[0]
    organisation = public_organisation_from(columns, hq_code=hq_code, hq_name=hq_name)
    return _public_view(
        organisation,
        _facts_of_history(organisation, history),
        _BRANCHES.objects(Organisation, [organisation.pk]) if has_branches else [],
        deadlines=deadlines_from_json(deadlines),
        today=today,
    )


# Certificate verification ------------------------------------------------------------------------


def publication_cover_ended(*, publication: Publication) -> list[CoverEnded]:
    """The sites an HQ publication lists that it does not speak for: those registered on their
    own (status.cover_ended decides). One query, however many sites the publication lists."""
    rows = (
        Organisation.objects.filter(
            publication_site_links__publication=publication,
            registration_state=Organisation.RegistrationState.REGISTERED,
        )
        .order_by("name", "ods_code")
        .values_list("name", "ods_code", "registered_at")
    )
    return cover_ended(
        published_at=publication.published_at,
        sites=[
            ListedSite(
                name=name,
                code=code,
                registered_at=registered_at,
                registered_on=timezone.localdate(registered_at),
            )
            for name, code, registered_at in rows
        ],
    )
