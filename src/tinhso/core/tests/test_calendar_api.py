"""GET /api/v1/calendar/due: public, explained, and strict about its input."""

from __future__ import annotations

from datetime import date

import pytest

from tinhso.core.models import CalendarDay

URL = "/api/v1/calendar/due"

pytestmark = pytest.mark.django_db


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_anyone_can_compute_a_due_date_with_its_explanation(client):
    response = client.get(URL, {"start": "2025-04-25T20:00:00+07:00", "working_days": "3"})
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2025-04-25T20:00:00+07:00"
    assert body["counting_from"] == "2025-04-26T07:00:00+07:00"
    assert body["due"] == "2025-04-29T17:00:00+07:00"
    assert body["working_days"] == 3
    assert body["working_hours"] is None
    assert body["province"] == "38"
    assert body["explanation"]["skipped"] == [
        {"date": "2025-04-27", "reason": "Chủ nhật", "kind": "weekend"}
    ]
    assert body["explanation"]["extra_working_days"][0]["date"] == "2025-04-26"
    assert "Hạn trả kết quả: 17:00 ngày 29/04/2025." in body["explanation"]["text"]


def test_working_hours_and_a_utc_start_answer_in_vietnam_time(client):
    response = client.get(URL, {"start": "2025-03-14T09:00:00Z", "working_hours": "4"})
    assert response.status_code == 200
    body = response.json()
    assert body["start"] == "2025-03-14T16:00:00+07:00"
    assert body["due"] == "2025-03-17T10:00:00+07:00"
    assert body["working_hours"] == 4


def test_tet_holidays_are_named_in_the_explanation(client):
    body = client.get(URL, {"start": "2025-01-24T15:00:00+07:00", "working_days": "2"}).json()
    assert body["due"] == "2025-02-04T15:00:00+07:00"
    reasons = {d["date"]: d["reason"] for d in body["explanation"]["skipped"]}
    assert reasons["2025-01-29"] == "Tết Nguyên Đán"


def test_an_unencoded_plus_in_the_offset_is_understood(client):
    response = client.get(f"{URL}?start=2025-04-25T20:00:00+07:00&working_days=1")
    assert response.status_code == 200
    assert response.json()["due"] == "2025-04-26T17:00:00+07:00"


def test_province_days_off_are_used(client):
    CalendarDay.objects.create(province_code="38", date=date(2025, 3, 18), kind="off",
                               reason="Nghỉ lễ hội Lam Kinh")
    params = {"start": "2025-03-17T20:00:00+07:00", "working_days": "1"}
    assert client.get(URL, params).json()["due"] == "2025-03-19T17:00:00+07:00"
    other = client.get(URL, {**params, "province": "01"}).json()
    assert other["due"] == "2025-03-18T17:00:00+07:00"
    assert other["province"] == "01"


@pytest.mark.parametrize(
    ("start", "message_part"),
    [("2025-04-25T20:00:00", "múi giờ"), ("hôm qua", "ISO 8601"), ("2025-02-30T08:00+07:00", "")],
)
def test_bad_or_naive_start_is_a_422_naming_start(client, start, message_part):
    response = client.get(URL, {"start": start, "working_days": "1"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert fields(response) == {"start"}
    assert message_part in response.json()["errors"][0]["message"]


def test_missing_start_is_a_422_naming_start(client):
    response = client.get(URL, {"working_days": "1"})
    assert response.status_code == 422
    assert fields(response) == {"start"}


def test_start_outside_the_calendar_years_is_a_422(client):
    response = client.get(URL, {"start": "1990-01-02T08:00:00+07:00", "working_days": "1"})
    assert response.status_code == 422
    assert fields(response) == {"start"}


@pytest.mark.parametrize(
    "params",
    [{}, {"working_days": "1", "working_hours": "8"}],
    ids=["neither", "both"],
)
def test_exactly_one_duration_is_required(client, params):
    response = client.get(URL, {"start": "2025-03-17T08:00:00+07:00", **params})
    assert response.status_code == 422
    assert fields(response) == {"working_days", "working_hours"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("working_days", "-1"), ("working_days", "0"), ("working_days", "3651"),
     ("working_days", "abc"), ("working_days", "1e999999"), ("working_hours", "-0.5"),
     ("working_hours", "29201"), ("working_hours", "NaN")],
)
def test_negative_zero_absurd_or_non_numeric_durations_are_a_422(client, name, value):
    response = client.get(URL, {"start": "2025-03-17T08:00:00+07:00", name: value})
    assert response.status_code == 422
    assert fields(response) == {name}


def test_fractional_days_are_allowed(client):
    response = client.get(URL, {"start": "2025-03-17T08:00:00+07:00", "working_days": "0.5"})
    assert response.status_code == 200
    assert response.json()["due"] == "2025-03-17T14:00:00+07:00"


def test_bad_province_code_is_a_422(client):
    response = client.get(URL, {"start": "2025-03-17T08:00:00+07:00", "working_days": "1",
                                "province": "../x"})
    assert response.status_code == 422
    assert fields(response) == {"province"}


def test_the_endpoint_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/calendar/due"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"start", "working_days", "working_hours", "province"} <= names
    assert "security" not in operation or operation["security"] == []
