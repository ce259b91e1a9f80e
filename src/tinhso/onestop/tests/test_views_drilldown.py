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
from tinhso.onestop.tests.world import make_world

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
        due_at=now + dt.timedelta(days=2)) for i in range(1, n + 1)])


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
    assert "onestop.received" in html and "hồ sơ nộp trong kỳ" in html  # the figure's meaning
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
    Dossier.objects.filter(pk=resolved.pk).update(status=Status.RETURNED,
                                                  resolved_at=timezone.now())
    client.force_login(w.specialist)
    html = client.get(_url(w).replace("onestop.received", "onestop.on_time_rate")
                      ).content.decode()
    assert resolved.code in html and html.count('<a class="code"') == 1
    assert "hồ sơ có kết quả trong kỳ" in html
