"""The public monthly table the open data portal links to: per month and agency, the same
figures `dossier_stats` gives, counts only, CSV or JSON; bad years are refused by name."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from tinhso.onestop.models import Dossier
from tinhso.onestop.stats import dossier_stats
from tinhso.onestop.tests.test_rollups_and_stats import mixed_month
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
URL = "/api/v1/stats/dossiers/monthly"


def test_the_monthly_table_has_the_figures_of_the_month_without_login(client):
    w = make_world()
    mixed_month(w)
    r = client.get(URL, {"year": 2025})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel shows the tone marks
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    agency = Dossier.objects.first().agency  # the agency that resolves the procedure
    assert [(row["thang"], row["ma_co_quan"]) for row in rows] == [("2025-03", agency.code)]
    row = rows[0]
    stats = dossier_stats(user=w.leader, date_from=dt.date(2025, 3, 1),
                          date_to=dt.date(2025, 3, 31), now=vn(2025, 3, 31, 17, 0))
    assert row["ten_co_quan"] == agency.name
    assert int(row["tiep_nhan"]) == stats["received"] == 6
    assert (int(row["truoc_han"]), int(row["dung_han"]), int(row["qua_han"])) == (1, 1, 1)
    assert int(row["da_giai_quyet"]) == stats["resolved"]
    assert (int(row["rut_ho_so"]), int(row["dung_xu_ly"]), int(row["tu_choi"])) == (2, 1, 1)
    assert float(row["ty_le_dung_han"]) == stats["on_time_rate"] == 66.67
    assert w.citizen.username not in text  # counts only: no applicant

    data = client.get(URL, {"year": 2025, "format": "json"}).json()
    assert data["fields"][0] == "thang"
    assert data["records"][0]["tiep_nhan"] == 6
    assert client.get(URL, {"year": 2024}).content.decode().count("\n") == 1  # header only


@pytest.mark.parametrize("query", [{"year": "abc"}, {"year": 1900}, {"year": 2101},
                                   {"year": 2025, "format": "xml"}])
def test_bad_parameters_are_refused_naming_the_field(client, query):
    r = client.get(URL, query)
    assert r.status_code == 422
    body = r.json()
    named = str(body)
    assert "year" in named or "format" in named


def test_without_a_year_the_table_is_this_years(client):
    r = client.get(URL, {"format": "json"})
    assert r.status_code == 200
    assert r.json()["records"] == []
    assert f"ho-so-theo-thang-{timezone.localdate().year}.json" in r["Content-Disposition"]
