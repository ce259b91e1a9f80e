"""Several rows written in one round trip, for the hottest write paths (an online submission
inserts a dossier, its event, an audit event, three rollup counters, an outbox message and its
files).

Through the ORM each of those rows is compiled to SQL, bound on the client and sent on its own:
measured on a submission, that was about a third of its CPU (docs/benchmarks.md). A `Trip`
instead builds each model's INSERT once per process and, on PostgreSQL, takes the rows' keys from
their sequences up front (`reserve`), then sends every statement in one psycopg pipeline, bound
on the server and prepared once per connection (PostgreSQL then skips parsing and planning
them). On SQLite, which has neither sequences nor pipelines, each row is written when it is
added and gets its key back, so callers are written once for both.

Only plain INSERTs of model instances (every concrete field, defaults and `auto_now` applied as
the ORM would) and statements the caller writes; no signals are sent (our models have none), and
the caller owns the transaction: use it inside `transaction.atomic()`.

Prepared statements are per connection; behind a transaction-mode connection pooler (PgBouncer)
they must be off: `TINHSO_DB_PREPARE=false` in the environment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

_INSERT_SQL: dict[tuple[str, type[models.Model], bool, int], tuple[str, tuple[Any, ...]]] = {}


def _insert_of(model: type[models.Model], *, with_pk: bool, rows: int = 1,
               ) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of `rows` rows of every concrete field of `model` (the key too when
    `with_pk`; else the key is returned), and the fields in order; cached."""
    key = (connection.vendor, model, with_pk, rows)
    found = _INSERT_SQL.get(key)
    if found is None:
        meta = model._meta
        fields = tuple(f for f in meta.concrete_fields if with_pk or not f.primary_key)
        q = connection.ops.quote_name
        row = f"({', '.join(['%s'] * len(fields))})"
        columns = ", ".join(q(str(f.column)) for f in fields)
        sql = (f"INSERT INTO {q(meta.db_table)} ({columns}) "  # noqa: S608
               f"VALUES {', '.join([row] * rows)}")
        if not with_pk:
            sql += f" RETURNING {q(str(meta.pk.column))}"
        found = _INSERT_SQL[key] = (sql, fields)
    return found


def _values(obj: models.Model, fields: Sequence[Any]) -> list[Any]:
    # A foreign key set from an object that had no key yet (SQLite writes as it goes): take
    # the key the object has now, as Model.save() does.
    f: Any
    for f in obj._meta.concrete_fields:
        if f.is_relation and getattr(obj, f.attname) is None and f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is not None:
                setattr(obj, f.attname, related.pk)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: each field asks it for its operations
    return [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]


class Trip:
    """Rows and statements sent together (see the module's docstring)."""

    def __init__(self) -> None:
        self.pipelined = connection.vendor == "postgresql"
        self._steps: list[tuple[str, list[Any], models.Model | None]] = []

    def reserve(self, *objs: models.Model) -> None:
        """Give `objs` (not yet saved) their keys from their tables' sequences, in one query,
        so rows that refer to them can be built before anything is sent. On SQLite the keys
        come as each row is written."""
        if not self.pipelined or not objs:
            return
        q = connection.ops.quote_name
        sequences = []
        for obj in objs:
            meta = obj._meta
            sequences.append(f"nextval(pg_get_serial_sequence('{q(meta.db_table)}', "
                             f"'{meta.pk.column}'))")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(sequences)}")
            keys = cursor.fetchone()
        for obj, pk in zip(objs, keys, strict=True):
            obj.pk = pk

    def insert(self, *objs: models.Model) -> None:
        """Insert each of `objs` (state: added). On SQLite each is written at once and gets its
        key; on PostgreSQL, rows of one model with reserved keys that come together go in one
        statement, and a row without a reserved key gets its key when the trip is sent."""
        i = 0
        while i < len(objs):
            obj = objs[i]
            group = [obj]
            if self.pipelined and obj.pk is not None:
                while (i + len(group) < len(objs) and type(objs[i + len(group)]) is type(obj)
                       and objs[i + len(group)].pk is not None):
                    group.append(objs[i + len(group)])
            i += len(group)
            sql, fields = _insert_of(type(obj), with_pk=obj.pk is not None, rows=len(group))
            values = [v for row in group for v in _values(row, fields)]
            if self.pipelined:
                self._steps.append((sql, values, obj if obj.pk is None else None))
            else:
                with connection.cursor() as cursor:
                    cursor.execute(sql, values)
                    if obj.pk is None:
                        obj.pk = cursor.fetchone()[0]
            for row in group:
                row._state.adding = False
                row._state.db = connection.alias

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run `sql` with the trip (one statement, `%s` placeholders)."""
        if self.pipelined:
            self._steps.append((sql, list(params), None))
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    def send(self) -> None:
        """Send what was collected (PostgreSQL): one round trip; errors are raised as Django's
        database errors (IntegrityError for a unique key, ...)."""
        steps, self._steps = self._steps, []
        if not steps:
            return
        import psycopg

        connection.ensure_connection()
        prepare = settings.TINHSO_DB_PREPARE or None
        raw = connection.connection
        keyed: list[tuple[models.Model, psycopg.Cursor[Any]]] = []
        for sql, params, _obj in steps:
            _logged(sql, params)
        with connection.wrap_database_errors:
            with raw.pipeline(), psycopg.Cursor(raw) as cursor:
                for sql, params, obj in steps:
                    if obj is None:
                        cursor.execute(sql, params, prepare=prepare)
                    else:  # its own cursor, to read its key after the pipeline's sync
                        own = psycopg.Cursor(raw)
                        own.execute(sql, params, prepare=prepare)
                        keyed.append((obj, own))
            for obj, own in keyed:
                obj.pk = own.fetchall()[0][0]  # an INSERT ... RETURNING that did not fail
                own.close()

    def __enter__(self) -> Trip:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is None:
            self.send()


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of a read that runs on every request (`%s` placeholders): on PostgreSQL bound
    on the server and prepared once per connection, so it is neither quoted in Python nor
    parsed and planned again."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.ensure_connection()
    prepare = settings.TINHSO_DB_PREPARE or None
    _logged(sql, params)
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        return cursor.fetchall()


def _logged(sql: str, params: Sequence[Any]) -> None:
    """Statements sent past Django's cursor still show where Django lists them (tests that
    count queries, `connection.queries` with DEBUG)."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {list(params)!r}", "time": "0.000"})

