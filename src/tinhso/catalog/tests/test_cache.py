"""The per-process catalog cache on the submission path: a repeat read costs no query, and a
change made here is seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.catalog import cache
from tinhso.catalog.selectors import current_version_cached
from tinhso.catalog.services import procedure_update
from tinhso.catalog.tests.factories import make_agency, make_procedure, record

pytestmark = pytest.mark.django_db


def test_a_repeated_read_of_the_current_version_costs_no_query() -> None:
    make_procedure(make_agency(), effective_from="2025-01-01")
    first = current_version_cached("1.001193")
    with CaptureQueriesContext(connection) as queries:
        again = current_version_cached("1.001193")
        names = [d.name for d in again.documents.all()]
    assert again.pk == first.pk and names
    assert len(queries) == 0


def test_a_new_version_is_seen_at_once_by_the_process_that_made_it() -> None:
    agency = make_agency()
    make_procedure(agency, effective_from="2025-01-01")
    assert current_version_cached("1.001193").number == 1
    procedure_update(actor=None, code="1.001193",
                     data=record(agency, deadline_value=7, effective_from="2025-07-01"))
    current = current_version_cached("1.001193")
    assert (current.number, current.deadline_value) == (2, 7)


def test_entries_expire_after_the_ttl(monkeypatch) -> None:
    calls = []
    clock = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock[0])
    assert cache.catalog_cached("k", lambda: calls.append(1) or len(calls)) == 1
    clock[0] += cache.TTL_SECONDS - 1
    assert cache.catalog_cached("k", lambda: calls.append(1) or len(calls)) == 1
    clock[0] += 2
    assert cache.catalog_cached("k", lambda: calls.append(1) or len(calls)) == 2
