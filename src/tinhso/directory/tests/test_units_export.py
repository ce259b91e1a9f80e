"""The public table of a province's administrative units: every era, with parents and the
units that took each one's territory; a constant number of queries; a bad province named."""

from __future__ import annotations

import csv
import io

import pytest

from tinhso.directory.models import AdminUnit, UnitSuccession

URL = "/api/v1/units/export"


def test_the_units_of_every_era_with_their_successors(client, thanh_hoa,
                                                      django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        r = client.get(URL)
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == AdminUnit.objects.filter(province_code="38").count()
    by_code = {}
    for row in rows:
        by_code.setdefault(row["ma"], []).append(row)
    assert by_code["38"][0]["cap"] == "1"
    succession = UnitSuccession.objects.filter(predecessor__province_code="38",
                                               predecessor__level=3).select_related(
        "predecessor", "successor").first()
    old = next(r for r in by_code[succession.predecessor.code]
               if r["hieu_luc_den"] == (succession.predecessor.valid_to.isoformat()
                                        if succession.predecessor.valid_to else ""))
    assert succession.successor.code in old["ma_don_vi_ke_thua"].split()
    data = client.get(URL, {"format": "json", "province": "38"}).json()
    assert len(data["records"]) == len(rows)


@pytest.mark.parametrize("query", [{"province": "99"}, {"format": "pdf"}])
def test_a_bad_request_names_the_field(client, thanh_hoa, query):
    r = client.get(URL, query)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} <= {"province", "format"}
