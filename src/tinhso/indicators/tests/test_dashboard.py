"""The dashboard pages: headline figures with their status in words, the drill-down, the
report download; public visitors see public indicators only; the number of queries does not
grow with the number of dossiers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.directory.models import Agency, Role
from tinhso.indicators import services
from tinhso.indicators.tests.province import AT, make_province

pytestmark = pytest.mark.django_db


def _month(agency, day, channel=1, **counts):
    from tinhso.onestop.models import DossierStatMonth

    return DossierStatMonth.objects.create(month=day, province_code="38", agency=agency,
                                           channel=channel, online_level="full", **counts)


@pytest.fixture
def big(db, media):
    p = make_province()
    _month(p.tax, dt.date(2022, 3, 1), received=600_000, resolved_early=500_000,
           resolved_on_time=100_000, resolved_late=10_000)
    _month(p.commune_committee, dt.date(2022, 11, 1), received=386_337,
           resolved_early=300_000, resolved_on_time=30_614, resolved_late=6_455)
    _month(p.tax, dt.date(2021, 5, 1), received=800_000)
    services.target_decision_create(
        actor=p.reviewer, agency=p.science, number="969/QĐ-UBND", date=dt.date(2022, 1, 10),
        title="Giao chỉ tiêu", at=AT, targets=[
            {"indicator": "onestop.on_time_rate", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 99.5},
            {"indicator": "onestop.received", "unit": "38", "year": 2022,
             "comparator": "gte", "value": 900_000}])
    return p


def test_the_dashboard_shows_each_pillar_against_target_and_last_period(client, big):
    html = client.get("/chi-so/?period=2022").content.decode()
    for pillar in ("Chính quyền số", "Kinh tế số", "Xã hội số", "Hạ tầng số"):
        assert pillar in html
    assert "986.337" in html and "Kỳ trước: 800.000 (tăng 186.337)" in html
    assert "98,26%" in html
    assert "Chỉ tiêu năm: ≥ 99,50%" in html and "Gần đạt chỉ tiêu" in html  # status in words
    assert "Chỉ tiêu năm: ≥ 900.000" in html and "Đạt chỉ tiêu" in html
    assert "<svg" in html and "<table" in html  # the trend, and its numbers in a table
    assert "UBND Xã Mới" in html  # ranked and lagging
    assert "/chi-so/bao-cao/?period=2022&amp;format=pdf" in html


def test_a_bad_period_is_an_error_naming_the_field(client, big):
    response = client.get("/chi-so/?period=2022-13")
    assert response.status_code == 400
    assert "Kỳ không hợp lệ" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_figure_drills_down_to_communes_and_agencies(client, big):
    html = client.get("/chi-so/onestop.on_time_rate/?period=2022").content.decode()
    assert "Theo xã, phường" in html and "Theo cơ quan" in html
    assert "UBND Xã Mới" in html and "98,08%" in html and "330.614 / 337.069" in html
    assert big.tax.name in html
    assert "/api/v1/dossiers" not in html  # no dossiers for the public
    assert "/xu-ly/danh-sach/" not in html


def test_an_anonymous_visitor_never_sees_the_dossier_link_on_any_figure(client, big):
    for path in ("/chi-so/?period=2022", "/chi-so/onestop.received/?period=2022",
                 "/chi-so/onestop.on_time_rate/?period=2022"):
        html = client.get(path).content.decode()
        assert "/xu-ly/danh-sach/" not in html and "/api/v1/dossiers" not in html, path


def test_an_officer_who_may_see_the_dossiers_gets_a_link_to_them(client, big):
    from tinhso.accounts.tests.factories import officer

    leader = officer(Role.LEADER, big.commune_committee)
    client.force_login(leader)
    html = client.get("/chi-so/onestop.on_time_rate/?period=2022").content.decode()
    assert (f"/xu-ly/danh-sach/?agency={big.commune_committee.code}&amp;from=2022-01-01&amp;"
            "to=2022-12-31&amp;figure=onestop.on_time_rate") in html  # a page, not the API
    assert "/api/v1/dossiers" not in html
    assert f"/xu-ly/danh-sach/?agency={big.tax.code}" not in html  # not their agency


def test_a_rate_s_two_numbers_link_to_the_dossiers_each_counts(client, big):
    from tinhso.accounts.tests.factories import officer

    client.force_login(officer(Role.LEADER, big.commune_committee))
    html = client.get("/chi-so/onestop.on_time_rate/?period=2022").content.decode()
    link = (f"/xu-ly/danh-sach/?agency={big.commune_committee.code}&amp;from=2022-01-01&amp;"
            "to=2022-12-31&amp;figure=onestop.on_time_rate")
    assert f'href="{link}&amp;part=numerator"' in html  # resolved in time
    assert f'href="{link}&amp;part=denominator"' in html  # resolved
    # Satisfaction's numerator is points, not dossiers: only its denominator links.
    html = client.get("/chi-so/onestop.satisfaction_rate/?period=2022").content.decode()
    assert "figure=onestop.satisfaction_rate&amp;part=denominator" in html
    assert "figure=onestop.satisfaction_rate&amp;part=numerator" not in html


def test_an_unknown_indicator_is_not_found(client, db):
    response = client.get("/chi-so/khong.co/")
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_the_report_downloads_for_the_period(client, big, fmt):
    response = client.get(f"/chi-so/bao-cao/?period=2022&format={fmt}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-chuyen-doi-so-2022.{fmt}"')
    if fmt == "docx":
        from docx import Document

        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        assert "đã tiếp nhận 986.337 hồ sơ; đã xử lý 947.069 hồ sơ" in text


@pytest.mark.parametrize(("query", "field"), [
    ("period=2022&format=odt", "format"), ("period=abc&format=pdf", "period"),
    ("format=pdf", "period")])
def test_a_bad_report_request_names_the_field(client, db, query, field):
    response = client.get(f"/chi-so/bao-cao/?{query}")
    assert response.status_code == 400
    assert f'<span class="code">{field}</span>' in response.content.decode()


def test_the_public_sees_only_public_indicators(client, big, monkeypatch):
    from dataclasses import replace

    from tinhso.indicators import registry

    hidden = replace(registry.get("entered.qr_merchants"), public=False)
    monkeypatch.setitem(registry._REGISTRY, hidden.code, hidden)
    assert "Số điểm chấp nhận thanh toán bằng mã QR" not in client.get(
        "/chi-so/?period=2022").content.decode()
    assert client.get("/chi-so/entered.qr_merchants/").status_code == 404
    client.force_login(big.observer)
    assert "Số điểm chấp nhận thanh toán bằng mã QR" in client.get(
        "/chi-so/?period=2022").content.decode()


def test_the_dashboard_costs_the_same_queries_however_many_dossiers(client, world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/chi-so/?period=2025-03").status_code == 200
            assert client.get("/chi-so/onestop.received/?period=2025-03").status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    from tinhso.onestop.tests.world import vn

    for hour in range(8, 14):
        world.submit_in_person(vn(2025, 3, 17, hour, 0))
    assert queries() == before
    AgencyFactory(name="UBND Xã Thêm", kind=Agency.Kind.COMMUNE)
    assert queries() == before  # nor with the number of units
