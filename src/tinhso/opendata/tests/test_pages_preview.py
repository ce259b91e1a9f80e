"""A resource's page: its table previewed a page at a time (by key), filtered on a column and
by words, a chart drawn when the rows suit one (with the numbers in a table), the load's
status while the table is not ready, and older files downloadable."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata import services
from tinhso.opendata.models import DownloadLog
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

MONTHS = "thang,ho_so,dung_han\n" + "".join(
    f"2024-{m:02d}-01,{100 + m},{90 + m}\n" for m in range(1, 13)
)
COMMUNES = "xa,dan_so\n" + "".join(f"Xã Đông {i},{1000 + i}\n" for i in range(1, 61))


@pytest.fixture
def world():
    agency = AgencyFactory()
    author = publisher(agency)
    ds = dataset(author, agency, "ho-so-theo-thang", title="Hồ sơ theo tháng")
    return {"agency": agency, "author": author, "ds": ds}


def upload(capture, world, name, content, execute=True, ds=None):
    with capture(execute=execute):
        return services.resource_add(
            actor=world["author"],
            data={
                "package_id": str((ds or world["ds"]).pk),
                "name": name,
                "upload": SimpleUploadedFile(name, content.encode()),
            },
        )


def page(client, res, ds_name="ho-so-theo-thang", **params):
    return client.get(f"/du-lieu/bo-du-lieu/{ds_name}/tai-nguyen/{res.pk}/", params)


def text(r) -> str:
    return r.content.decode()


def cells(html: str) -> list[str]:
    """The row headers (the _id) of the preview table."""
    body = html.split('class="od-preview"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row">(\d+)</th>', body)


def test_a_table_is_previewed_with_a_line_chart_for_dates(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(django_capture_on_commit_callbacks, world, "thang.csv", MONTHS)
    r = page(client, res)
    assert r.status_code == 200
    html = text(r)
    assert "12 dòng" in html and cells(html) == [str(i) for i in range(1, 13)]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and "<polyline" in html
    assert 'role="img"' in html and "ho_so theo thang" in html
    assert '<td class="num">112</td>' in html  # the chart's numbers, in a table
    # the other number column on request
    r = page(client, res, chart="dung_han")
    assert "dung_han theo thang" in text(r) and '<td class="num">102</td>' in text(r)
    # a file download link and the API link
    assert f"/dataset/{world['ds'].pk}/resource/{res.pk}/download/" in html


def test_many_rows_page_by_key_and_filters_narrow_them(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(django_capture_on_commit_callbacks, world, "xa.csv", COMMUNES)
    html = text(page(client, res))
    assert "60 dòng" in html and cells(html)[0] == "1" and len(cells(html)) == 25
    assert "<svg" not in html  # 60 rows: too many for a chart
    assert "after=25" in html
    html = text(page(client, res, after="25"))
    assert cells(html)[0] == "26" and "after=50" in html and "Trang đầu" in html
    html = text(page(client, res, after="50"))
    assert (
        cells(html) == [str(i) for i in range(51, 61)]
        and "after=" not in html.split("od-preview")[1]
    )
    # words without tone marks
    html = text(page(client, res, q="dong 7"))
    assert "6 dòng khớp bộ lọc" in html  # 7, 17, ..., 57
    # one column equal to a value: few rows, so a bar chart
    html = text(page(client, res, col="dan_so", val="1007"))
    assert "1 dòng khớp bộ lọc" in html and "Xã Đông 7" in html and "<rect" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"col": "khong_co", "val": "1"}, "không có cột"),
        ({"col": "dan_so", "val": "abc"}, ""),
        ({"after": "abc"}, ""),
        ({"after": "-5"}, ""),
        ({"q": "x" * 300}, None),
        ({"chart": "khong_co"}, None),
    ],
)
def test_bad_preview_parameters_get_a_message_not_a_500(
    client, world, django_capture_on_commit_callbacks, params, message
):
    res = upload(django_capture_on_commit_callbacks, world, "xa.csv", COMMUNES)
    r = page(client, res, **params)
    if message is None:
        assert r.status_code == 200
        return
    assert r.status_code == 400
    assert 'role="alert"' in text(r)
    assert message.lower() in text(r).lower()


def test_the_load_status_shows_while_the_table_is_not_ready(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(django_capture_on_commit_callbacks, world, "cho.csv", "a\n1\n", execute=False)
    html = text(page(client, res))
    assert "Đang chờ nạp" in html and "od-preview" not in html
    bad = upload(
        django_capture_on_commit_callbacks, world, "le.csv", "ten,gia_tri\nA,1\nB,2,thua\nC\nD,4\n"
    )
    html = text(page(client, bad))
    assert "2 dòng bị bỏ qua vì lỗi" in html and "TOO MANY COLUMNS" in html
    assert "2 dòng" in html and cells(html) == ["1", "2"]
    broken = upload(django_capture_on_commit_callbacks, world, "hong.xlsx", "PK not a workbook")
    html = text(page(client, broken))
    assert "Nạp lỗi" in html and "XLSX" in html


def test_older_files_of_a_resource_stay_downloadable(
    client, world, django_capture_on_commit_callbacks
):
    res = upload(django_capture_on_commit_callbacks, world, "thang.csv", MONTHS)
    with django_capture_on_commit_callbacks(execute=True):
        services.resource_change(
            actor=world["author"],
            patch=True,
            data={"id": str(res.pk), "upload": SimpleUploadedFile("moi.csv", b"a,b\n1,2\n")},
        )
    html = text(page(client, res))
    assert "Các phiên bản trước của tệp" in html and "?version=1" in html
    link = re.search(r'href="([^"]*\?version=1)"', html)[1]
    assert client.get(link).status_code == 200


def test_previews_of_data_for_agencies_are_refused_to_the_public_and_logged_for_officers(
    client, world, django_capture_on_commit_callbacks
):
    ds = dataset(world["author"], world["agency"], "cho-co-quan", access_level="agencies")
    res = upload(django_capture_on_commit_callbacks, world, "thang.csv", MONTHS, ds=ds)
    html = text(page(client, res, ds_name="cho-co-quan"))
    assert "chỉ cán bộ của cơ quan nhà nước được tải" in html
    assert "od-preview" not in html and "/download/" not in html and "2024-03-01" not in html
    other = publisher(AgencyFactory())
    client.force_login(other)
    html = text(page(client, res, ds_name="cho-co-quan"))
    assert "od-preview" in html and "2024-03-01" in html
    assert DownloadLog.objects.filter(resource=res, user=other, route="datastore").count() == 1


def test_a_preview_page_costs_the_same_queries_on_any_page(
    client, world, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    res = upload(django_capture_on_commit_callbacks, world, "xa.csv", COMMUNES)
    counts = []
    for params in ({}, {"after": "25"}, {"after": "50"}, {"q": "dong"}):
        with CaptureQueriesContext(connection) as ctx:
            assert page(client, res, **params).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1 and counts[0] <= 6
