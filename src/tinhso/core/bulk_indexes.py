"""Secondary indexes set aside while a load fills nearly empty tables.

Keeping a B-tree up to date row by row costs several times what building it once from the
finished table costs (a sort). A year of demo dossiers written into an empty installation
spent most of the database's time on index upkeep (docs/benchmarks.md, "Demo dossiers"), so a
load into tables that hold fewer rows than it is about to write drops their secondary
indexes first and builds them again at the end. Only plain indexes the models declare are set
aside: primary keys and unique indexes stay (they are what keeps codes and counters unique
while the load runs), and so does anything the models do not know about, unless the caller
names it in `extra` (name -> (table, CREATE statement), e.g. a trigram index a migration made).

The indexes come back in a `finally` block (or on a connection of their own while the
loader rebuilds the rollup summaries, which only read the loaded tables), and `indexes_restore` (run at the start of every
load) builds any declared index that is missing, so a process killed in the middle leaves an
installation that the next `tinhso demo` repairs. Django's schema editor writes the statements,
from the same model declarations the migrations come from.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, models, transaction


def _unquote(name: str) -> str:
    return name.strip('"`')


def declared(model: type[models.Model]) -> dict[str, str]:
    """The model's non-unique indexes as the migrations make them: name -> CREATE statement."""
    editor = connection.SchemaEditorClass(connection)  # only writes SQL; nothing is run
    out = {}
    for statement in editor._model_indexes_sql(model):  # type: ignore[attr-defined]
        out[_unquote(str(statement.parts["name"]))] = str(statement)
    return out


def _existing(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


Extra = dict[str, tuple[str, str]]  # index name -> (table, CREATE INDEX statement)


def indexes_restore(tables: Sequence[type[models.Model]], extra: Extra | None = None,
                    ) -> list[str]:
    """Build every declared index of `tables` (and of `extra`) that the database lacks;
    returns their names."""
    built = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A sort in memory instead of on disk: the builds take seconds, not minutes.
            cursor.execute("SET maintenance_work_mem = '512MB'")
        for model in tables:
            present = _existing(model._meta.db_table)
            for name, sql in declared(model).items():
                if name not in present:
                    cursor.execute(sql)
                    built.append(name)
        for name, (table, sql) in (extra or {}).items():
            if name not in _existing(table):
                cursor.execute(sql)
                built.append(name)
        if connection.vendor == "postgresql":
            cursor.execute("RESET maintenance_work_mem")
    return built


def _rows_at_least(model: type[models.Model], n: int) -> bool:
    return model._base_manager.all()[n - 1:n].exists() if n > 0 else True


class Deferred:
    """What `indexes_deferred` set aside; `restore_soon()` starts building them on another
    connection while the caller goes on with work that only reads those tables."""

    def __init__(self, tables: Sequence[type[models.Model]], extra: Extra | None = None) -> None:
        self.tables = tables
        self.extra = extra or {}
        self.dropped: list[str] = []
        self.thread: threading.Thread | None = None
        self.error: BaseException | None = None
        self.then: Callable[[], Any] | None = None

    def restore_soon(self, then: Callable[[], Any] | None = None) -> None:
        """Build the indexes on another connection, then run `then` there too (in line at
        the end where there is no such thread)."""
        self.then = then
        # SQLite has one writer: there the indexes are built at the end, in line.
        if not self.dropped or self.thread is not None or connection.vendor != "postgresql":
            return

        def build() -> None:
            try:
                indexes_restore(self.tables, self.extra)
                if then is not None:
                    then()
            except BaseException as exc:  # raised again by finish()  # noqa: BLE001
                self.error = exc
            finally:
                connection.close()  # this thread's own connection

        self.thread = threading.Thread(target=build, name="demo-indexes", daemon=True)
        self.thread.start()

    def finish(self, *, completed: bool) -> None:
        if self.thread is not None:
            self.thread.join()
        indexes_restore(self.tables, self.extra)  # whatever the thread did not get to (or no thread)
        if self.error is not None:
            raise self.error
        if completed and self.thread is None and self.then is not None:
            self.then()


@contextlib.contextmanager
def indexes_deferred(tables: Sequence[type[models.Model]], *, rows: int,
                     extra: Extra | None = None) -> Iterator[Deferred]:
    """Drop the declared plain indexes of `tables` for the block when the first of them (the
    one the load is measured by) holds fewer than `rows` rows, and build them again after it,
    whatever happens inside (or from `Deferred.restore_soon()` on, beside the block's last
    steps). `Deferred.dropped` names the indexes set aside (empty when nothing was)."""
    indexes_restore(tables, extra)  # an earlier load killed half way
    deferred = Deferred(tables, extra)
    completed = False
    if connection.in_atomic_block or _rows_at_least(tables[0], rows):
        yield deferred
        deferred.finish(completed=True)
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for model in tables:
                present = _existing(model._meta.db_table)
                for name in declared(model):
                    info = present.get(name)
                    if info and info.get("index") and not info.get("unique"):
                        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                        deferred.dropped.append(name)
            for name, (table, _sql) in deferred.extra.items():
                if name in _existing(table):
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    deferred.dropped.append(name)
        yield deferred
        completed = True
    finally:
        deferred.finish(completed=completed)
