"""The open data indicators on hand-built data: public datasets published by the period's end,
the share up to date, and the period's views, downloads and API calls, for the province and
per publishing agency; private datasets and drafts never count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.indicators import registry
from tinhso.indicators.periods import Period
from tinhso.indicators.registry import Scope
from tinhso.opendata import usage
from tinhso.opendata.models import DatasetQuality
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    usage.discard()
    a, b = AgencyFactory(), AgencyFactory()
    pa, pb = publisher(a), publisher(b)
    open_a = dataset(pa, a, "mo-a", frequency="daily")
    stale_a = dataset(pa, a, "cu-a", frequency="daily")
    dataset(pa, a, "rieng-a", access_level="named")  # private to named agencies
    dataset(pa, a, "nhap-a", state="draft")
    agencies_b = dataset(pb, b, "co-quan-b", access_level="agencies")
    DatasetQuality.objects.filter(dataset=stale_a).update(
        stale_after=timezone.now() - dt.timedelta(days=3))
    now = timezone.now()
    for ds, kind, n in ((open_a, "download", 3), (open_a, "view", 5), (agencies_b, "api", 2),
                        (stale_a, "download", 1)):
        for _ in range(n):
            usage.usage_count(ds.pk, kind, at=now)
    usage.usage_count(open_a.pk, "download", at=now - dt.timedelta(days=400))  # another year
    usage.flush()
    yield a, b
    usage.discard()


def _value(code: str, scope: Scope, period: Period):
    return registry.get(code).compute(scope, period)


def test_the_province_counts_public_datasets_freshness_and_use(portal):
    a, b = portal
    province = Scope(province_code=a.province_code, code=a.province_code)
    year = Period.parse(str(timezone.localdate().year))
    assert _value("opendata.datasets", province, year).value == 3  # not the private, not drafts
    fresh = _value("opendata.fresh_rate", province, year)
    assert (fresh.numerator, fresh.denominator, fresh.value) == (2, 3, 66.67)
    assert _value("opendata.downloads", province, year).value == 4  # not last year's
    assert _value("opendata.views", province, year).value == 5
    assert _value("opendata.api_calls", province, year).value == 2
    before = Period.parse(str(timezone.localdate().year - 2))
    assert _value("opendata.datasets", province, before).value == 0  # not yet published


def test_each_agency_counts_its_own_and_many_scopes_read_at_once(portal,
                                                                 django_assert_num_queries):
    a, b = portal
    year = Period.parse(str(timezone.localdate().year))
    scopes = [Scope(province_code=x.province_code, agency_id=x.pk, code=x.code) for x in (a, b)]
    indicator = registry.get("opendata.downloads")
    with django_assert_num_queries(2):
        many = indicator.compute_for(scopes, year)
    assert [many[s].value for s in scopes] == [4, 0]
    for scope in scopes:
        assert indicator.compute(scope, year) == many[scope]
    datasets = registry.get("opendata.datasets").compute_for(scopes, year)
    assert [datasets[s].value for s in scopes] == [2, 1]


def test_the_open_data_indicators_are_public_and_in_the_table(portal, client):
    codes = {i.code for i in registry.all_indicators(public_only=True)}
    assert {"opendata.datasets", "opendata.fresh_rate", "opendata.downloads"} <= codes
    r = client.get("/api/v1/indicators/opendata.datasets/values",
                   {"period": str(timezone.localdate().year), "unit": portal[0].province_code})
    assert r.status_code == 200 and r.json()["value"] == 3
