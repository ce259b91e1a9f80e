"""Writing generated rows fast (demo loads): executemany on SQLite, binary COPY on PostgreSQL,
in background writer threads; keys taken ahead from the table's sequence. Moved here from
`onestop.demo._writer` so the documents demo shares it."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, connection, models

SWITCH_INTERVAL = 0.0005  # seconds; see _Background
WRITERS = 2  # PostgreSQL connections writing chunks side by side

# --------------------------------------------------------------------------------------------
# Writing rows fast
# --------------------------------------------------------------------------------------------


class _Table:
    """INSERT of the given columns, every other column at its default, via executemany on
    SQLite and COPY on PostgreSQL."""

    def __init__(self, model: type[models.Model], columns: Sequence[str], *,
                 raw: bool = False, table: str | None = None) -> None:
        meta = model._meta
        self.table = table or meta.db_table  # another table of the model's columns
        by_column = {f.column: f for f in meta.concrete_fields}
        unknown = set(columns) - set(by_column)
        if unknown:
            raise RuntimeError(f"{self.table}: no columns {sorted(unknown)}")
        rest = [f for f in meta.concrete_fields if f.column not in columns
                and not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))]
        tail = []
        for f in rest:
            value = f.get_db_prep_save(f.get_default(), connection)  # "" for text, else None
            if value is None and not f.null:
                raise RuntimeError(f"{self.table}.{f.column}: no value and no default")
            tail.append(value)
        self.columns: list[str] = list(columns) + [f.column or "" for f in rest]
        # PostgreSQL: binary COPY with the columns' types (no text parsing on the server).
        fields = [by_column[c] for c in self.columns]
        self.pg_types = [re.sub(r"\(.*\)", "", f.db_type(connection) or "").strip()
                         for f in fields] if connection.vendor == "postgresql" else []
        self.raw = raw and connection.vendor == "postgresql"
        if self.raw:
            # The rows carry what the server's binary input reads: a timestamptz is int8
            # microseconds since 2000-01-01 UTC (`Clock.pg`), a jsonb the version byte 1 and
            # the JSON text (`json`). psycopg then converts no datetime and calls no
            # json.dumps per row (measured: 2.3 -> 0.5 us a row).
            self.pg_types = [_RAW.get(t, t) for t in self.pg_types]
        self.tail = tuple(self.json(v) if isinstance(v, dict | list) else v
                          for v in map(_plain, tail))
        self.references = [
            (i, f.related_model._meta.db_table, f.target_field.column or "")  # type: ignore[union-attr]
            for i, c in enumerate(columns)
            if isinstance(f := by_column[c], models.ForeignKey)
        ]

    def json(self, value: Any) -> Any:
        """A JSON value as this table's rows carry it."""
        if self.raw:
            return b"\x01" + json.dumps(value).encode()
        return value if connection.vendor == "postgresql" else json.dumps(value)

    def write(self, rows: Iterable[tuple[Any, ...]]) -> None:
        qn = connection.ops.quote_name
        cols = ", ".join(qn(c) for c in self.columns)
        tail = self.tail
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {qn(self.table)} ({cols}) FROM STDIN (FORMAT BINARY)"
                              ) as copy:
                    copy.set_types(self.pg_types)
                    for row in rows:
                        copy.write_row(row + tail)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f"INSERT INTO {qn(self.table)} ({cols}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, [row + tail for row in rows])  # names from the model

    def check_references(self, rows: Sequence[tuple[Any, ...]], *,
                         written: dict[str, set[Any]]) -> None:
        """What the foreign-key triggers would have done, in one query per column: every
        referenced row exists, and is locked (FOR KEY SHARE) until the commit so it cannot be
        deleted meanwhile. References to rows this transaction wrote (`written`: table -> keys)
        are checked against them."""
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for i, table, column in self.references:
                values = set(map(itemgetter(i), rows))
                values.discard(None)
                values -= written.get(table, set())
                if not values:
                    continue
                cursor.execute(
                    f"SELECT {qn(column)} FROM {qn(table)} "  # noqa: S608 - names from the model
                    f"WHERE {qn(column)} = ANY(%s) FOR KEY SHARE", [sorted(values)])
                missing = values - {row[0] for row in cursor.fetchall()}
                if missing:
                    raise IntegrityError(f"{self.table}: {table}.{column} has no "
                                         f"{sorted(missing)[:5]}")


def _triggers_skippable(tables: Sequence[str]) -> bool:
    """Whether chunks may skip the per-row foreign-key triggers (`session_replication_role =
    replica`, then `_Table.check_references`): the role may set it (superuser) and the tables
    have no triggers of their own, which it would skip too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
                       "AND tgrelid = ANY(%s::regclass[])", [list(tables)])
        return cursor.fetchone()[0] == 0


_RAW = {"timestamp with time zone": "int8", "jsonb": "bytea"}


def _plain(value: Any) -> Any:
    """A prepared default as a value COPY (JSON as the object) and executemany (JSON as its
    text) take."""
    inner = getattr(value, "obj", None)  # psycopg's Jsonb wrapper
    if inner is not None and type(value).__name__ in ("Jsonb", "Json"):
        return inner
    if isinstance(value, dict | list) and connection.vendor != "postgresql":
        return json.dumps(value)
    return value


class _Ids:
    """Primary keys for new rows, handed out before the rows are written (events point to
    them). PostgreSQL: taken from the table's sequence, safe beside other writers. SQLite: one
    writer at a time; the next free id once, then counted here (a writer slipping in meanwhile
    makes our insert fail on the primary key, never a silent mix-up)."""

    BLOCK = 20_000  # keys taken from the sequence at a time (the last block's rest is a gap)

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.next: int | None = None
        self.pool: list[int] = []

    def take(self, n: int) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                if len(self.pool) < n:
                    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                                   "FROM generate_series(1, %s)",
                                   [self.table, max(n - len(self.pool), self.BLOCK)])
                    self.pool.extend(r[0] for r in cursor.fetchall())
                taken, self.pool = self.pool[:n], self.pool[n:]
                return taken
            if self.next is None:
                quoted = connection.ops.quote_name(self.table)
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
                first = cursor.fetchone()[0] + 1
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self.next = max(first, row[0] + 1 if row else 1)
        first = self.next
        self.next = first + n
        return list(range(first, first + n))


class _Background:
    """Writes prepared chunks on other connections, in threads, so the database works on
    chunks while Python makes the next ones (both drivers release the GIL while the server or
    SQLite works). PostgreSQL gets WRITERS connections side by side, SQLite one (it has a
    single writer). Used only outside any transaction and not on an in-memory SQLite
    database; else chunks are written in line."""

    def __init__(self, store: Callable[[Any], None]) -> None:
        self.store = store
        n = WRITERS if connection.vendor == "postgresql" else 1
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=n)
        self.error: BaseException | None = None
        self.threads = [threading.Thread(target=self._run, name=f"demo-writer-{i}", daemon=True)
                        for i in range(n)]
        # A writer needs the GIL briefly between rows; hand it over often (restored at close).
        self.switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        for thread in self.threads:
            thread.start()

    @staticmethod
    def possible() -> bool:
        return not connection.in_atomic_block and not (
            connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]

    def _run(self) -> None:
        try:
            with _big_cache():
                while (item := self.queue.get()) is not None:
                    self.store(item)
        except BaseException as exc:  # handed to the main thread  # noqa: BLE001
            self.error = exc
            while self.queue.get() is not None:  # let the producer finish
                pass
        finally:
            connection.close()

    def put(self, item: Any) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(item)

    def close(self) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        sys.setswitchinterval(self.switch)
        if self.error is not None:
            raise self.error


@contextlib.contextmanager
def _big_cache() -> Iterator[None]:
    """On SQLite, a page cache big enough for the indexes of a year of demo rows while loading
    (the default 2 MB makes every index insert a disk read once the tables grow)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
