"""Writing generated rows in bulk: COPY on PostgreSQL, `bulk_create` elsewhere.

Rows are never saved one by one, so no per-row signal or validation runs: whoever writes them
builds every value with the same functions the portal uses (see devdata/scale_data.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.db.models import NOT_PROVIDED


class BulkTable:
    """Rows for one table, given as tuples in `fields` order (attnames, "id" first).

    COPY on PostgreSQL; `bulk_create` elsewhere (SQLite, for a quick local try). Columns not given
    take the model field's default (`written_at` for auto_now ones), so a field added later with a
    default needs no change here.
    """

    def __init__(
        self, model: type[models.Model], fields: Sequence[str], *, written_at: dt.datetime
    ):
        self.model = model
        self.fields = tuple(fields)
        meta = model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = set(self.fields) - set(by_attname)
        if unknown:
            raise ImproperlyConfigured(f"{meta.label} has no column(s) {sorted(unknown)}")
        self.json_positions = tuple(
            position
            for position, name in enumerate(self.fields)
            if isinstance(by_attname[name], models.JSONField)
        )
        self.default_columns: list[str] = []
        self.default_values: list[object] = []
        for name, model_field in by_attname.items():
            if name in self.fields:
                continue
            if (
                model_field.primary_key
                or model_field.generated
                or getattr(model_field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED
            ):
                continue  # the database fills it in
            if getattr(model_field, "auto_now", False) or getattr(
                model_field, "auto_now_add", False
            ):
                value = written_at
            elif model_field.has_default() or model_field.null or model_field.empty_strings_allowed:
                value = model_field.get_default()
            else:
                raise ImproperlyConfigured(
                    f"{meta.label}.{model_field.name} has no default: give it a value"
                )
            if isinstance(model_field, models.JSONField):
                value = json.dumps(value)
            self.default_columns.append(model_field.column)
            self.default_values.append(value)
        self.columns = [by_attname[name].column for name in self.fields] + self.default_columns

    def write(self, rows: Iterable[tuple], *, tick: Callable[[int], None] | None = None) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows, tick)
        return self._bulk_create(rows, tick)

    def _copy(self, rows: Iterable[tuple], tick: Callable[[int], None] | None) -> int:
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(self.model._meta.db_table)} "
            f"({', '.join(quote(column) for column in self.columns)}) FROM STDIN"
        )
        extra = tuple(self.default_values)
        json_positions = self.json_positions
        count = 0
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                if json_positions:
                    row = list(row)
                    for position in json_positions:
                        row[position] = json.dumps(row[position])
                    row = tuple(row)
                copy.write_row(row + extra)
                count += 1
                if tick is not None and count % 5000 == 0:
                    tick(5000)
        if tick is not None:
            tick(count % 5000)
        return count

    def _bulk_create(self, rows: Iterable[tuple], tick: Callable[[int], None] | None) -> int:
        count = 0
        batch: list[models.Model] = []
        for row in rows:
            batch.append(self.model(**dict(zip(self.fields, row, strict=True))))
            if len(batch) == 2000:
                self.model.objects.bulk_create(batch)
                count += len(batch)
                if tick is not None:
                    tick(len(batch))
                batch = []
        if batch:
            self.model.objects.bulk_create(batch)
            count += len(batch)
            if tick is not None:
                tick(len(batch))
        return count


def allocate_ids(model: type[models.Model], count: int) -> range:
    """`count` fresh primary keys, taken from the table's sequence so later inserts never clash."""
    if count <= 0:
        return range(0)
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, %s) s",
                [count, table, model._meta.pk.column],
            )
            last = cursor.fetchone()[0]
            return range(last - count + 1, last + 1)
        cursor.execute(
            f"SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) "
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = (cursor.fetchone()[0] or 0) + 1
        return range(start, start + count)
