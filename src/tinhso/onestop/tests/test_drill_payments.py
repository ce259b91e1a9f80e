"""The online-payment rate counts fees paid (payments), not dossiers: its drill-down lists the
payments themselves, each with its dossier, as many as the figure says, and tells how many
dossiers they belong to."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.onestop.models import Dossier, Payment
from tinhso.onestop.rollups import rollups_rebuild
from tinhso.onestop.status import Channel, Status
from tinhso.onestop.tests.world import make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MARCH = "from=2025-03-01&to=2025-03-31"


def _dossier(w, i: int, *payments: tuple[bool, dt.datetime | None]) -> Dossier:
    at = vn(2025, 3, 2 + i % 20, 9)
    d = Dossier.objects.create(
        code=f"{w.dept.code}-250302-{i:05d}", province_code="38", procedure=w.version.procedure,
        version=w.version, channel=Channel.ONLINE, status=Status.PROCESSING,
        applicant_name=f"Người nộp {i}", applicant_id_number=f"038190{i:06d}", agency=w.dept,
        receiving_agency=w.centre, current_agency=w.dept, submitted_at=at, received_at=at,
        due_at=at + dt.timedelta(days=3))
    for k, (online, paid_at) in enumerate(payments):
        Payment.objects.create(
            dossier=d, amount=50_000 + k, stage="before_processing",
            state=Payment.State.PAID if paid_at else Payment.State.PENDING, online=online,
            reference=f"T{i}-{k}", created_at=at, paid_at=paid_at)
    return d


@pytest.fixture
def w():
    """Four dossiers of March 2025: one with two fees paid online in the month, one with a
    fee paid online and one at the desk, one paid at the desk, and one whose fee is still
    pending; and a fee paid online in April (outside the month)."""
    w = make_world()
    w.two_online = _dossier(w, 1, (True, vn(2025, 3, 3, 10)), (True, vn(2025, 3, 20, 10)))
    w.mixed = _dossier(w, 2, (True, vn(2025, 3, 4, 10)), (False, vn(2025, 3, 5, 10)))
    w.desk_only = _dossier(w, 3, (False, vn(2025, 3, 6, 10)))
    w.pending = _dossier(w, 4, (True, None))
    w.april = _dossier(w, 5, (True, vn(2025, 4, 1, 10)))
    rollups_rebuild(province_code="38")
    return w


def _page(client, w, part: str = "") -> tuple[str, int, list[str]]:
    url = f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}&figure=onestop.online_payment_rate"
    response = client.get(url + (f"&part={part}" if part else ""))
    assert response.status_code == 200
    html = response.content.decode()
    m = re.search(r'<caption class="muted">([\d.]+) khoản phí, lệ phí của ([\d.]+) hồ sơ', html)
    assert m, html
    codes = re.findall(r'<a class="code" href="/ho-so/([^/]+)/">', html)
    assert int(m.group(1)) == len(codes)  # one page here
    return html, int(m.group(2)), codes


def test_the_lists_hold_as_many_payments_as_the_figure_counts(client, w):
    from tinhso.indicators import registry
    from tinhso.indicators.periods import Period
    from tinhso.indicators.registry import Scope

    value = registry.get("onestop.online_payment_rate").compute(
        Scope(w.dept.province_code, w.dept.pk), Period.parse("2025-03"))
    assert (value.numerator, value.denominator) == (3, 5)  # payments, not dossiers
    client.force_login(w.leader)
    html, dossiers, codes = _page(client, w, "numerator")
    assert len(codes) == 3 and dossiers == 2
    assert codes.count(w.two_online.code) == 2  # one row per payment, each with its dossier
    assert "Trực tuyến" in html and "khoản phí, lệ phí thanh toán trực tuyến trong kỳ" in html
    assert "chỉ số đếm theo khoản" in html  # why there are more rows than dossiers
    html, dossiers, codes = _page(client, w, "denominator")
    assert (len(codes), dossiers) == (5, 3)
    assert w.pending.code not in codes and w.april.code not in codes
    html, dossiers, codes = _page(client, w, "rest")
    assert sorted(codes) == sorted([w.mixed.code, w.desk_only.code]) and dossiers == 2
    assert "Tại bộ phận một cửa" in html and "Trực tuyến<" not in html
    assert "50.001" in html  # the amount of the mixed dossier's second fee, paid at the desk


def test_a_payments_page_costs_the_queries_of_a_dossiers_page(client, w):
    client.force_login(w.specialist)
    base = f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}"

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    plain = queries(base + "&figure=onestop.received")
    few = queries(base + "&figure=onestop.online_payment_rate&part=numerator")
    for i in range(10, 70):
        _dossier(w, i, (True, vn(2025, 3, 28, 10)), (True, vn(2025, 3, 29, 10)))
    assert queries(base + "&figure=onestop.online_payment_rate&part=numerator") == few == plain
    html = client.get(base + "&figure=onestop.online_payment_rate&part=numerator&page=3"
                      ).content.decode()
    assert "123 khoản phí, lệ phí của 62 hồ sơ" in html and "Trang 3/3" in html


def test_an_officer_of_another_agency_sees_none_of_the_payments(client, w):
    client.force_login(w.partner_specialist)
    response = client.get(f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}"
                          "&figure=onestop.online_payment_rate&part=numerator")
    html = response.content.decode()
    assert w.two_online.code not in html and "Không có khoản phí, lệ phí nào." in html
