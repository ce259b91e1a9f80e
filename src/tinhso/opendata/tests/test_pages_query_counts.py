"""Each portal page costs the same number of queries whether few or many datasets match and
are shown, for the public and for an officer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.dictize import org_name
from tinhso.opendata.services import dataset_patch
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]


def _fill(agency, author, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        dataset(
            author,
            agency,
            f"so-lieu-{i}",
            title=f"Số liệu {i}",
            license_id="cc-by-4.0",
            tags=[{"name": f"thẻ {i % 7}"}, {"name": f"nhãn {i}"}],
            groups=[{"name": "kinh-te"}],
            private=i % 5 == 0,
            resources=[
                {"url": f"https://x.vn/{i}.csv", "format": "CSV"},
                {"url": f"https://x.vn/{i}.pdf", "format": "PDF"},
            ],
        )


def _count(client, path: str, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, path
    return len(ctx.captured_queries)


def _paths(agency, who: str) -> list[tuple[str, dict[str, str]]]:
    mine = [("/du-lieu/cong-bo/", {})] if who == "officer" else []
    return mine + [
        ("/du-lieu/", {}),
        ("/du-lieu/bo-du-lieu/", {}),
        ("/du-lieu/bo-du-lieu/", {"q": "so lieu", "groups": "kinh-te", "res_format": "CSV"}),
        ("/du-lieu/to-chuc/", {}),
        (f"/du-lieu/to-chuc/{org_name(agency)}/", {}),
        ("/du-lieu/bo-du-lieu/so-lieu-1/", {}),
        ("/du-lieu/bo-du-lieu/so-lieu-1/phien-ban/", {}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "officer"])
def test_page_queries_do_not_grow_with_the_datasets(client, who):
    agency = AgencyFactory()
    author = publisher(agency)
    theme("kinh-te", "Kinh tế")
    _fill(agency, author, 5)
    if who == "officer":
        client.force_login(publisher(agency))
    small = [_count(client, p, q) for p, q in _paths(agency, who)]
    _fill(agency, author, 40, start=5)
    for i in range(5):
        AgencyFactory()
        dataset_patch(actor=author, data={"id": "so-lieu-1", "notes": f"v{i}"})
    large = [_count(client, p, q) for p, q in _paths(agency, who)]
    assert small == large
    # search: count, page, resources, 4 relations, 5 facets (+ session, user, grants: officer)
    # with a q, SQLite ranks the matches in Python (`ranking`): one query more, for the scores
    at = 1 if who == "officer" else 0
    ranked = connection.vendor != "postgresql"
    assert small[at + 1] + ranked == small[at + 2] == (15 if who == "officer" else 12) + ranked
