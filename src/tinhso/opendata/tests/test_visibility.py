"""Private and restricted datasets never reach a caller who may not see them, through any
action; drafts only reach their own agency."""

from __future__ import annotations

import json

import pytest

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata.dictize import org_name
from tinhso.opendata.tests.world import dataset, publisher, theme, token

pytestmark = pytest.mark.django_db

SECRET = "bi-mat-noi-bo"


@pytest.fixture
def world():
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    theme("noi-bo", "Nội bộ")
    private = dataset(author, owner, SECRET, title="Danh sách hộ nghèo chi tiết",
                      private=True, shared_with=[org_name(partner)],
                      tags=[{"name": "tuyệt mật"}], groups=[{"name": "noi-bo"}],
                      resources=[{"url": "https://noi-bo.vn/ho-ngheo.csv"}])
    restricted = dataset(author, owner, "chi-cho-co-quan", title="Số liệu cho cơ quan",
                         access_level="agencies",
                         resources=[{"url": "https://noi-bo.vn/co-quan.xlsx"}])
    draft = dataset(author, owner, "ban-nhap", state="draft")
    return {"owner": owner, "partner": partner, "stranger": stranger, "author": author,
            "private": private, "restricted": restricted, "draft": draft}


def _get(client, action, key=None, **params):
    headers = {"HTTP_AUTHORIZATION": key} if key else {}
    return client.get(f"/api/3/action/{action}", params, **headers)


def _everything(client, world, key=None) -> str:
    """What a caller can learn through every read action, as one text."""
    private = world["private"]
    res_id = str(private.resources.get().id)
    answers = [
        _get(client, "package_list", key),
        _get(client, "package_search", key, q="ho ngheo", include_private="true",
             include_drafts="true", **{"facet.field": '["tags", "groups", "organization"]'}),
        _get(client, "package_search", key, fq="capacity:private", include_private="true"),
        _get(client, "package_show", key, id=SECRET),
        _get(client, "package_show", key, id=str(private.pk)),
        _get(client, "resource_show", key, id=res_id),
        _get(client, "tag_list", key),
        _get(client, "group_show", key, id="noi-bo", include_datasets="true"),
        _get(client, "organization_show", key, id=org_name(world["owner"]),
             include_datasets="true"),
        _get(client, "organization_list", key, all_fields="true"),
        _get(client, "package_show", key, id="ban-nhap"),
    ]
    return json.dumps([a.json() for a in answers], ensure_ascii=False)


def test_anonymous_callers_never_see_a_private_dataset_anywhere(client, world):
    seen = _everything(client, world)
    for leak in (SECRET, "hộ nghèo", "tuyệt mật", "noi-bo.vn/ho-ngheo", "ban-nhap"):
        assert leak not in seen
    counts = _get(client, "group_show", id="noi-bo").json()["result"]["package_count"]
    assert counts == 0


def test_another_agency_does_not_see_it_either(client, world):
    key = token(officer(Role.LEADER, world["stranger"]))
    seen = _everything(client, world, key)
    assert SECRET not in seen and "tuyệt mật" not in seen and "ban-nhap" not in seen


def test_the_owner_and_the_named_partner_see_it(client, world):
    for user in (world["author"], officer(Role.CLERK, world["partner"])):
        key = token(user)
        assert _get(client, "package_show", key, id=SECRET).status_code == 200
        found = _get(client, "package_search", key, q="ho ngheo", include_private="true")
        assert found.json()["result"]["count"] == 1
        hidden = _get(client, "package_search", key, q="ho ngheo")
        assert hidden.json()["result"]["count"] == 0  # include_private defaults to false
        assert SECRET not in _get(client, "package_list", key).json()["result"]


def test_drafts_reach_their_own_agency_only_when_asked(client, world):
    own = token(world["author"])
    partner = token(officer(Role.SPECIALIST, world["partner"]))
    assert _get(client, "package_show", own, id="ban-nhap").status_code == 200
    assert _get(client, "package_show", partner, id="ban-nhap").status_code == 404
    names = lambda key, **p: [d["name"] for d in _get(client, "package_search", key, rows=50, **p)  # noqa: E731
                              .json()["result"]["results"]]
    assert "ban-nhap" not in names(own)
    assert "ban-nhap" in names(own, include_drafts="true")
    assert "ban-nhap" not in names(partner, include_drafts="true")


def test_data_for_agencies_is_listed_for_all_but_downloads_only_for_officers(client, world):
    public = _get(client, "package_show", id="chi-cho-co-quan").json()["result"]
    assert public["resources"][0]["url"] == ""
    assert public["resources"][0]["restricted"] is True
    res_id = public["resources"][0]["id"]
    assert _get(client, "resource_show", id=res_id).json()["result"]["url"] == ""
    searched = _get(client, "package_search", q="co quan").json()["result"]["results"]
    assert all(r["url"] == "" for d in searched for r in d["resources"])
    citizen = token(UserFactory(kind="citizen"))
    assert _get(client, "package_show", citizen, id="chi-cho-co-quan").json()["result"][
        "resources"][0]["url"] == ""
    officer_key = token(officer(Role.ONESTOP_OFFICER, world["stranger"]))
    shown = _get(client, "package_show", officer_key, id="chi-cho-co-quan").json()["result"]
    assert shown["resources"][0]["url"] == "https://noi-bo.vn/co-quan.xlsx"


def test_a_client_that_only_knows_private_never_opens_restricted_data(client, world):
    key = token(world["author"])
    r = client.post("/api/3/action/package_patch",
                    json.dumps({"id": "chi-cho-co-quan", "private": False}),
                    content_type="application/json", HTTP_AUTHORIZATION=key)
    assert r.status_code == 200
    assert r.json()["result"]["access_level"] == "agencies"


def test_other_agencies_cannot_write_to_a_dataset(client, world):
    key = token(publisher(world["stranger"]))
    for action, data in [("package_patch", {"id": "chi-cho-co-quan", "title": "Đổi"}),
                         ("package_delete", {"id": "chi-cho-co-quan"}),
                         ("resource_create", {"package_id": "chi-cho-co-quan",
                                              "url": "https://x.vn/y.csv"})]:
        r = client.post(f"/api/3/action/{action}", json.dumps(data),
                        content_type="application/json", HTTP_AUTHORIZATION=key)
        assert r.status_code == 403, action
    assert world["restricted"].revision == 1
    assert _get(client, "package_show", id="chi-cho-co-quan").json()["result"]["title"] == \
        "Số liệu cho cơ quan"
    # and the private one is not even found by them
    r = client.post("/api/3/action/package_patch", json.dumps({"id": SECRET, "title": "x"}),
                    content_type="application/json", HTTP_AUTHORIZATION=key)
    assert r.status_code == 404
