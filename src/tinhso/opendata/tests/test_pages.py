"""The portal's pages: home, search with facets (diacritics-insensitive, filters as links),
a dataset, its versions, organizations; bad query strings get a Vietnamese message, never a
500."""

from __future__ import annotations

import pytest

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.dictize import org_name
from tinhso.opendata.services import dataset_patch
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]


@pytest.fixture
def world():
    health, school = AgencyFactory(name="Sở Y tế"), AgencyFactory(name="Sở Giáo dục")
    doctor, teacher = publisher(health), publisher(school)
    theme("y-te", "Y tế")
    theme("giao-duc", "Giáo dục")
    beds = dataset(
        doctor,
        health,
        "giuong-benh",
        title="Số giường bệnh theo huyện",
        notes="Giường bệnh của các bệnh viện.",
        license_id="cc-by-4.0",
        tags=[{"name": "bệnh viện"}],
        groups=[{"name": "y-te"}],
        frequency="annual",
        maintainer="Phòng Kế hoạch",
        maintainer_email="kh@syt.vn",
        temporal_start="2020-01-01",
        temporal_end="2024-12-31",
        resources=[
            {"url": "https://syt.vn/giuong.csv", "format": "CSV", "name": "Bảng giường bệnh"}
        ],
    )
    schools = dataset(
        teacher,
        school,
        "truong-hoc",
        title="Danh sách trường học",
        license_id="cc0-1.0",
        tags=[{"name": "trường học"}],
        groups=[{"name": "giao-duc"}],
        resources=[{"url": "https://sgd.vn/truong.xlsx", "format": "XLSX"}],
    )
    return {"health": health, "school": school, "doctor": doctor, "beds": beds, "schools": schools}


def text(response) -> str:
    return response.content.decode()


def test_home_shows_themes_with_counts_and_the_newest_datasets(client, world):
    r = client.get("/du-lieu/")
    assert r.status_code == 200
    page = text(r)
    assert "Cổng dữ liệu mở" in page
    assert "Số giường bệnh theo huyện" in page and "Danh sách trường học" in page
    assert "?groups=y-te" in page and "1 bộ dữ liệu" in page
    assert 'rel="alternate" type="text/turtle" href="/catalog.ttl"' in page


def test_search_ignores_tone_marks(client, world):
    r = client.get("/du-lieu/bo-du-lieu/", {"q": "giuong benh"})
    assert r.status_code == 200
    assert "Số giường bệnh theo huyện" in text(r)
    assert "Danh sách trường học" not in text(r)
    r = client.get("/du-lieu/bo-du-lieu/", {"q": "Trường HỌC"})
    assert "Danh sách trường học" in text(r) and "giường" not in text(r).split("<main")[1]


def test_search_box_words_with_query_signs_are_plain_words(client, world):
    r = client.get("/du-lieu/bo-du-lieu/", {"q": "giường (bệnh): [viện"})
    assert r.status_code == 200
    assert "Số giường bệnh theo huyện" in text(r)


def test_facets_count_and_link_to_add_and_remove_filters(client, world):
    r = client.get("/du-lieu/bo-du-lieu/")
    page = text(r)
    org = org_name(world["health"])
    assert f'href="?organization={org}"' in page
    assert "?res_format=CSV" in page and "?license_id=cc-by-4.0" in page
    r = client.get("/du-lieu/bo-du-lieu/", {"organization": org})
    page = text(r)
    assert "Số giường bệnh theo huyện" in page and "Danh sách trường học" not in page
    assert "Sở Y tế" in page and "bỏ lọc" in page
    # the chosen value links back to the search without it
    assert 'href="?" aria-current="true"' in page
    r = client.get("/du-lieu/bo-du-lieu/", {"groups": "giao-duc", "tags": "trường học"})
    assert "Danh sách trường học" in text(r) and "giường bệnh theo" not in text(r)
    r = client.get("/du-lieu/bo-du-lieu/", {"res_format": "csv", "license_id": "cc0-1.0"})
    assert "0 bộ dữ liệu" in text(r)


def test_search_pages_and_sorts(client, world):
    for i in range(25):
        dataset(world["doctor"], world["health"], f"bao-cao-{i:02d}", title=f"Báo cáo {i:02d}")
    r = client.get("/du-lieu/bo-du-lieu/", {"q": "bao cao", "sort": "title_string asc"})
    page = text(r)
    assert "27" not in page.split("bộ dữ liệu")[0][-5:]
    assert "25 bộ dữ liệu" in page
    assert "Báo cáo 00" in page and "Báo cáo 19" in page and "Báo cáo 20" not in page
    assert "page=2" in page and "Trang 1/2" in page
    r = client.get(
        "/du-lieu/bo-du-lieu/", {"q": "bao cao", "sort": "title_string asc", "page": "2"}
    )
    assert "Báo cáo 24" in text(r) and "Báo cáo 00" not in text(r)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "99999999999999999999"},
        {"sort": "drop table"},
        {"sort": "password desc"},
    ],
)
def test_bad_search_parameters_get_a_vietnamese_message(client, world, params):
    r = client.get("/du-lieu/bo-du-lieu/", params)
    assert r.status_code == 400
    assert 'role="alert"' in text(r)
    assert "Số trang không hợp lệ" in text(r) or "Không sắp xếp theo" in text(r)


def test_a_page_past_the_last_says_so(client, world):
    r = client.get("/du-lieu/bo-du-lieu/", {"page": "7"})
    assert r.status_code == 400
    assert "Không có trang 7" in text(r)


@pytest.mark.parametrize(
    "params",
    [
        {"organization": "không-có"},
        {"groups": 'a"b'},
        {"tags": "x" * 5000},
        {"q": "a:b OR -c:(d) [x TO y]"},
        {"res_format": "*"},
        {"license_id": "*:*"},
    ],
)
def test_odd_filters_find_nothing_or_something_but_never_fail(client, world, params):
    r = client.get("/du-lieu/bo-du-lieu/", params)
    assert r.status_code == 200


def test_dataset_page_shows_its_metadata_resources_and_feeds(client, world):
    dataset_patch(actor=world["doctor"], data={"id": "giuong-benh", "notes": "Sửa mô tả."})
    r = client.get("/du-lieu/bo-du-lieu/giuong-benh/")
    assert r.status_code == 200
    page = text(r)
    for expected in (
        "Số giường bệnh theo huyện",
        "Sở Y tế",
        "Phòng Kế hoạch",
        "kh@syt.vn",
        "Hằng năm",
        "01/01/2020 – 31/12/2024",
        "bệnh viện",
        "Y tế",
        "Bảng giường bệnh",
        "https://syt.vn/giuong.csv",
        "Sửa mô tả.",
        "Phiên bản 2",
        "Tạo bộ dữ liệu",
        "Sửa thông tin",
    ):
        assert expected in page, expected
    for ext, mime in (
        ("ttl", "text/turtle"),
        ("rdf", "application/rdf+xml"),
        ("jsonld", "application/ld+json"),
    ):
        assert f'<link rel="alternate" type="{mime}" href="/dataset/giuong-benh.{ext}"' in page


def test_unknown_dataset_and_resource_are_404(client, world):
    assert client.get("/du-lieu/bo-du-lieu/khong-co/").status_code == 404
    res = world["beds"].resources.get()
    assert client.get(f"/du-lieu/bo-du-lieu/truong-hoc/tai-nguyen/{res.pk}/").status_code == 404
    assert client.get("/du-lieu/bo-du-lieu/giuong-benh/tai-nguyen/abc/").status_code == 404
    assert client.get(f"/du-lieu/bo-du-lieu/{world['beds'].pk}/").status_code == 404


def test_versions_page_lists_every_version(client, world):
    for i in range(22):
        dataset_patch(actor=world["doctor"], data={"id": "giuong-benh", "notes": f"v{i}"})
    r = client.get("/du-lieu/bo-du-lieu/giuong-benh/")
    assert "Xem tất cả các phiên bản" in text(r)
    r = client.get("/du-lieu/bo-du-lieu/giuong-benh/phien-ban/", {"page": "2"})
    assert r.status_code == 200 and "23 phiên bản" in text(r)
    assert (
        client.get("/du-lieu/bo-du-lieu/giuong-benh/phien-ban/", {"page": "9"}).status_code == 404
    )
    assert (
        client.get("/du-lieu/bo-du-lieu/giuong-benh/phien-ban/", {"page": "x"}).status_code == 400
    )


def test_organizations_list_counts_and_an_organization_lists_its_datasets(client, world):
    r = client.get("/du-lieu/to-chuc/")
    assert r.status_code == 200
    org = org_name(world["health"])
    assert f"/du-lieu/to-chuc/{org}/" in text(r)
    r = client.get(f"/du-lieu/to-chuc/{org}/")
    assert r.status_code == 200
    assert "Số giường bệnh theo huyện" in text(r) and "Danh sách trường học" not in text(r)
    assert client.get("/du-lieu/to-chuc/khong-co/").status_code == 404
    assert client.get("/du-lieu/to-chuc/99999999999999999999/").status_code == 404
    assert client.get(f"/du-lieu/to-chuc/{org}/", {"page": "abc"}).status_code == 400
    assert client.get("/du-lieu/to-chuc/", {"page": "5"}).status_code == 404


def test_pages_in_english(client, world):
    client.cookies["django_language"] = "en"
    r = client.get("/du-lieu/bo-du-lieu/giuong-benh/")
    assert r.status_code == 200
    assert '<html lang="en">' in text(r)


def test_a_dataset_page_counts_a_view_and_a_hidden_one_does_not(client, world):
    from tinhso.opendata import usage

    client.get("/du-lieu/bo-du-lieu/giuong-benh/")
    client.get("/du-lieu/bo-du-lieu/khong-co/")
    assert usage.pending() == 1
    usage.flush()
    assert sum(m["view"] for m in usage.months(world["beds"].pk)) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/du-lieu/bo-du-lieu/a%00b/",
        "/du-lieu/bo-du-lieu/?q=a%00b",
        "/du-lieu/bo-du-lieu/?tags=a%00b",
        "/du-lieu/bo-du-lieu/?organization=a%00b",
        "/du-lieu/to-chuc/a%00b/",
        "/du-lieu/bo-du-lieu/a%00b/phien-ban/",
        "/du-lieu/bo-du-lieu/?sort=a%00b",
    ],
)
def test_nul_characters_never_make_a_500(client, world, path):
    assert client.get(path).status_code in (200, 400, 404)
