"""A private dataset (or a draft) never shows on any page to someone who may not see it: not in
the results, the facet counts, the themes' counts, the organizations' counts, nor by its
address. Those it is shared with see it, as the API shows it to them."""

from __future__ import annotations

import re

import pytest

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory
from tinhso.opendata.dictize import org_name
from tinhso.opendata.tests.pages_support import quiet_usage  # noqa: F401 (fixture)
from tinhso.opendata.tests.world import dataset, publisher, theme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quiet_usage")]

SECRET = "ho-ngheo-chi-tiet"


@pytest.fixture
def world():
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    theme("xa-hoi", "Xã hội")
    private = dataset(
        author,
        owner,
        SECRET,
        title="Danh sách hộ nghèo chi tiết",
        private=True,
        shared_with=[org_name(partner)],
        license_id="odc-odbl",
        tags=[{"name": "tuyệt mật"}],
        groups=[{"name": "xa-hoi"}],
        resources=[{"url": "https://noi-bo.vn/ho-ngheo.geojson", "format": "GeoJSON"}],
    )
    draft = dataset(
        author,
        owner,
        "ban-nhap-bi-an",
        title="Bản nháp bí ẩn",
        state="draft",
        tags=[{"name": "tuyệt mật"}],
    )
    dataset(author, owner, "cong-khai", title="Số liệu công khai", groups=[{"name": "xa-hoi"}])
    return {
        "owner": owner,
        "partner": partner,
        "stranger": stranger,
        "author": author,
        "private": private,
        "draft": draft,
    }


def everything(client, world) -> str:
    """Every page a caller could reach, as one text."""
    res = world["private"].resources.get()
    org = org_name(world["owner"])
    pages = [
        client.get("/du-lieu/"),
        client.get("/du-lieu/bo-du-lieu/"),
        client.get("/du-lieu/bo-du-lieu/", {"q": "ho ngheo"}),
        client.get("/du-lieu/bo-du-lieu/", {"groups": "xa-hoi"}),
        client.get("/du-lieu/bo-du-lieu/", {"organization": org}),
        client.get("/du-lieu/to-chuc/"),
        client.get(f"/du-lieu/to-chuc/{org}/"),
        client.get(f"/du-lieu/bo-du-lieu/{SECRET}/"),
        client.get(f"/du-lieu/bo-du-lieu/{SECRET}/phien-ban/"),
        client.get(f"/du-lieu/bo-du-lieu/{SECRET}/tai-nguyen/{res.pk}/"),
        client.get("/du-lieu/bo-du-lieu/ban-nhap-bi-an/"),
    ]
    for r in pages:
        assert r.status_code in (200, 404)
    tagged = client.get("/du-lieu/bo-du-lieu/", {"tags": "tuyệt mật"}).content.decode()
    found = re.search(r"(\d+) bộ dữ liệu", tagged)[1]
    # the language switch repeats the address asked for: the caller's own words, not a leak
    own = re.compile(r'<input name="next"[^>]*>')
    return "\n".join([own.sub("", r.content.decode()) for r in pages] + [f"tagged: {found}"])


def leaks(page: str) -> list[str]:
    return [
        w
        for w in (
            "hộ nghèo",
            "ho-ngheo",
            "tuyệt mật",
            "GeoJSON",
            "odc-odbl",
            "Bản nháp bí ẩn",
            "noi-bo.vn",
        )
        if w in page
    ]


@pytest.mark.parametrize("who", ["anonymous", "citizen", "stranger"])
def test_a_private_dataset_and_a_draft_never_show_to_outsiders(client, world, who):
    if who == "citizen":
        client.force_login(UserFactory(kind="citizen"))
    elif who == "stranger":
        client.force_login(publisher(world["stranger"]))
    page = everything(client, world)
    assert leaks(page) == []
    assert "tagged: 0" in page


def test_outsiders_count_only_what_they_see(client, world):
    org = org_name(world["owner"])
    page = client.get("/du-lieu/bo-du-lieu/").content.decode()
    assert "1 bộ dữ liệu" in page  # the public one only
    assert f'?organization={org}">' in page
    facet = page.split(f'?organization={org}">')[1].split("</a>")[0]
    assert '<span class="count">1</span>' in facet
    home = client.get("/du-lieu/").content.decode()
    assert home.count("1 bộ dữ liệu") >= 1 and "2 bộ dữ liệu" not in home
    orgs = client.get("/du-lieu/to-chuc/").content.decode()
    row = orgs.split(f"/du-lieu/to-chuc/{org}/")[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row


def test_the_agency_it_is_shared_with_sees_it_everywhere(client, world):
    client.force_login(publisher(world["partner"]))
    page = everything(client, world)
    assert "Danh sách hộ nghèo chi tiết" in page and "tuyệt mật" in page
    assert "tagged: 1" in page
    assert "Bản nháp bí ẩn" not in page  # a draft is its own agency's business
    r = client.get(f"/du-lieu/bo-du-lieu/{SECRET}/")
    assert r.status_code == 200
    assert "https://noi-bo.vn/ho-ngheo.geojson" in r.content.decode()
    # the DCAT feeds describe public data only: no alternate links to a 404
    assert 'rel="alternate"' not in r.content.decode()


def test_the_owner_sees_its_draft_on_its_page(client, world):
    client.force_login(world["author"])
    r = client.get("/du-lieu/bo-du-lieu/ban-nhap-bi-an/")
    assert r.status_code == 200 and "Bản nháp" in r.content.decode()
