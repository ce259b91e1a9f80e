"""The dossiers behind a dashboard figure (/xu-ly/danh-sach/): an officer's page, scoped as the
dossier API's list, paginated with a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.accounts.tests.factories import UserFactory
from tinhso.onestop.models import Dossier
from tinhso.onestop.status import Status
from tinhso.onestop.tests.world import TZ, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _dossiers(w, n, *, agency=None, start=0):
    now = timezone.now()
    agency = agency or w.dept
    Dossier.objects.bulk_create([Dossier(
        code=f"{agency.code}-250303-{start + i:05d}", province_code="38",
        procedure=w.version.procedure, version=w.version, channel=1,
        status=Status.PROCESSING, applicant_name=f"Người nộp {i}",
        applicant_id_number=f"038190{start + i:06d}", agency=agency, receiving_agency=agency,
        current_agency=agency, current_role="specialist",
        submitted_at=now - dt.timedelta(days=1, minutes=start + i),
        received_at=now - dt.timedelta(days=1, minutes=start + i), due_at=now + dt.timedelta(days=2)) for i in range(1, n + 1)])


def _url(w, agency=None):
    today = timezone.localdate()
    return (f"/xu-ly/danh-sach/?agency={(agency or w.dept).code}"
            f"&from={today.replace(day=1) - dt.timedelta(days=40)}&to={today}"
            "&figure=onestop.received")


def test_an_officer_sees_the_dossiers_behind_a_figure_each_linking_to_its_page(client):
    w = make_world()
    _dossiers(w, 3)
    client.force_login(w.specialist)
    r = client.get(_url(w))
    html = r.content.decode()
    assert r.status_code == 200
    assert "<caption" in html and 'scope="col"' in html
    assert "onestop.received" in html and "hồ sơ tiếp nhận trong kỳ" in html  # its meaning
    for d in Dossier.objects.filter(agency=w.dept):
        assert f'href="/ho-so/{d.code}/"' in html


def test_an_officer_of_another_agency_sees_none_of_the_first_agencys_dossiers(client):
    w = make_world()
    _dossiers(w, 3)
    client.force_login(w.partner_specialist)  # Sở Tài chính, not Sở Tư pháp
    for url in (_url(w), "/xu-ly/danh-sach/"):
        html = client.get(url).content.decode()
        assert not any(d.code in html for d in Dossier.objects.filter(agency=w.dept)), url


def test_citizens_and_anonymous_users_may_not_open_the_page(client):
    w = make_world()
    r = client.get(_url(w))
    assert r.status_code == 302 and "next=" in r.headers["Location"]  # to the login page
    client.force_login(UserFactory())
    assert client.get(_url(w)).status_code == 403


def _queries(client, url):
    with CaptureQueriesContext(connection) as q:
        assert client.get(url).status_code == 200
    return len(q.captured_queries)


def test_the_page_costs_the_same_queries_for_few_or_many_dossiers(client):
    w = make_world()
    client.force_login(w.specialist)
    _dossiers(w, 5)
    few = _queries(client, _url(w)), _queries(client, _url(w) + "&page=1")
    _dossiers(w, 115, start=100)
    many = _queries(client, _url(w)), _queries(client, _url(w) + "&page=3")
    assert many == few
    html = client.get(_url(w) + "&page=2").content.decode()
    assert html.count('<a class="code"') == 50
    assert "agency=" in html and "page=3" in html  # pagination keeps the filters


def test_a_resolution_figure_lists_the_dossiers_resolved_in_the_period(client):
    w = make_world()
    _dossiers(w, 2)
    resolved = Dossier.objects.filter(agency=w.dept).order_by("pk").first()
    Dossier.objects.filter(pk=resolved.pk).update(status=Status.RETURNED, timeliness="early",
                                                  resolved_at=timezone.now())
    client.force_login(w.specialist)
    html = client.get(_url(w).replace("onestop.received", "onestop.on_time_rate")
                      ).content.decode()
    assert resolved.code in html and html.count('<a class="code"') == 1
    assert "hồ sơ có kết quả trong kỳ" in html


# --- numerator, denominator and the rest: the page's count is the dashboard's figure ----------

MARCH = "from=2025-03-01&to=2025-03-31"


def _varied(w, n=90, seed=6):
    """Dossiers of the department around March 2025 (Vietnam time) with every kind of life the
    one-stop figures tell apart: channels, receipt, results early / on time / late, electronic
    results, digitized (and reused) components, ratings, fees paid online or at the desk, some
    of it on the days either side of the month. The rollups are then counted from them."""
    import random

    from tinhso.onestop.models import DossierFile, Payment, Rating
    from tinhso.onestop.rollups import rollups_rebuild
    from tinhso.onestop.status import Channel, Timeliness

    rng = random.Random(seed)  # noqa: S311 - test data
    start = dt.datetime(2025, 2, 26, tzinfo=TZ)
    paths = iter(range(10**6))

    def file(d, kind, **kw):
        return DossierFile.objects.create(
            dossier=d, kind=kind, name="giay-to.pdf", content_type="application/pdf", size=10,
            sha256="0" * 64, storage_path=f"dossiers/test/{next(paths)}.pdf",
            uploaded_at=d.submitted_at, **kw)

    for i in range(n):
        submitted = start + dt.timedelta(hours=rng.randrange(0, 38 * 24), minutes=i)
        received = None if rng.random() < 0.1 else submitted + dt.timedelta(hours=rng.choice(
            (0, 5, 30)))
        resolved = timeliness = None
        if received and rng.random() < 0.7:
            resolved = received + dt.timedelta(days=rng.choice((0, 1, 3, 8)))
            timeliness = rng.choice((Timeliness.EARLY, Timeliness.EARLY, Timeliness.ON_TIME,
                                     Timeliness.LATE))
        d = Dossier.objects.create(
            code=f"{w.dept.code}-250301-{i:05d}", province_code=w.dept.province_code,
            procedure=w.version.procedure, version=w.version,
            channel=rng.choice((Channel.ONLINE, Channel.IN_PERSON, Channel.POSTAL)),
            status=Status.RETURNED if resolved else Status.RECEIVED if received else
            Status.SUBMITTED, applicant_name=f"Người nộp {i}",
            applicant_id_number=f"038190{i:06d}", agency=w.dept, receiving_agency=w.centre,
            current_agency=w.dept, submitted_at=submitted, received_at=received,
            due_at=received + dt.timedelta(days=3) if received else None,
            resolved_at=resolved, returned_at=resolved, timeliness=timeliness or "")
        if resolved and rng.random() < 0.5:
            d.result_file = file(d, DossierFile.Kind.RESULT)
            d.save(update_fields=["result_file"])
        u = rng.random()
        if u < 0.4:  # digitized (twice, for some), or only reused, or handed in undigitized
            first = file(d, DossierFile.Kind.COMPONENT, is_digitized=True)
            if u < 0.1:
                file(d, DossierFile.Kind.SUPPLEMENT, is_digitized=True)
                file(d, DossierFile.Kind.COMPONENT, is_digitized=True, reused_from=first)
        elif u < 0.5:
            source = DossierFile.objects.filter(is_digitized=True).first()
            file(d, DossierFile.Kind.COMPONENT, is_digitized=True, reused_from=source)
        elif u < 0.7:
            file(d, DossierFile.Kind.COMPONENT)
        if resolved and rng.random() < 0.5:
            scores = {f"c{k}": rng.choice((1, 2, 2)) for k in range(9)}
            Rating.objects.create(dossier=d, scores=scores, total=sum(scores.values()),
                                  rated_at=resolved + dt.timedelta(days=rng.choice((0, 2, 9))))
        if received and rng.random() < 0.6:
            paid = rng.random() < 0.85
            Payment.objects.create(
                dossier=d, amount=50_000, stage="before_processing",
                state=Payment.State.PAID if paid else Payment.State.PENDING,
                online=rng.random() < 0.5, reference=f"T{i}", created_at=received,
                paid_at=received + dt.timedelta(hours=rng.choice((1, 20))) if paid else None)
    rollups_rebuild(province_code=w.dept.province_code)


def _count(client, url):
    import re

    r = client.get(url)
    assert r.status_code == 200, url
    html = r.content.decode()
    m = re.search(r'<caption class="muted">([\d.]+) (?:hồ sơ|khoản phí)', html)
    return int(m.group(1).replace(".", "")) if m else 0


def test_each_figure_lists_as_many_dossiers_as_its_numerator_and_denominator(client):
    from tinhso.indicators import registry
    from tinhso.indicators.periods import Period
    from tinhso.indicators.registry import Scope
    from tinhso.onestop.views.drilldown import FIGURES

    w = make_world()
    _varied(w)
    client.force_login(w.leader)
    scope, period = Scope(w.dept.province_code, w.dept.pk), Period.parse("2025-03")
    checked = 0
    for code, (denominator, numerator) in FIGURES.items():
        value = registry.get(code).compute(scope, period)
        url = f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}&figure={code}"
        listed = {p: _count(client, f"{url}&part={p}")
                  for p in ("denominator", "numerator", "rest")
                  if p == "denominator" or (p == "numerator" and numerator)
                  or (p == "rest" and numerator and denominator)}
        assert _count(client, url) == listed["denominator"], code  # the default part
        if denominator is None:  # a count: its list is the count
            assert listed["denominator"] == listed["numerator"] == value.numerator, code
        elif numerator is None:  # satisfaction: points over 18 a rating; the rated dossiers
            assert 18 * listed["denominator"] == value.denominator, code
        else:
            assert (listed["numerator"], listed["denominator"]) == (
                value.numerator, value.denominator), code
            assert listed["rest"] == value.denominator - value.numerator, code
        assert value.denominator != 0 and value.numerator > 0, code  # the data shows something
        checked += 1
    assert checked == len(FIGURES)


def test_the_late_ones_are_the_rest_of_the_on_time_rate(client):
    from tinhso.onestop.status import Timeliness

    w = make_world()
    _varied(w)
    client.force_login(w.specialist)
    html = client.get(f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}"
                      "&figure=onestop.on_time_rate&part=rest").content.decode()
    late = Dossier.objects.filter(timeliness=Timeliness.LATE, resolved_at__month=3)
    shown = [d for d in Dossier.objects.all() if f'href="/ho-so/{d.code}/"' in html]
    assert shown and {d.pk for d in shown} <= {d.pk for d in late}
    assert "hồ sơ có kết quả quá hạn trong kỳ" in html
    assert 'aria-current="page">Phần còn lại' in html  # and links to the other two parts
    assert "part=numerator" in html and "part=denominator" in html


def test_an_unknown_part_is_refused_with_a_message_and_the_denominator(client):
    w = make_world()
    _dossiers(w, 2)
    client.force_login(w.specialist)
    r = client.get(_url(w) + "&part=tat-ca")
    assert r.status_code == 400
    assert "không có danh sách “tat-ca”" in r.content.decode()
    r = client.get(_url(w).replace("onestop.received", "onestop.satisfaction_rate")
                   + "&part=numerator")
    assert r.status_code == 400  # points are not dossiers


def test_every_part_costs_the_same_queries_as_the_plain_list(client):
    w = make_world()
    _varied(w, n=30)
    client.force_login(w.specialist)
    base = f"/xu-ly/danh-sach/?agency={w.dept.code}&{MARCH}"
    plain = _queries(client, base + "&figure=onestop.received")
    for figure, part in (("onestop.digitized_rate", "numerator"), ("onestop.ratings", ""),
                         ("onestop.online_payment_rate", "rest"),
                         ("onestop.electronic_result_rate", "numerator"),
                         ("onestop.on_time_rate", "rest")):
        assert _queries(client, f"{base}&figure={figure}&part={part}") == plain, figure
