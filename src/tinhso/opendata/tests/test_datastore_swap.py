"""Reloading while others read: readers in another thread, each going the way a request goes
(the table's row from the database, then its DuckDB file), only ever see a whole table, the
old one or the new one, never a mix or a part, while the resource's file is replaced again
and again."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata import services
from tinhso.opendata.datastore.search import Table, search_table
from tinhso.opendata.models import DatastoreTable
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = {"a": 3_000, "b": 5_000}


def content(letter: str) -> bytes:
    return ("n,chu\n" + "".join(f"{i},{letter}\n" for i in range(TABLES[letter]))).encode()


def test_readers_see_a_whole_table_while_it_is_reloaded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TINHSO_DATASTORE_DIR = tmp_path / "datastore"
    agency = AgencyFactory()
    author = publisher(agency)
    ds = dataset(author, agency, "doi-bang")
    res = services.resource_add(
        actor=author,
        data={"package_id": str(ds.pk), "upload": SimpleUploadedFile("a.csv", content("a"))},
    )
    seen: list[tuple[int, frozenset[str]]] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    # SQLite's shared in-memory test database locks whole tables across threads (and does not
    # wait), so the database reads and writes take turns; the DuckDB reads below do not.
    database = threading.Lock()

    def read() -> None:
        try:
            while not stop.is_set():
                with database:
                    row = DatastoreTable.objects.select_related("resource").get(resource=res)
                page = search_table(
                    Table(row.resource, row),
                    {"resource_id": str(res.pk), "limit": 32_000, "fields": ["chu"]},
                )
                letters = frozenset(r["chu"] for r in page["records"])
                seen.append((page["total"], letters))
                assert len(page["records"]) == page["total"]
                time.sleep(0.002)  # let the writer have its turn at the lock
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    readers = [threading.Thread(target=read) for _i in range(2)]
    for t in readers:
        t.start()
    for letter in "babab":
        with database:
            services.resource_change(
                actor=author,
                patch=True,
                data={
                    "id": str(res.pk),
                    "upload": SimpleUploadedFile(f"{letter}.csv", content(letter)),
                },
            )
    stop.set()
    for t in readers:
        t.join(30)
        assert not t.is_alive()
    assert not failures, failures
    assert seen and set(seen) <= {(3_000, frozenset("a")), (5_000, frozenset("b"))}
    assert DatastoreTable.objects.get(resource=res).row_count == 5_000
