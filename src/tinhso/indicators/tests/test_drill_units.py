"""From a unit's row of the dashboard's drill-down to the dossiers behind its figure, for any
period: a former district, a commune merged away on 1 July 2025 (for a period before it), and a
current commune whose figure includes its predecessors' dossiers. The list's count is the row's
figure (for an officer who may see them all); officers of one agency reach only their own
agency's dossiers; the list costs the same queries however many communes were merged."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.tests.factories import AgencyFactory, officer
from tinhso.catalog.tests.factories import make_procedure
from tinhso.directory.models import REFORM_DATE, AdminUnit, Agency, Role, UnitSuccession
from tinhso.indicators.tests.province import Province, make_province
from tinhso.onestop.models import Dossier, Payment
from tinhso.onestop.rollups import rollups_rebuild
from tinhso.onestop.status import Channel, Status, Timeliness
from tinhso.onestop.tests.world import vn

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def _dossier(version, agency: Agency, submitted: dt.datetime, *, late: bool | None = None,
             online: bool = False, fees: tuple[bool, ...] = ()) -> Dossier:
    """A dossier of `agency`, received when submitted; resolved the next day when `late` is
    not None (late or early); `fees`: one paid payment each (online or at the desk)."""
    n = next(_seq)
    resolved = submitted + dt.timedelta(days=1) if late is not None else None
    d = Dossier.objects.create(
        code=f"{agency.code}-250101-{n:05d}", province_code="38", procedure=version.procedure,
        version=version, channel=Channel.ONLINE if online else Channel.IN_PERSON,
        status=Status.RETURNED if resolved else Status.RECEIVED, applicant_name=f"Người nộp {n}",
        applicant_id_number=f"038190{n:06d}", agency=agency, receiving_agency=agency,
        current_agency=agency, submitted_at=submitted, received_at=submitted,
        due_at=submitted + dt.timedelta(days=3), resolved_at=resolved, returned_at=resolved,
        timeliness=(Timeliness.LATE if late else Timeliness.EARLY) if late is not None else "")
    for i, on in enumerate(fees):
        Payment.objects.create(dossier=d, amount=8_000, stage="before_processing",
                               state=Payment.State.PAID, online=on, reference=f"P{n}-{i}",
                               created_at=submitted, paid_at=submitted + dt.timedelta(hours=i + 1))
    return d


class Data:
    def __init__(self, p: Province) -> None:
        self.p = p
        self.district = AgencyFactory(name="UBND Huyện Cũ", unit=p.district, is_active=False,
                                      kind=Agency.Kind.PEOPLES_COMMITTEE)
        self.a = AgencyFactory(name="UBND Xã Cũ A", unit=p.old_a, kind=Agency.Kind.COMMUNE,
                               is_active=False)
        self.b = AgencyFactory(name="UBND Xã Cũ B", unit=p.old_b, kind=Agency.Kind.COMMUNE,
                               is_active=False)
        self.version = make_procedure(p.commune_committee, code="1.001193")
        v = self.version
        # March 2025: the old communes (one dossier of A with two fees paid, one online).
        self.of_a = [_dossier(v, self.a, vn(2025, 3, 3, 9), late=False, fees=(True, False)),
                     _dossier(v, self.a, vn(2025, 3, 4, 9), late=True, online=True),
                     _dossier(v, self.a, vn(2025, 3, 5, 9))]
        self.of_b = [_dossier(v, self.b, vn(2025, 3, 10, 9), late=False, online=True),
                     _dossier(v, self.b, vn(2025, 3, 11, 9))]
        # May 2025: the district's committee; August 2025: the new commune's.
        self.of_district = [_dossier(v, self.district, vn(2025, 5, 6, 9), late=True),
                            _dossier(v, self.district, vn(2025, 5, 7, 9))]
        self.of_commune = [_dossier(v, p.commune_committee, vn(2025, 8, 4, 9), late=False,
                                    online=True, fees=(True,)),
                           _dossier(v, p.commune_committee, vn(2025, 8, 5, 9), late=True),
                           _dossier(v, p.commune_committee, vn(2025, 8, 6, 9))]
        # another agency of the province, the same month as the old communes
        self.of_tax = [_dossier(v, p.tax, vn(2025, 3, 12, 9), late=False)]
        rollups_rebuild(province_code="38")
        self.steering = officer(Role.OBSERVER, None, full_name="Ban Chỉ đạo")


@pytest.fixture
def data(media) -> Data:
    return Data(make_province())


def _number(text: str) -> int:
    return int(text.replace(".", "") or 0)


def _listed(client, url: str) -> tuple[set[str], int]:
    """The dossier codes a drill-down list shows (every page) and its caption's count."""
    response = client.get(url.replace("&amp;", "&"))
    assert response.status_code == 200, url
    html = response.content.decode()
    m = re.search(r'<caption class="muted">([\d.]+) ', html)
    count = _number(m.group(1)) if m else 0
    codes = set(re.findall(r'<a class="code" href="/ho-so/([^/]+)/">', html))
    return codes, count


def _rows(client, code: str, period: str, unit: str = "") -> list[dict]:
    query = {"period": period, **({"unit": unit} if unit else {})}
    response = client.get(f"/chi-so/{code}/", query)
    assert response.status_code == 200
    return [*response.context["communes"], *response.context["agencies"]]


def _row(rows: list[dict], name: str) -> dict:
    return next(r for r in rows if r["name"] == name)


@pytest.mark.parametrize("period", ["2025-03", "2025-05", "2025-Q3", "2025"])
@pytest.mark.parametrize("code", ["onestop.received", "onestop.on_time_rate",
                                  "onestop.online_rate"])
def test_every_row_s_list_holds_exactly_its_figure(client, data, code, period):
    client.force_login(data.steering)  # the Steering Committee sees every dossier
    rows = _rows(client, code, period)
    linked = 0
    for r in rows:
        assert r["dossiers"], r  # every row of the province links to its dossiers
        if r["numerator_link"]:
            assert _listed(client, r["numerator_link"])[1] == _number(r["numerator"]), r
            assert _listed(client, r["denominator_link"])[1] == _number(r["denominator"]), r
        else:
            assert _listed(client, r["dossiers"])[1] == _number(r["numerator"]), r
        linked += 1
    assert linked


def test_a_merged_commune_before_the_merger_lists_its_own_dossiers(client, data):
    client.force_login(data.steering)
    rows = _rows(client, "onestop.received", "2025-03")
    a = _row(rows, "UBND Xã Cũ A")
    assert a["value"] == "3"
    codes, count = _listed(client, a["dossiers"])
    assert (codes, count) == ({d.code for d in data.of_a}, 3)
    # not its successor's: Xã Mới's committee has nothing in March 2025
    assert not codes & {d.code for d in data.of_commune}


def test_a_current_commune_lists_its_predecessors_dossiers_with_its_own(client, data):
    client.force_login(data.steering)
    rows = _rows(client, "onestop.received", "2025")
    commune = _row(rows, "UBND Xã Mới")
    assert commune["value"] == "8"  # 3 of its own, 3 of A, 2 of B (not the district's)
    codes, count = _listed(client, commune["dossiers"])
    assert count == 8
    assert codes == {d.code for d in data.of_commune + data.of_a + data.of_b}
    page = client.get(commune["dossiers"]).content.decode()
    assert "UBND Xã Cũ A" in page and "UBND Xã Cũ B" in page  # the agencies are named
    # the on-time rate's numerator and denominator: 3 in time of 5 resolved
    rate = _row(_rows(client, "onestop.on_time_rate", "2025"), "UBND Xã Mới")
    assert (rate["numerator"], rate["denominator"]) == ("3", "5")
    assert _listed(client, rate["numerator_link"])[1] == 3
    assert _listed(client, rate["denominator_link"])[1] == 5
    rest = rate["denominator_link"].replace("part=denominator", "part=rest")
    assert _listed(client, rest)[0] == {data.of_a[1].code, data.of_commune[1].code}  # late


def test_a_former_district_lists_its_committee_s_dossiers(client, data):
    client.force_login(data.steering)
    for period in ("2025-05", "2025"):
        district = _row(_rows(client, "onestop.received", period), "UBND Huyện Cũ")
        assert district["value"] == "2", period
        assert _listed(client, district["dossiers"]) == (
            {d.code for d in data.of_district}, 2), period


def test_the_drilled_unit_s_own_figure_links_to_its_dossiers(client, data):
    client.force_login(data.steering)
    response = client.get("/chi-so/onestop.received/", {"period": "2025", "unit": "16100"})
    links = response.context["figure_links"]
    assert response.context["value"] == "8"
    assert _listed(client, links["dossiers"])[1] == 8
    before = client.get("/chi-so/onestop.received/", {"period": "2025-03", "unit": "16100"})
    assert before.context["value"] == "5"  # through its predecessors only
    assert _listed(client, before.context["figure_links"]["dossiers"]) == (
        {d.code for d in data.of_a + data.of_b}, 5)
    district = client.get("/chi-so/onestop.received/", {"period": "2025-05", "unit": "380"})
    assert _listed(client, district.context["figure_links"]["dossiers"])[1] == 2
    # the province's figure, for the Steering Committee: every dossier of the year
    province = client.get("/chi-so/onestop.received/", {"period": "2025"})
    assert province.context["value"] == "11"
    assert _listed(client, province.context["figure_links"]["dossiers"])[1] == 11


# --- authorisation stays as it was -----------------------------------------------------------


def test_another_agency_s_officer_reaches_none_of_a_merged_commune_s_dossiers(client, data):
    client.force_login(data.steering)
    commune_link = _row(_rows(client, "onestop.received", "2025"), "UBND Xã Mới")["dossiers"]
    a_link = _row(_rows(client, "onestop.received", "2025-03"), "UBND Xã Cũ A")["dossiers"]
    client.force_login(data.p.tax_officer)  # Thuế tỉnh: its own dossiers only
    rows = _rows(client, "onestop.received", "2025")
    assert not _row(rows, "UBND Xã Mới")["dossiers"]  # no link to another agency's
    assert _row(rows, data.p.tax.name)["dossiers"]
    assert not _row(_rows(client, "onestop.received", "2025-03"), "UBND Xã Cũ A")["dossiers"]
    merged = {d.code for d in data.of_a + data.of_b + data.of_commune}
    for link in (commune_link, a_link):  # the address typed in: nothing of theirs
        response = client.get(link.replace("&amp;", "&"))
        html = response.content.decode()
        assert response.status_code == 200
        assert not any(c in html for c in merged), link
        assert "Bạn không có quyền xem hồ sơ của" in html


def test_the_new_commune_s_officer_sees_its_own_part_and_is_told_what_is_left_out(client, data):
    client.force_login(data.p.commune_officer)  # a leader of Xã Mới's committee
    rows = _rows(client, "onestop.received", "2025")
    commune = _row(rows, "UBND Xã Mới")
    codes, count = _listed(client, commune["dossiers"])
    assert codes == {d.code for d in data.of_commune} and count == 3  # not the old communes'
    html = client.get(commune["dossiers"]).content.decode()
    assert "Bạn không có quyền xem hồ sơ của" in html and "UBND Xã Cũ A" in html
    # the old commune's row of March 2025 offers no link to this officer
    assert not _row(_rows(client, "onestop.received", "2025-03"), "UBND Xã Cũ A")["dossiers"]


def test_an_unknown_agency_code_lists_nothing_and_says_so(client, data):
    client.force_login(data.steering)
    response = client.get("/xu-ly/danh-sach/", {"agency": "KHONG.CO", "from": "2025-01-01",
                                                "to": "2025-12-31",
                                                "figure": "onestop.received"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Không có cơ quan với mã: KHONG.CO" in html and '<a class="code"' not in html


# --- a constant number of queries --------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_whatever_the_number_of_predecessors(client, data):
    client.force_login(data.steering)

    def link() -> str:
        row = _row(_rows(client, "onestop.on_time_rate", "2025"), "UBND Xã Mới")
        return row["numerator_link"].replace("&amp;", "&")

    one_agency = (f"/xu-ly/danh-sach/?agency={data.p.commune_committee.code}&from=2025-01-01"
                  "&to=2025-12-31&figure=onestop.on_time_rate&part=numerator")
    alone = _queries(client, one_agency)
    two = _queries(client, link())
    assert two == alone
    dashboard = _queries(client, "/chi-so/onestop.on_time_rate/?period=2025&unit=16100")
    for n in range(3, 9):  # six more communes merged into Xã Mới, each with dossiers
        old = AdminUnit.objects.create(code=f"1600{n}", name=f"Xã Cũ {n}", kind="", level=3,
                                       parent=data.p.district, province_code="38",
                                       valid_to=REFORM_DATE)
        UnitSuccession.objects.create(predecessor=old, successor=data.p.commune,
                                      date=REFORM_DATE, kind=UnitSuccession.Kind.MERGE)
        committee = AgencyFactory(name=f"UBND Xã Cũ {n}", unit=old, kind=Agency.Kind.COMMUNE,
                                  is_active=False)
        for _i in range(n):
            _dossier(data.version, committee, vn(2025, 4, n, 9), late=False)
    rollups_rebuild(province_code="38")
    url = link()
    assert url.count("agency=") == 9
    assert _queries(client, url) == alone
    assert _listed(client, url)[1] == 3 + sum(range(3, 9))
    # the page that builds the links costs the same too
    assert _queries(client, "/chi-so/onestop.on_time_rate/?period=2025&unit=16100") == dashboard
