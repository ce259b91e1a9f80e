"""A page of package_search costs the same number of queries whether 5 or 50 datasets match
and are shown, facets included."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.tests.world import dataset, publisher, theme, token

pytestmark = pytest.mark.django_db

PARAMS = {"q": "so lieu", "rows": "100",
          "facet.field": '["organization", "groups", "tags", "res_format", "license_id"]'}


def _fill(n: int, start: int = 0) -> None:
    agency = AgencyFactory()
    author = publisher(agency)
    if not start:
        theme("kinh-te", "Kinh tế")
    for i in range(start, start + n):
        dataset(author, agency, f"so-lieu-{i}", title=f"Số liệu {i}", license_id="cc-by-4.0",
                tags=[{"name": f"thẻ {i % 7}"}], groups=[{"name": "kinh-te"}],
                resources=[{"url": f"https://x.vn/{i}.csv"}, {"url": f"https://x.vn/{i}.pdf"}])


def _queries(client, **headers) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/api/3/action/package_search", PARAMS, **headers)
    assert r.status_code == 200
    return len(ctx.captured_queries), r.json()["result"]["count"]


def test_package_search_queries_do_not_grow_with_the_results(client):
    _fill(5)
    key = token(publisher(AgencyFactory()))
    small, n = _queries(client)
    _queries(client, HTTP_AUTHORIZATION=key)  # the token's first use records the time
    small_auth, _ = _queries(client, HTTP_AUTHORIZATION=key)
    assert n == 5
    _fill(45, start=5)
    large, n = _queries(client)
    large_auth, _ = _queries(client, HTTP_AUTHORIZATION=key)
    assert n == 50
    # count, page, 5 relations, 5 facets; SQLite ranks the matches in Python (`ranking`): one
    # query more, for their scores
    assert small == large == 12 + (connection.vendor != "postgresql")
    assert small_auth == large_auth
