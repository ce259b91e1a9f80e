"""The sharing API (/api/v1/opendata): an agency asks for a restricted dataset with a purpose,
the owner approves until a date or refuses with a reason, the requester sees the decision, the
owner revokes and reads who downloaded its data. Someone else's request or grant is a 404; bad
input names the field."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import AgencyFactory, UserFactory, officer
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.opendata import sharing
from tinhso.opendata.access import download_rights
from tinhso.opendata.models import AccessGrant, AccessRequest, DownloadLog, DownloadRoute
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db

BASE = "/api/v1/opendata"
NAME = "ho-ngheo-chi-tiet"


@pytest.fixture
def world():
    owner, partner, stranger = AgencyFactory(), AgencyFactory(), AgencyFactory()
    author = publisher(owner)
    ds = dataset(
        author,
        owner,
        NAME,
        title="Danh sách hộ nghèo chi tiết",
        private=True,
        resources=[{"url": "https://noi-bo.vn/a.csv", "name": "A"}],
    )
    return {
        "owner": owner,
        "partner": partner,
        "stranger": stranger,
        "author": author,
        "asker": publisher(partner),
        "stranger_pub": publisher(stranger),
        "ds": ds,
    }


def call(client, method, path, user=None, body=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(user)}"} if user is not None else {}
    if method == "get":
        return client.get(BASE + path, params, **headers)
    return client.post(
        BASE + path, json.dumps(body or {}), content_type="application/json", **headers
    )


def fields(answer) -> set[str]:
    return {e["field"] for e in answer.json().get("errors") or []}


def ask(client, world, **body):
    body = {"dataset": str(world["ds"].pk), "purpose": "Rà soát hộ nghèo để hỗ trợ", **body}
    return call(client, "post", "/requests", world["asker"], body)


def test_an_agency_asks_and_the_owner_approves_until_a_date(client, world):
    answer = ask(client, world, wanted_until=str(timezone.localdate() + dt.timedelta(days=90)))
    assert answer.status_code == 201, answer.json()
    req = answer.json()
    assert req["status"] == "pending" and req["agency"]["code"] == world["partner"].code
    # The requester found the private dataset by its id; its name stays hidden until granted.
    assert req["dataset"] == {
        "id": str(world["ds"].pk),
        "name": "",
        "title": "",
        "organization": "",
    }
    inbox = call(client, "get", "/requests", world["author"], side="owner").json()
    assert [r["id"] for r in inbox["results"]] == [req["id"]]
    assert inbox["results"][0]["dataset"]["name"] == NAME
    approved = call(client, "post", f"/requests/{req['id']}/approve", world["author"])
    assert approved.status_code == 200, approved.json()
    grant = approved.json()
    last_day = timezone.localdate() + dt.timedelta(days=90)
    assert grant["valid"] is True
    assert (
        timezone.localdate(
            dt.datetime.fromisoformat(grant["valid_until"]) - dt.timedelta(seconds=1)
        )
        == last_day
    )
    mine = call(client, "get", f"/requests/{req['id']}", world["asker"]).json()
    assert mine["status"] == "approved" and mine["grant"] == grant["id"]
    assert mine["dataset"]["name"] == NAME  # now it may see it
    grants = call(
        client, "get", "/grants", officer(Role.CLERK, world["partner"]), valid=True
    ).json()
    assert [g["id"] for g in grants["results"]] == [grant["id"]]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "opendata.access_request.create",
        "opendata.access_request.approve",
        "opendata.access_grant.create",
    } <= actions


def test_approval_defaults_to_a_year_and_never_passes_the_maximum(client, world, settings):
    settings.TINHSO_OPENDATA_GRANT_MAX_DAYS = 400
    req = ask(client, world).json()
    too_long = call(
        client,
        "post",
        f"/requests/{req['id']}/approve",
        world["author"],
        {"until": str(timezone.localdate() + dt.timedelta(days=401))},
    )
    assert too_long.status_code == 422 and fields(too_long) == {"until"}
    assert AccessRequest.objects.get().status == "pending" and not AccessGrant.objects.exists()
    ok = call(client, "post", f"/requests/{req['id']}/approve", world["author"]).json()
    until = dt.datetime.fromisoformat(ok["valid_until"])
    assert timezone.localdate(until) == timezone.localdate() + dt.timedelta(days=366)
    again = call(client, "post", f"/requests/{req['id']}/approve", world["author"])
    assert again.status_code == 409


def test_the_owner_refuses_with_a_reason_the_requester_reads(client, world):
    req = ask(client, world).json()
    empty = call(client, "post", f"/requests/{req['id']}/refuse", world["author"], {"reason": "  "})
    assert empty.status_code == 422 and fields(empty) == {"reason"}
    refused = call(
        client,
        "post",
        f"/requests/{req['id']}/refuse",
        world["author"],
        {"reason": "Dữ liệu có thông tin cá nhân"},
    )
    assert refused.status_code == 200
    mine = call(client, "get", "/requests", world["asker"]).json()["results"][0]
    assert mine["status"] == "refused" and mine["reason"] == "Dữ liệu có thông tin cá nhân"
    assert mine["grant"] is None
    user = officer(Role.CLERK, world["partner"])
    assert not download_rights(user).resource(world["ds"], None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": ""}, "purpose"),
        ({"dataset": ""}, "dataset"),
        ({"wanted_until": "2020-01-01"}, "wanted_until"),
        ({"wanted_until": "ngày mai"}, "wanted_until"),
        ({"resources": ["khong-phai-uuid"]}, "resources"),
        ({"resources": ["8d2f7c3e-8a5e-4a43-9c1b-2b4f7a3b1c0d"]}, "resources"),
        ({"agency": "000.00.00.X99"}, "agency"),
    ],
)
def test_bad_requests_name_the_field_and_write_nothing(client, world, body, field):
    answer = ask(client, world, **body)
    assert answer.status_code == 422, answer.json()
    assert fields(answer) == {field}
    assert not AccessRequest.objects.exists()


def test_a_private_dataset_is_not_found_by_name_nor_an_unknown_id(client, world):
    by_name = ask(client, world, dataset=NAME)
    unknown = ask(client, world, dataset="8d2f7c3e-8a5e-4a43-9c1b-2b4f7a3b1c0d")
    assert by_name.status_code == unknown.status_code == 404
    assert fields(by_name) == {"dataset"}
    assert by_name.json()["detail"] == unknown.json()["detail"]


def test_open_data_and_ones_own_data_need_no_request(client, world):
    open_ds = dataset(world["author"], world["owner"], "mo")
    answer = ask(client, world, dataset="mo")
    assert answer.status_code == 422 and fields(answer) == {"dataset"}
    own = call(
        client,
        "post",
        "/requests",
        world["author"],
        {"dataset": str(world["ds"].pk), "purpose": "x"},
    )
    assert own.status_code == 422 and fields(own) == {"dataset"}
    assert open_ds.pk and not AccessRequest.objects.exists()


def test_a_second_pending_request_is_a_conflict(client, world):
    assert ask(client, world).status_code == 201
    again = ask(client, world)
    assert again.status_code == 409 and fields(again) == {"dataset"}


def test_who_may_ask(client, world):
    assert ask(client, world).status_code == 201
    body = {"dataset": str(world["ds"].pk), "purpose": "x"}
    clerk = call(client, "post", "/requests", officer(Role.CLERK, world["partner"]), body)
    citizen = call(client, "post", "/requests", UserFactory(kind=User.Kind.CITIZEN), body)
    anonymous = call(client, "post", "/requests", None, body)
    assert (clerk.status_code, citizen.status_code, anonymous.status_code) == (403, 403, 401)


def test_another_agencys_request_and_grant_are_not_found(client, world):
    req = ask(client, world).json()
    other = world["stranger_pub"]
    assert call(client, "get", f"/requests/{req['id']}", other).status_code == 404
    assert call(client, "post", f"/requests/{req['id']}/approve", other).status_code == 404
    assert (
        call(client, "post", f"/requests/{req['id']}/refuse", other, {"reason": "x"}).status_code
        == 404
    )
    # The requester cannot decide on its own request either.
    assert call(client, "post", f"/requests/{req['id']}/approve", world["asker"]).status_code == 404
    grant = call(client, "post", f"/requests/{req['id']}/approve", world["author"]).json()
    assert call(client, "post", f"/grants/{grant['id']}/revoke", other).status_code == 404
    assert call(client, "post", f"/grants/{grant['id']}/revoke", world["asker"]).status_code == 404
    assert call(client, "get", "/grants", other, side="owner").json()["count"] == 0
    assert call(client, "get", "/requests", other).json()["count"] == 0
    assert call(client, "get", "/requests/not-a-uuid", other).status_code == 404


def test_the_owner_revokes_a_grant(client, world):
    req = ask(client, world).json()
    grant = call(client, "post", f"/requests/{req['id']}/approve", world["author"]).json()
    revoked = call(
        client,
        "post",
        f"/grants/{grant['id']}/revoke",
        world["author"],
        {"reason": "Kết thúc đề án"},
    )
    assert revoked.status_code == 200
    assert revoked.json()["valid"] is False and revoked.json()["revoke_reason"] == "Kết thúc đề án"
    assert call(client, "post", f"/grants/{grant['id']}/revoke", world["author"]).status_code == 409
    clerk = officer(Role.CLERK, world["partner"])
    assert call(client, "get", "/grants", clerk, valid=True).json()["count"] == 0
    assert call(client, "get", "/grants", clerk).json()["count"] == 1


def _log(world, n: int, grant) -> None:
    user = officer(Role.CLERK, world["partner"])
    res = world["ds"].resources.get()
    rights = download_rights(user)
    for i in range(n):
        rights.at = timezone.now() - dt.timedelta(days=40 * (i % 3))
        sharing.download_log(
            rights=rights, dataset=world["ds"], resource=res, route=DownloadRoute.FILE, version=1
        )
    assert grant is not None


def test_the_owner_reads_its_download_log_by_page_and_by_month(client, world):
    req = sharing.request_create(actor=world["asker"], dataset=str(world["ds"].pk), purpose="x")
    grant = sharing.request_approve(actor=world["author"], request_id=req.pk)
    _log(world, 7, grant)
    page = call(client, "get", f"/datasets/{NAME}/downloads", world["author"], page_size=5)
    body = page.json()
    assert page.status_code == 200 and body["count"] == 7 and body["num_pages"] == 2
    first = body["results"][0]
    assert first["agency"]["code"] == world["partner"].code and first["route"] == "file"
    assert first["resource"]["name"] == "A"
    months = call(
        client, "get", f"/datasets/{world['ds'].pk}/downloads/monthly", world["author"]
    ).json()
    assert sum(m["downloads"] for m in months) == 7 and len(months) == 3
    for who in (world["asker"], world["stranger_pub"], officer(Role.CLERK, world["owner"])):
        assert call(client, "get", f"/datasets/{NAME}/downloads", who).status_code == 404
    bad = call(client, "get", f"/datasets/{NAME}/downloads", world["author"], page_size=0)
    assert bad.status_code == 422 and fields(bad) == {"page_size"}


def test_a_download_log_page_costs_the_same_queries_however_many_rows(client, world):
    req = sharing.request_create(actor=world["asker"], dataset=str(world["ds"].pk), purpose="x")
    grant = sharing.request_approve(actor=world["author"], request_id=req.pk)
    key = {"HTTP_AUTHORIZATION": f"Bearer {token(world['author'])}"}
    url = f"{BASE}/datasets/{NAME}/downloads"
    _log(world, 2, grant)
    client.get(url, **key)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"page_size": 50}, **key).json()["count"] == 2
    _log(world, 40, grant)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url, {"page_size": 50}, **key).json()["results"]) == 42
    assert len(few) == len(many) <= 5
    assert DownloadLog.objects.count() == 42


def test_request_and_grant_lists_cost_the_same_queries_however_many_rows(client, world):
    def add(n):
        for _ in range(n):
            ds = dataset(
                world["author"], world["owner"], f"ds-{AccessRequest.objects.count()}", private=True
            )
            req = sharing.request_create(actor=world["asker"], dataset=str(ds.pk), purpose="x")
            sharing.request_approve(actor=world["author"], request_id=req.pk)

    key = {"HTTP_AUTHORIZATION": f"Bearer {token(world['asker'])}"}
    add(1)
    client.get(f"{BASE}/grants", **key)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/requests", **key)
        client.get(f"{BASE}/grants", **key)
    add(6)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"{BASE}/requests", **key).json()["count"] == 7
        assert client.get(f"{BASE}/grants", **key).json()["count"] == 7
    assert len(few) == len(many)


def test_the_owner_is_told_of_a_request_and_the_requester_of_the_decision(client, world):
    from tinhso.notifications.models import Notification

    world["author"].email = "chu-quan@so.gov.vn"
    world["author"].save(update_fields=["email"])
    world["asker"].email = "de-nghi@so.gov.vn"
    world["asker"].save(update_fields=["email"])
    req = ask(client, world).json()
    assert list(Notification.objects.values_list("recipient", flat=True)) == ["chu-quan@so.gov.vn"]
    call(client, "post", f"/requests/{req['id']}/refuse", world["author"], {"reason": "Chưa đủ"})
    last = Notification.objects.order_by("-pk").first()
    assert last.recipient == "de-nghi@so.gov.vn" and "Chưa đủ" in last.body


def test_a_grantees_search_costs_the_same_queries_however_many_grants(client, world):
    clerk = officer(Role.CLERK, world["partner"])
    key = {"HTTP_AUTHORIZATION": token(clerk)}
    params = {"include_private": "true", "rows": 100, "facet.field": '["tags", "organization"]'}

    def grant(n):
        for _ in range(n):
            ds = dataset(
                world["author"],
                world["owner"],
                f"kin-{AccessGrant.objects.count()}",
                private=True,
                resources=[{"url": "https://noi-bo.vn/x.csv"}],
            )
            req = sharing.request_create(actor=world["asker"], dataset=str(ds.pk), purpose="x")
            sharing.request_approve(actor=world["author"], request_id=req.pk)

    grant(1)
    client.get("/api/3/action/package_search", params, **key)
    with CaptureQueriesContext(connection) as few:
        body = client.get("/api/3/action/package_search", params, **key).json()["result"]
    assert body["count"] == 1 and body["results"][0]["resources"][0]["url"]
    grant(5)
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/3/action/package_search", params, **key).json()["result"]
    assert body["count"] == 6 and all(r["resources"][0]["url"] for r in body["results"])
    assert len(few) == len(many)
