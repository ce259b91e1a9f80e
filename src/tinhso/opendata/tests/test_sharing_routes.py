"""Restricted data reaches only the agencies that may have it, through every route: search (with
facets and counts), package_show, resource_show, datastore_search, the file URL and the DCAT
feeds; for anonymous visitors, citizens, an agency without a grant, an agency with one, the same
agency once its grant expired or was revoked, and the owner. Downloads are logged; searches
are not."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.directory.models import Role
from tinhso.opendata import services, sharing
from tinhso.opendata.access import download_rights
from tinhso.opendata.models import DownloadLog, DownloadRoute
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db

NAME = "ho-ngheo-chi-tiet"
ROW = "Nguyễn Văn Bí Mật"
CSV = f"ho,xa,thu_nhap\n{ROW},Xuân Lập,1200000\nTrần Thị B,Thọ Xuân,900000\n".encode()
CALLERS = ["anonymous", "citizen", "stranger", "grantee", "expired", "revoked", "owner"]
ALLOWED = {"grantee", "owner"}


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(
        author,
        owner,
        NAME,
        title="Danh sách hộ nghèo chi tiết",
        private=True,
        tags=[{"name": "tuyệt mật"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        res = services.resource_add(
            actor=author,
            data={"package_id": str(ds.pk), "upload": SimpleUploadedFile("ho-ngheo.csv", CSV)},
        )
    return {
        "owner": owner,
        "partner": partner,
        "stranger": stranger,
        "author": author,
        "ds": ds,
        "res": res,
    }


def approve(world, *, now=None, until=None):
    """The partner's publisher asks, the owner approves (at `now`, until `until`)."""
    asker = publisher(world["partner"])
    req = sharing.request_create(
        actor=asker, dataset=str(world["ds"].pk), purpose="Rà soát chính sách hỗ trợ", now=now
    )
    return sharing.request_approve(actor=world["author"], request_id=req.pk, until=until, now=now)


def caller(world, kind: str) -> User | None:
    """The user of that kind (the grant, when there is one, is set up first)."""
    if kind == "anonymous":
        return None
    if kind == "citizen":
        return UserFactory(kind=User.Kind.CITIZEN)
    if kind == "stranger":
        return officer(Role.LEADER, world["stranger"])
    if kind == "owner":
        return officer(Role.CLERK, world["owner"])
    if kind == "grantee":
        approve(world)
    elif kind == "expired":  # approved 100 days ago for 30 days
        past = timezone.now() - dt.timedelta(days=100)
        approve(world, now=past, until=timezone.localdate(past) + dt.timedelta(days=30))
    elif kind == "revoked":
        grant = approve(world)
        sharing.grant_revoke(actor=world["author"], grant_id=grant.pk, reason="Hết nhu cầu")
    # Any officer of the partner agency, not only the one who asked.
    return officer(Role.CLERK, world["partner"])


def _headers(user):
    return {"HTTP_AUTHORIZATION": token(user)} if user is not None else {}


def _action(client, user, name, **params):
    return client.post(
        f"/api/3/action/{name}",
        json.dumps(params),
        content_type="application/json",
        **_headers(user),
    )


def _file(client, user, world):
    res = world["res"]
    return client.get(
        f"/dataset/{world['ds'].pk}/resource/{res.pk}/download/{res.url}", **_headers(user)
    )


@pytest.mark.parametrize("kind", CALLERS)
def test_search_shows_the_dataset_and_counts_it_only_to_whom_may_see_it(client, world, kind):
    user = caller(world, kind)
    body = _action(
        client,
        user,
        "package_search",
        q="ho ngheo",
        include_private=True,
        **{"facet.field": ["tags", "organization"]},
    ).json()["result"]
    text = json.dumps(body, ensure_ascii=False)
    if kind in ALLOWED:
        assert body["count"] == 1 and body["facets"]["tags"] == {"tuyệt mật": 1}
    else:
        assert body["count"] == 0 and body["facets"] == {"tags": {}, "organization": {}}
        assert NAME not in text and "tuyệt mật" not in text
    listed = _action(client, user, "tag_list").json()["result"]
    assert ("tuyệt mật" in listed) is (kind in ALLOWED)


@pytest.mark.parametrize("kind", CALLERS)
def test_show_and_resource_show_answer_not_found_without_a_valid_grant(client, world, kind):
    user = caller(world, kind)
    shown = _action(client, user, "package_show", id=str(world["ds"].pk))
    res = _action(client, user, "resource_show", id=str(world["res"].pk))
    if kind in ALLOWED:
        assert shown.status_code == res.status_code == 200
        assert res.json()["result"]["url"].endswith("/download/ho-ngheo.csv")
        assert shown.json()["result"]["resources"][0]["url"]
    else:
        assert shown.status_code == res.status_code == 404
        assert NAME not in shown.content.decode() and "ho-ngheo" not in res.content.decode()


@pytest.mark.parametrize("kind", CALLERS)
def test_datastore_search_serves_rows_only_with_a_valid_grant(client, world, kind):
    user = caller(world, kind)
    answer = _action(client, user, "datastore_search", resource_id=str(world["res"].pk))
    info = _action(client, user, "datastore_info", id=str(world["res"].pk))
    if kind in ALLOWED:
        assert answer.status_code == 200 and answer.json()["result"]["records"][0]["ho"] == ROW
        assert info.status_code == 200
    else:
        assert answer.status_code == info.status_code == 404
        assert ROW not in answer.content.decode()


@pytest.mark.parametrize("kind", CALLERS)
def test_the_file_url_serves_the_file_only_with_a_valid_grant(client, world, kind):
    user = caller(world, kind)
    answer = _file(client, user, world)
    if kind in ALLOWED:
        assert answer.status_code == 200 and ROW.encode() in b"".join(answer.streaming_content)
    else:
        assert answer.status_code == 404


@pytest.mark.parametrize("kind", CALLERS)
def test_the_dcat_feeds_never_describe_it_whoever_asks(client, world, kind):
    user = caller(world, kind)
    for url in ("/catalog.ttl", "/catalog.jsonld"):
        answer = client.get(url, **_headers(user))
        assert answer.status_code == 200
        assert NAME not in answer.content.decode() and "hộ nghèo" not in answer.content.decode()
        assert str(world["res"].pk) not in answer.content.decode()
    assert client.get(f"/dataset/{NAME}.ttl", **_headers(user)).status_code == 404


def test_a_grant_stops_at_the_end_of_its_last_day(world):
    grant = approve(world, until=timezone.localdate() + dt.timedelta(days=10))
    user = officer(Role.CLERK, world["partner"])
    ds, res = world["ds"], world["res"]
    end = grant.valid_until
    assert timezone.localtime(end).time() == dt.time.min
    assert timezone.localdate(end - dt.timedelta(seconds=1)) == (
        timezone.localdate() + dt.timedelta(days=10)
    )
    assert download_rights(user, now=end - dt.timedelta(seconds=1)).resource(ds, res)
    assert not download_rights(user, now=end).resource(ds, res)


def test_a_revoked_grant_stops_downloads_at_once(client, world):
    grant = approve(world)
    user = officer(Role.CLERK, world["partner"])
    assert _file(client, user, world).status_code == 200
    sharing.grant_revoke(actor=world["author"], grant_id=grant.pk)
    assert _file(client, user, world).status_code == 404
    assert _action(client, user, "package_show", id=NAME).status_code == 404


def test_a_grant_limited_to_some_resources_opens_only_those(
    client, world, django_capture_on_commit_callbacks
):
    ds, author = world["ds"], world["author"]
    with django_capture_on_commit_callbacks(execute=True):
        other = services.resource_add(
            actor=author,
            data={"package_id": str(ds.pk), "upload": SimpleUploadedFile("khac.csv", CSV)},
        )
    req = sharing.request_create(
        actor=publisher(world["partner"]),
        dataset=str(ds.pk),
        purpose="Chỉ cần danh sách",
        resources=[str(world["res"].pk)],
    )
    sharing.request_approve(actor=author, request_id=req.pk)
    user = officer(Role.CLERK, world["partner"])
    shown = _action(client, user, "package_show", id=NAME).json()["result"]["resources"]
    urls = {r["id"]: (r["url"], r["restricted"]) for r in shown}
    assert urls[str(other.pk)] == ("", True) and urls[str(world["res"].pk)][0]
    assert _action(client, user, "datastore_search", resource_id=str(other.pk)).status_code == 403
    assert (
        _action(client, user, "datastore_search", resource_id=str(world["res"].pk)).status_code
        == 200
    )
    answer = client.get(
        f"/dataset/{ds.pk}/resource/{other.pk}/download/{other.url}", **_headers(user)
    )
    assert answer.status_code == 404


def test_every_download_is_logged_and_searches_are_not(client, world):
    grant = approve(world)
    user = officer(Role.CLERK, world["partner"])
    _action(client, user, "package_search", q="ho ngheo", include_private=True)
    _action(client, user, "package_show", id=NAME)
    assert not DownloadLog.objects.exists()
    assert _file(client, user, world).status_code == 200
    _action(client, user, "resource_show", id=str(world["res"].pk))
    _action(client, user, "datastore_search", resource_id=str(world["res"].pk))
    rows = list(DownloadLog.objects.order_by("pk"))
    assert [r.route for r in rows] == [
        DownloadRoute.FILE,
        DownloadRoute.API,
        DownloadRoute.DATASTORE,
    ]
    assert {(r.user_id, r.agency_id, r.grant_id, r.resource_id) for r in rows} == {
        (user.pk, world["partner"].pk, grant.pk, world["res"].pk)
    }
    assert rows[0].version == world["res"].revision


def test_a_refused_download_is_not_logged(client, world):
    user = officer(Role.LEADER, world["stranger"])
    _file(client, user, world)
    _action(client, user, "datastore_search", resource_id=str(world["res"].pk))
    assert not DownloadLog.objects.exists()


def test_data_for_agencies_stays_closed_to_the_public_and_logs_agency_downloads(
    client, world, django_capture_on_commit_callbacks
):
    author = world["author"]
    ds = dataset(author, world["owner"], "so-lieu-co-quan", access_level="agencies")
    with django_capture_on_commit_callbacks(execute=True):
        res = services.resource_add(
            actor=author,
            data={"package_id": str(ds.pk), "upload": SimpleUploadedFile("so-lieu.csv", CSV)},
        )
    url = f"/dataset/{ds.pk}/resource/{res.pk}/download/{res.url}"
    for user in (None, UserFactory(kind=User.Kind.CITIZEN)):
        assert client.get(url, **_headers(user)).status_code == 404
        assert _action(client, user, "datastore_search", resource_id=str(res.pk)).status_code == 403
        shown = _action(client, user, "resource_show", id=str(res.pk)).json()["result"]
        assert shown["url"] == "" and shown["restricted"] is True
    stranger = officer(Role.LEADER, world["stranger"])
    assert client.get(url, **_headers(stranger)).status_code == 200
    log = DownloadLog.objects.get()
    assert (log.agency_id, log.grant_id, log.route) == (world["stranger"].pk, None, "file")


def test_search_at_a_given_moment_sees_the_grant_only_while_it_lasts(world):
    """visible_q takes the moment: no sleeping to see a grant expire."""
    from tinhso.opendata.access import visible_q
    from tinhso.opendata.models import Dataset

    grant = approve(world, until=timezone.localdate() + dt.timedelta(days=3))
    user = officer(Role.CLERK, world["partner"])

    def seen(at):
        return list(Dataset.objects.filter(visible_q(user, now=at)).values_list("name", flat=True))

    assert seen(grant.valid_until - dt.timedelta(minutes=1)) == [NAME]
    assert seen(grant.valid_until) == []
    assert seen(grant.valid_from - dt.timedelta(minutes=1)) == []
