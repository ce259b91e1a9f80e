"""Where datastore tables live: one DuckDB file per resource and load, under
`<TINHSO_DATASTORE_DIR>` (default `<VAR_DIR>/datastore/`), as `<resource id>/<load id>.duckdb`.

Why a file per load rather than one database per installation: DuckDB lets one process write a
database file, and no other process read it meanwhile; the web processes read while the task
worker writes. A load writes a fresh file nobody else knows of, closes it, and the swap is the
update of `DatastoreTable.table_file` in the main database. Readers open published files
read-only; a published file is never written again, so any number of processes read it at once.
An old file is deleted after the swap; a reader that still has it open keeps reading it (POSIX),
one that has not opened it yet finds the new one (see `open_table`)."""

from __future__ import annotations

import logging
import shutil
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import duckdb
from django.conf import settings

logger = logging.getLogger(__name__)

CACHE_SIZE = 16
# Each open table is a DuckDB instance of its own: keep its threads and memory modest, and
# let it read nothing but its own file.
READ_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "threads": 2,
    "memory_limit": "256MB",
    "preserve_insertion_order": True,  # `search._page` relies on it
    "enable_external_access": False,
}

_lock = threading.Lock()
_connections: OrderedDict[str, duckdb.DuckDBPyConnection] = OrderedDict()


def root() -> Path:
    base = getattr(settings, "TINHSO_DATASTORE_DIR", None) or Path(settings.VAR_DIR) / "datastore"
    return Path(base)


def resource_dir(resource_id: Any) -> Path:
    return root() / str(resource_id)


def table_path(table_file: str) -> Path:
    """The file of a published table (`table_file` is relative to the root)."""
    path = (root() / table_file).resolve()
    if root().resolve() not in path.parents:
        raise ValueError("datastore table outside its directory")
    return path


def cursor(table_file: str) -> duckdb.DuckDBPyConnection:
    """A cursor of its own on a published table, for one request. Connections are kept per
    process (a few ms to open), and each caller gets its own cursor, as DuckDB asks of
    threads. Raises duckdb.IOException when the file is gone (replaced meanwhile)."""
    key = str(table_path(table_file))
    with _lock:
        con = _connections.get(key)
        if con is None:
            con = duckdb.connect(key, read_only=True, config=READ_CONFIG)
            _connections[key] = con
            while len(_connections) > CACHE_SIZE:
                _connections.popitem(last=False)  # closed when its last cursor is
        else:
            _connections.move_to_end(key)
        return con.cursor()


def forget(table_file: str) -> None:
    """Stop handing out cursors of a table that is being removed."""
    if not table_file:
        return
    with _lock:
        _connections.pop(str(table_path(table_file)), None)
    # Not closed: a request in another thread may be reading through a cursor of it, which
    # closing would cut; the file closes when its last cursor is gone.


def remove(table_file: str) -> None:
    """Delete a table that is no longer served."""
    if not table_file:
        return
    forget(table_file)
    path = table_path(table_file)
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError:  # pragma: no cover - a later load or the operator tidies up
            logger.warning("could not remove datastore file %s", p)


def remove_resource(resource_id: Any) -> None:
    shutil.rmtree(resource_dir(resource_id), ignore_errors=True)
