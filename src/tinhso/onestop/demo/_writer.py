"""Writing generated rows fast: executemany on SQLite, COPY on PostgreSQL, in background
writer threads."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models

from tinhso.onestop.demo._constants import (
    SWITCH_INTERVAL,
    WRITERS,
)

# --------------------------------------------------------------------------------------------
# Writing rows fast
# --------------------------------------------------------------------------------------------


class _Table:
    """INSERT of the given columns, every other column at its default, via executemany on
    SQLite and COPY on PostgreSQL."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        meta = model._meta
        self.table = meta.db_table
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
        self.tail = tuple(_plain(v) for v in tail)
        self.columns: list[str] = list(columns) + [f.column or "" for f in rest]
        # PostgreSQL: binary COPY with the columns' types (no text parsing on the server).
        fields = [by_column[c] for c in self.columns]
        self.pg_types = [re.sub(r"\(.*\)", "", f.db_type(connection) or "").strip()
                         for f in fields] if connection.vendor == "postgresql" else []

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
    """Primary keys for new dossiers, handed out before the rows are written (events point to
    them). PostgreSQL: taken from the table's sequence, safe beside other writers. SQLite: one
    writer at a time; the next free id once, then counted here (a writer slipping in meanwhile
    makes our insert fail on the primary key, never a silent mix-up)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.next: int | None = None

    def take(self, n: int) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                               "FROM generate_series(1, %s)", [self.table, n])
                return [r[0] for r in cursor.fetchall()]
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
    """On SQLite, a page cache big enough for the indexes of a year of dossiers while loading
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
