"""Several rows written in one round trip, for the hottest write paths (an online submission
inserts a dossier, its event, an audit event, three rollup counters, an outbox message and its
files).

Through the ORM each of those rows is compiled to SQL, bound on the client and sent on its own:
measured on a submission, that was about a third of its CPU (docs/benchmarks.md). A `Trip`
instead builds each model's INSERT once per process and, on PostgreSQL, takes the rows' keys from
their sequences up front (`reserve`), then sends every row as one statement (a data-modifying
`WITH` query each), bound on the server and prepared once per connection (PostgreSQL then skips
parsing and planning it). On SQLite, which has no sequences, each row is written when it is
added and gets its key back, so callers are written once for both.

The statements of one trip must not touch the same rows: on PostgreSQL they run as one
statement and do not see each other's changes. Only plain INSERTs of model instances (every
concrete field, defaults and `auto_now` applied as the ORM would) and statements the caller
writes; no signals are sent (our models have none), and
the caller owns the transaction: use it inside `transaction.atomic()`.

Prepared statements are per connection; behind a transaction-mode connection pooler (PgBouncer)
they must be off: `TINHSO_DB_PREPARE=false` in the environment.
"""

from __future__ import annotations

import datetime as dt
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


def _values(obj: models.Model, fields: tuple[Any, ...]) -> list[Any]:
    # A foreign key set from an object that had no key yet (SQLite writes as it goes): take
    # the key the object has now, as Model.save() does.
    f: Any
    for f in obj._meta.concrete_fields:
        if f.is_relation and getattr(obj, f.attname) is None and f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is not None:
                setattr(obj, f.attname, related.pk)
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: each field asks it for its operations
    out = []
    for f, plain in _plan(db.vendor, fields):
        value = getattr(obj, f.attname)
        if value is None or type(value) not in plain \
                or (type(value) is dt.datetime and value.tzinfo is None):  # made aware there
            value = f.get_db_prep_save(f.pre_save(obj, True), db)
        out.append(value)
    return out


_PLANS: dict[tuple[str, tuple[Any, ...]], list[tuple[Any, tuple[type, ...]]]] = {}


def _plan(vendor: str, fields: tuple[Any, ...]) -> list[tuple[Any, tuple[type, ...]]]:
    """For each field, the value types PostgreSQL takes as they are (what Django's
    `get_db_prep_save` would return unchanged: a str for a text column, an int for an integer
    or a key, a bool, an aware datetime, a date); any other value, a None, a JSON field or a
    field filled on save (`auto_now`) goes through `get_db_prep_save`. Measured: the full path
    was 12% of a submission's CPU."""
    plan = _PLANS.get((vendor, fields))
    if plan is None:
        plan = []
        for f in fields:
            plain: tuple[type, ...] = ()
            if vendor == "postgresql" and not getattr(f, "auto_now", False) \
                    and not getattr(f, "auto_now_add", False):
                target = f.target_field if f.is_relation else f
                if isinstance(target, models.JSONField):
                    plain = ()
                elif isinstance(target, models.CharField | models.TextField):
                    plain = (str,)
                elif isinstance(target, models.BooleanField):
                    plain = (bool,)
                elif isinstance(target, models.IntegerField | models.AutoField
                                | models.BigAutoField | models.SmallAutoField):
                    plain = (int,)
                elif isinstance(target, models.DateTimeField):
                    plain = (dt.datetime,)
                elif isinstance(target, models.DateField):
                    plain = (dt.date,)
            plan.append((f, plain))
        _PLANS[(vendor, fields)] = plan
    return plan


class Trip:
    """Rows and statements sent together (see the module's docstring)."""

    def __init__(self) -> None:
        self.together = connection.vendor == "postgresql"
        self._steps: list[tuple[str, list[Any], models.Model | None]] = []

    def reserve(self, *objs: models.Model) -> None:
        """Give `objs` (not yet saved) their keys from their tables' sequences, in one query,
        so rows that refer to them can be built before anything is sent. On SQLite the keys
        come as each row is written."""
        if not self.together or not objs:
            return
        q = connection.ops.quote_name
        sequences = []
        for obj in objs:
            meta = obj._meta
            sequences.append(f"nextval(pg_get_serial_sequence('{q(meta.db_table)}', "
                             f"'{meta.pk.column}'))")
        keys = fetch(f"SELECT {', '.join(sequences)}")[0]
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
            if self.together and obj.pk is not None:
                while (i + len(group) < len(objs) and type(objs[i + len(group)]) is type(obj)
                       and objs[i + len(group)].pk is not None):
                    group.append(objs[i + len(group)])
            i += len(group)
            sql, fields = _insert_of(type(obj), with_pk=obj.pk is not None, rows=len(group))
            values = [v for row in group for v in _values(row, fields)]
            if self.together:
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
        if self.together:
            self._steps.append((sql, list(params), None))
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

    def send(self) -> None:
        """Send what was collected (PostgreSQL) as one statement: each row or statement a
        data-modifying `WITH` query of it, so the server gets one message, binds the values
        and, prepared, neither parses nor plans it again. They see the same snapshot, which
        rows inserted together need not (foreign keys are checked at commit). Errors are
        raised as Django's database errors (IntegrityError for a unique key, ...)."""
        steps, self._steps = self._steps, []
        if not steps:
            return
        for sql, params, _obj in steps:
            _logged(sql, params)
        shape = tuple((sql, obj is not None) for sql, _params, obj in steps)
        params = [v for _sql, values, _obj in steps for v in values]
        row = _run(_together(shape), params)[0]
        keyed = [obj for _sql, _params, obj in steps if obj is not None]
        for obj, pk in zip(keyed, row, strict=False):
            obj.pk = pk

    def __enter__(self) -> Trip:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is None:
            self.send()


_TOGETHER: dict[tuple[tuple[str, bool], ...], str] = {}
_NATIVE: dict[str, str] = {}


def _together(shape: tuple[tuple[str, bool], ...]) -> str:
    """One statement of the steps (their SQL, whether each returns a key), with PostgreSQL's
    own `$n` placeholders; cached by shape (a submission has a handful)."""
    sql = _TOGETHER.get(shape)
    if sql is None:
        # Our own statements and names; the values are bound by the server.
        parts = ", ".join(f"s{i} AS ({step})" for i, (step, _keyed) in enumerate(shape))
        keys = ", ".join(f"(SELECT * FROM s{i})"  # noqa: S608
                         for i, (_s, keyed) in enumerate(shape) if keyed)
        sql = _TOGETHER[shape] = _native(f"WITH {parts} SELECT {keys or '1'}")  # noqa: S608
    return sql


def _native(sql: str) -> str:
    """`sql` with `$1`, `$2`, ... for its `%s` placeholders, as psycopg's RawCursor takes
    them: a long statement is then not re-parsed for placeholders on every call (psycopg
    caches that only for statements under 4 kB and 50 parameters)."""
    native = _NATIVE.get(sql)
    if native is None:
        pieces = sql.split("%s")
        if any("%" in piece for piece in pieces):
            raise ValueError("only %s placeholders are expected")
        native = pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], 1))
        _NATIVE[sql] = native
    return native


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of a read that runs on every request (`%s` placeholders): on PostgreSQL bound
    on the server and prepared once per connection, so it is neither quoted in Python nor
    parsed and planned again."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    _logged(sql, params)
    return _run(_native(sql), params)


def _run(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """PostgreSQL: `sql` (with `$n` placeholders) bound on the server, prepared once per
    connection."""
    import psycopg

    connection.ensure_connection()
    prepare = settings.TINHSO_DB_PREPARE or None
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=prepare)
        return cursor.fetchall()


def _logged(sql: str, params: Sequence[Any]) -> None:
    """Statements sent past Django's cursor still show where Django lists them (tests that
    count queries, `connection.queries` with DEBUG)."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": f"{sql} -- {list(params)!r}", "time": "0.000"})

