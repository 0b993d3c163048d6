"""Queries the ORM compiles once per process and database, then runs many times with other ids.

For the register's hottest read — each organisation's latest own and HQ publication — turning the
queryset into SQL cost the web worker about three times what PostgreSQL took to answer it (at
300,000 organisations: ~7 ms of Python against ~2 ms in the database, for every badge, API lookup,
public page and search page, and for each of the open-data file's 600 chunks). The query's shape
never changes, only the organisation ids it is asked about, so its SQL is made once and kept.

`CompiledQuery(build)` takes a function that builds the queryset from a list of ids. The first time
a number of ids is asked for, it builds the queryset with marker ids no row has, compiles it, and
notes which parameters are the markers; later calls put the real ids in their places and run the
SQL through Django's cursor (so query counts, logging and the test suite's query budgets see it as
before). Numbers of ids are rounded up to a few sizes (powers of two to 512, then multiples of
512), padding with the last id — an id twice in an `IN (...)` list selects nothing more — so a
process keeps a couple of dozen compiled forms at most.

Only for queries whose SQL depends on nothing but the ids: no dates, settings or user input baked in
when the queryset is built. Rows come back as the database driver gives them, without the ORM's
field conversions (JSON arrives as text on PostgreSQL and SQLite alike).

On PostgreSQL these queries are also prepared statements (`prepared_cursor`): planning the latest
publications query took PostgreSQL about 1.4 ms, running it 0.3 ms, on every first page, lookup or
search. A prepared statement is planned a few times per connection, then its plan is kept. Forms
for more than 512 ids are not prepared (`CompiledQuery._cursor`).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.utils import timezone

# Far below any id a table will reach (ids start at 1), and distinct from each other.
_MARKER_BASE = -(2**52)
_SMALL_SIZES_UP_TO = 512


def padded_size(count: int, *, smallest: int = 1) -> int:
    """The number of ids a query for `count` ids is compiled for (at least `smallest`, a power of
    two)."""
    if count < 1:
        raise ValueError("A compiled query needs at least one id.")
    if count <= _SMALL_SIZES_UP_TO:
        size = smallest
        while size < count:
            size *= 2
        return size
    return -(-count // _SMALL_SIZES_UP_TO) * _SMALL_SIZES_UP_TO


# Prepared statements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Shown:
    query: bytes
    params: None = None


class _PreparingCursor(psycopg.Cursor):
    """Binds parameters on the server and has every statement it runs prepared."""

    # Set when Django logs queries (DEBUG, the test suite's query counts): psycopg notes no
    # statement for a prepared run, and Django's log reads it from `_query`.
    shows_queries = False

    def execute(self, query, params=None, *, prepare=None, binary=None):  # type: ignore[override]
        super().execute(query, params, prepare=True, binary=binary)
        if self.shows_queries:
            # As Django shows any other query: the values written into the statement.
            shown = psycopg.ClientCursor(self.connection).mogrify(query, params)
            self._query = _Shown(shown.encode())  # type: ignore[assignment]
        return self


def prepares_statements(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether compiled queries are prepared on this connection: PostgreSQL, with psycopg keeping
    prepared statements (settings: DSPT_DATABASE_PREPARED_STATEMENTS)."""
    connection = connections[using]
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict["OPTIONS"].get("prepare_threshold") is not None
    )


@contextmanager
def prepared_cursor(using: str = DEFAULT_DB_ALIAS) -> Iterator:
    """A cursor whose statements PostgreSQL plans once per connection and keeps (psycopg's
    prepared statements), or Django's own cursor where statements are not prepared. Either way
    through Django's cursor wrapper: query counts, logging and error translation as for any query.

    Only for queries whose best plan does not depend on the values: after five runs PostgreSQL
    may settle on one plan for every value (plan_cache_mode "auto")."""
    connection = connections[using]
    if not prepares_statements(using):
        with connection.cursor() as cursor:
            yield cursor
        return
    # What connection.cursor() does, with a cursor of this kind.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = _PreparingCursor(connection.connection)
        raw.shows_queries = connection.queries_logged
        cursor = connection._prepare_cursor(raw)
    with cursor:
        yield cursor


def _converters(fields, connection) -> list:
    """What the ORM does to each column's value as the driver gives it: the database backend's
    conversions (SQLite's dates, booleans), then the field's own (`from_db_value`)."""
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((position, column, functions))
    return found


def _convert(values: list, converters: list, connection) -> None:
    for position, column, functions in converters:
        for convert in functions:
            values[position] = convert(values[position], column, connection)


def objects_from(model: type[Model], cursor) -> list:
    """The rows of an executed query of some of `model`'s columns (its primary key among them) as
    model instances, the others deferred: what `Model.objects.raw()` gives, from any cursor."""
    columns = [column[0] for column in cursor.description]  # DB-API: the name first
    attnames = [field.attname for field in model._meta.concrete_fields]
    unknown = set(columns) - set(attnames)
    if unknown:
        raise ValueError(f"Not columns of {model.__name__}: {', '.join(sorted(unknown))}")
    fields = [field for field in model._meta.concrete_fields if field.attname in columns]
    order = [columns.index(field.attname) for field in fields]
    names = [field.attname for field in fields]
    converters = _converters(fields, cursor.db)
    found = []
    for row in cursor.fetchall():
        values = [row[index] for index in order]
        _convert(values, converters, cursor.db)
        found.append(model.from_db(cursor.db.alias, names, values))
    return found


def columns_of(model: type[Model], through: str = "", *, only: Sequence[str] = ()) -> list[str]:
    """Every column of `model` in its own order (or those of the fields named in `only`, in the
    model's order), as `values_list()` names them (`through` a relation: "organisation__"), for a
    query whose rows `instance_from` makes into instances."""
    return [through + field.attname for field in _fields(model, only)]


def _fields(model: type[Model], only: Sequence[str] = ()) -> list:
    fields = model._meta.concrete_fields
    if not only:
        return list(fields)
    wanted = {model._meta.get_field(name).attname for name in only} | {model._meta.pk.attname}
    return [field for field in fields if field.attname in wanted]


# Per model, columns and database: the columns' conversions, as `instance_from` applies them.
_COLUMN_CONVERTERS: dict[tuple, list] = {}


def instance_from(
    model: type[Model],
    values: Sequence,
    *,
    only: Sequence[str] = (),
    using: str = DEFAULT_DB_ALIAS,
) -> Model:
    """A `model` instance from the values of its columns in `columns_of` order (with the same
    `only`: the others deferred), as the database driver gave them (the fields' conversions
    applied, as the ORM would)."""
    fields = _fields(model, only)
    if len(values) != len(fields):
        raise ValueError(f"{model.__name__} has {len(fields)} such columns, not {len(values)}.")
    values = list(values)
    connection = connections[using]
    key = (model, tuple(only), using, connection.vendor)
    converters = _COLUMN_CONVERTERS.get(key)
    if converters is None:
        converters = _COLUMN_CONVERTERS[key] = _converters(fields, connection)
    _convert(values, converters, connection)
    return model.from_db(using, [field.attname for field in fields], values)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # For each parameter: the index of the id that goes there, or None for one of the query's own.
    id_positions: tuple[int | None, ...]

    def params_for(self, ids: Sequence[int]) -> list:
        return [
            value if position is None else ids[position]
            for value, position in zip(self.params, self.id_positions, strict=True)
        ]


class CompiledQuery:
    """A query of ids compiled once per size, and prepared on PostgreSQL for up to 512 ids
    (`prepared_cursor`): its plan is the same whichever rows the ids name."""

    def __init__(self, build: Callable[[list[int]], QuerySet], *, smallest: int = 1):
        """`smallest`: the fewest ids a form is compiled for. Each form costs a process a few
        milliseconds to compile and PostgreSQL a plan per connection, the first time it is asked
        for; a query asked for any number of ids up to a page's does better with one form for
        them all (an id repeated in `IN (...)` costs nothing more)."""
        self._build = build
        self._smallest = smallest
        self._compiled: dict[tuple[str, str, int], _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, size: int) -> _Compiled:
        markers = [_MARKER_BASE - index for index in range(size)]
        sql, params = self._build(markers).query.sql_with_params()
        index_of = {marker: index for index, marker in enumerate(markers)}
        positions = tuple(
            index_of.get(value) if isinstance(value, int) else None for value in params
        )
        found = sorted(position for position in positions if position is not None)
        if found != list(range(size)):
            raise ValueError("Each id must appear exactly once among the query's parameters.")
        return _Compiled(sql=sql, params=tuple(params), id_positions=positions)

    def compiled(self, size: int, *, using: str = DEFAULT_DB_ALIAS) -> _Compiled:
        connection = connections[using]
        key = (using, connection.vendor, size)
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = self._compile(size)
                    self._compiled[key] = compiled
        return compiled

    def _run(self, cursor, ids: Sequence[int], using: str) -> None:
        ids = list(ids)
        size = padded_size(len(ids), smallest=self._smallest)
        compiled = self.compiled(size, using=using)
        padded = ids + [ids[-1]] * (size - len(ids))
        cursor.execute(compiled.sql, compiled.params_for(padded))

    def _cursor(self, ids: Sequence[int], using: str):
        """Prepared for up to _SMALL_SIZES_UP_TO ids; bound on the client past that. After five
        runs PostgreSQL may keep one plan for a prepared statement, and with thousands of ids
        that plan took four times as long as one made for the values: the bulk check's 5,000
        codes read their latest publications in 110 ms, then from the sixth run in 410 ms
        (`= ANY` over thousands of parameters). Planning is a small part of so large a read."""
        if len(ids) > _SMALL_SIZES_UP_TO:
            return connections[using].cursor()
        return prepared_cursor(using)

    def rows(self, ids: Sequence[int], *, using: str = DEFAULT_DB_ALIAS) -> list[tuple]:
        """The query's rows for `ids` (at least one), as the database driver gives them."""
        with self._cursor(ids, using) as cursor:
            self._run(cursor, ids, using)
            return cursor.fetchall()

    def objects(self, model: type[Model], ids: Sequence[int], *, using=DEFAULT_DB_ALIAS) -> list:
        """The query's rows for `ids` as `model` instances (a query of `model`'s columns)."""
        with self._cursor(ids, using) as cursor:
            self._run(cursor, ids, using)
            return objects_from(model, cursor)


# Queries of a few text values, in several shapes -------------------------------------------------


class CompiledShapes:
    """Queries built from a few text values (a search's words), in shapes a hashable key tells
    apart (which part of the results, which slice: LIMIT and OFFSET are written into the SQL).

    `build(shape, **values)` returns the queryset. The first time a shape is asked for it is built
    with marker texts in place of the values, compiled, and each parameter equal to a marker noted;
    later calls put the real values there. A value the ORM changes on the way to the SQL (as it
    escapes LIKE patterns given in Python) cannot be put back, so a parameter containing a marker
    without being it is refused. At most `max_shapes` shapes are kept (all are forgotten when
    more would be).
    """

    def __init__(
        self, build: Callable[..., QuerySet], *, max_shapes: int = 256, prepared: bool = False
    ):
        self._build = build
        # Prepared only when told: a search's best plan depends on its words.
        self._prepared = prepared
        self._max_shapes = max_shapes
        self._compiled: dict[tuple, tuple[str, tuple, tuple[str | None, ...]]] = {}
        self._lock = threading.Lock()

    def _compile(self, shape, names: tuple[str, ...]):
        markers = {name: f"\ue000{index}:{name}\ue001" for index, name in enumerate(names)}
        sql, params = self._build(shape, **markers).query.sql_with_params()
        name_of = {marker: name for name, marker in markers.items()}
        positions: list[str | None] = []
        for value in params:
            if isinstance(value, str) and value in name_of:
                positions.append(name_of[value])
            elif isinstance(value, str) and "\ue000" in value:
                raise ValueError("A value must reach the SQL unchanged to be compiled once.")
            else:
                positions.append(None)
        return sql, tuple(params), tuple(positions)

    def sql(self, shape, *, using: str = DEFAULT_DB_ALIAS, **values: str) -> tuple[str, list]:
        """The SQL and parameters of `shape` for `values`."""
        names = tuple(sorted(values))
        key = (using, connections[using].vendor, shape, names)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compile(shape, names)
            with self._lock:
                if len(self._compiled) >= self._max_shapes:
                    self._compiled.clear()
                self._compiled[key] = compiled
        sql, params, positions = compiled
        return sql, [
            value if name is None else values[name]
            for value, name in zip(params, positions, strict=True)
        ]

    def _cursor(self, using: str):
        return prepared_cursor(using) if self._prepared else connections[using].cursor()

    def rows(self, shape, *, using: str = DEFAULT_DB_ALIAS, **values: str) -> list[tuple]:
        sql, params = self.sql(shape, using=using, **values)
        with self._cursor(using) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def objects(self, model: type[Model], shape, *, using=DEFAULT_DB_ALIAS, **values: str) -> list:
        """The rows of `shape` as `model` instances (a query of `model`'s columns)."""
        sql, params = self.sql(shape, using=using, **values)
        with self._cursor(using) as cursor:
            cursor.execute(sql, params)
            return objects_from(model, cursor)


# Values as the driver gives them ------------------------------------------------------------------


def driver_date(value: datetime.date | str | None) -> datetime.date | None:
    """A date column as the driver gives it (SQLite: text) as a date."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def driver_datetime(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A timestamp as the driver gives it, or as JSON text (SQLite: naive UTC), made aware."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value
