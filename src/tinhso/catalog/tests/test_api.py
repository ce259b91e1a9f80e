from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from tinhso.catalog.services import procedure_update
from tinhso.catalog.tests.factories import make_agency, make_procedure, make_user, record
from tinhso.directory.models import Role

pytestmark = pytest.mark.django_db
BASE = "/api/v1/procedures"


def test_the_list_is_public_paginated_and_shaped(client: Client) -> None:
    agency = make_agency("UBND phường Hạc Thành")
    make_procedure(agency)
    body = client.get(BASE, {"q": "dang ky khai sinh"}).json()
    assert body["count"] == 1 and body["page"] == 1 and body["page_size"] == 20
    item = body["results"][0]
    assert item["code"] == "1.001193"
    assert item["agency"] == {"code": agency.code, "name": "UBND phường Hạc Thành"}
    assert item["online_level"] == "full"
    assert item["deadline"] == {"value": 1, "unit": "day", "note": ""}


def test_a_page_size_over_a_hundred_is_refused_naming_the_field(client: Client) -> None:
    response = client.get(BASE, {"page_size": 500})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "page_size"


def test_an_unknown_level_is_refused_naming_the_field(client: Client) -> None:
    response = client.get(BASE, {"level": "mức 9"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "level"


def test_the_detail_has_documents_and_fees(client: Client) -> None:
    make_procedure(make_agency())
    body = client.get(f"{BASE}/1.001193").json()
    assert body["name"] == "Đăng ký khai sinh" and body["is_current"] is True
    assert body["required_documents"][0] == {
        "name": "Tờ khai đăng ký khai sinh", "mandatory": True, "file_types": ["pdf", "docx"],
        "copies": 1,
    }
    assert body["fees"] == [{"amount": 8000, "currency": "VND", "description": "Bản sao trích lục"}]


def test_an_unknown_code_is_a_404_problem(client: Client) -> None:
    response = client.get(f"{BASE}/1.999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_malformed_code_is_a_422_naming_code(client: Client) -> None:
    for path in (f"{BASE}/abc", f"{BASE}/1.00119/versions", f"{BASE}/1.2/versions/1"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["errors"][0]["field"] == "code"


def test_versions_are_listed_and_readable_one_by_one(client: Client) -> None:
    agency = make_agency()
    make_procedure(agency, effective_from="2025-01-01")
    procedure_update(actor=None, code="1.001193",
                     data=record(agency, deadline_value=2, effective_from="2025-07-01"))
    procedure_update(actor=None, code="1.001193", data=record(
        agency, deadline_value=3, effective_from=str(timezone.localdate() + dt.timedelta(days=9))))

    versions = client.get(f"{BASE}/1.001193/versions").json()
    assert [(v["number"], v["is_current"]) for v in versions] == [(2, True), (1, False)]
    old = client.get(f"{BASE}/1.001193/versions/1").json()
    assert old["deadline"]["value"] == 1 and old["is_current"] is False
    assert client.get(f"{BASE}/1.001193/versions/3").status_code == 404


def test_import_needs_a_signed_in_user_with_the_permission(client: Client) -> None:
    agency = make_agency()
    payload = json.dumps([record(agency)])
    url = f"{BASE}/import?format=json"
    assert client.post(url, payload, content_type="application/json").status_code == 401
    client.force_login(make_user(Role.AGENCY_ADMIN, agency))
    response = client.post(url, payload, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["status"] == 403


def test_import_answers_422_with_row_errors_and_writes_nothing(client: Client) -> None:
    agency = make_agency()
    client.force_login(make_user(Role.PROVINCE_ADMIN))
    payload = json.dumps([record(agency), record(agency, code="x", online_level="")])
    response = client.post(f"{BASE}/import", payload, content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["row"], e["field"]) for e in errors} == {(2, "code"), (2, "online_level")}
    assert client.get(f"{BASE}/1.001193").status_code == 404


def test_import_of_an_uploaded_csv_then_export_both_formats(client: Client) -> None:
    agency = make_agency()
    client.force_login(make_user(Role.PROVINCE_ADMIN))
    csv_text = ("code,name,field,agency_code,online_level,government_level,fees\n"
                f"1.001193,Đăng ký khai sinh,Hộ tịch,{agency.code},toàn trình,xã,"
                '"[{""amount"": 0, ""description"": ""Miễn""}]"\n')
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("thu-tuc.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(f"{BASE}/import", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "versioned": 0, "unchanged": 0, "total": 1}

    exported = client.get(f"{BASE}/export", {"format": "json"}).json()["procedures"]
    assert exported[0]["code"] == "1.001193" and exported[0]["online_level"] == "full"
    assert exported[0]["fees"] == [{"amount": 0, "description": "Miễn"}]
    csv_out = client.get(f"{BASE}/export", {"format": "csv"})
    assert csv_out["Content-Type"].startswith("text/csv")
    assert "1.001193,Đăng ký khai sinh" in csv_out.content.decode()


def test_an_oversize_upload_is_refused_before_it_is_read(client: Client, monkeypatch) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    monkeypatch.setattr("tinhso.catalog.api.MAX_BYTES", 1024)
    client.force_login(make_user(Role.PROVINCE_ADMIN))
    upload = SimpleUploadedFile("lon.csv", b"code,name\n" + b"x" * 4096, content_type="text/csv")
    response = client.post(f"{BASE}/import", {"file": upload})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"


def test_a_binary_file_named_csv_is_refused_naming_the_file(client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_user(Role.PROVINCE_ADMIN))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01"
    upload = SimpleUploadedFile("anh.csv", png, content_type="text/csv")
    response = client.post(f"{BASE}/import", {"file": upload})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert client.get(BASE).json()["count"] == 0
