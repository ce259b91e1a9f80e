"""The API for entered figures and targets: scoped to the caller's agency, errors naming the
field, and a constant number of queries per page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.models import User
from tinhso.indicators import services
from tinhso.indicators.models import Entry, EntryRevision
from tinhso.indicators.tests.province import AT, Province, enter, make_province
from tinhso.onestop.tests.world import PDF

pytestmark = pytest.mark.django_db
URL = "/api/v1/indicators"


@pytest.fixture
def p(db, media):
    return make_province()


def _as(client, user: User):
    client.force_login(user)
    return client


def _pdf(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _post_entry(client, **fields):
    data = {"indicator": "entered.einvoice_rate", "unit": "38", "period": "2025",
            "numerator": "850", "denominator": "1000", "note": "Theo báo cáo", "files": [_pdf()],
            **fields}
    return client.post(f"{URL}/entries", data)


def test_an_agency_enters_a_figure_with_evidence_and_the_reviewer_verifies_it(client, p):
    response = _post_entry(_as(client, p.tax_officer))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["revision"], body["agency"], body["verified"]) == (
        "submitted", 1, p.tax.code, None)
    assert body["latest"]["rate"] == 85.0
    assert [e["name"] for e in body["evidence"]] == ["bien-ban.pdf"]
    public = client.get(f"{URL}/entered.einvoice_rate/values", {"period": "2025"}).json()
    assert public["value"] is None

    _as(client, p.reviewer)
    verified = client.post(f"{URL}/entries/{body['id']}/verify", {"revision": 1},
                           content_type="application/json")
    assert verified.status_code == 200
    assert verified.json()["verified"]["reviewed_by"] == "Lê Thẩm Định"
    public = client.get(f"{URL}/entered.einvoice_rate/values", {"period": "2025"}).json()
    assert (public["value"], public["numerator"], public["denominator"]) == (85.0, 850, 1000)
    download = client.get(f"{URL}/entries/{body['id']}/evidence/{body['evidence'][0]['id']}")
    assert download.status_code == 200 and download.content == PDF


def test_a_revision_through_the_api_keeps_the_history(client, p):
    entry = enter(p)
    _as(client, p.tax_officer)
    response = client.post(f"{URL}/entries/{entry.pk}/revisions",
                           {"revision": "1", "numerator": "900", "denominator": "1000",
                            "files": [_pdf("bo-sung.pdf")]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [(h["number"], h["numerator"]) for h in body["history"]] == [(1, 850), (2, 900)]
    assert [(e["name"], e["revision"]) for e in body["evidence"]] == [("bien-ban.pdf", 1),
                                                                      ("bo-sung.pdf", 2)]
    stale = client.post(f"{URL}/entries/{entry.pk}/revisions",
                        {"revision": "1", "numerator": "1", "denominator": "2"})
    assert stale.status_code == 409


def test_one_agency_cannot_see_or_touch_anothers_entries(client, p):
    entry = enter(p)
    _as(client, p.science_officer)
    assert client.get(f"{URL}/entries").json()["count"] == 0
    assert client.get(f"{URL}/entries/{entry.pk}").status_code == 404
    assert client.get(f"{URL}/entries/{entry.pk}/evidence/1").status_code == 404
    revise = client.post(f"{URL}/entries/{entry.pk}/revisions",
                         {"revision": "1", "numerator": "1", "denominator": "2"})
    assert revise.status_code == 404
    assert client.post(f"{URL}/entries/{entry.pk}/verify", {"revision": 1},
                       content_type="application/json").status_code == 404
    # Entering on its behalf is refused outright.
    forged = _post_entry(client, agency=p.tax.code)
    assert forged.status_code == 403
    assert EntryRevision.objects.count() == 1
    # The tax office itself and the reviewer see it.
    assert _as(client, p.tax_officer).get(f"{URL}/entries").json()["count"] == 1
    assert _as(client, p.reviewer).get(f"{URL}/entries").json()["count"] == 1


def test_an_observer_reads_targets_but_sees_no_entries_and_writes_nothing(client, p):
    enter(p)
    _as(client, p.observer)
    assert client.get(f"{URL}/entries").json()["count"] == 0
    assert _post_entry(client, agency=p.tax.code).status_code == 403
    assert client.get(f"{URL}/targets", {"year": 2025}).status_code == 200
    assert client.post(f"{URL}/locks", {"year": 2025},
                       content_type="application/json").status_code == 403


@pytest.mark.parametrize(("fields", "field"), [
    ({"numerator": "1200"}, "numerator"),
    ({"denominator": "0"}, "denominator"),
    ({"denominator": ""}, "denominator"),
    ({"period": "2025-Q5"}, "period"),
    ({"unit": "xyz"}, "unit"),
    ({"indicator": "no.such"}, "indicator"),
    ({"files": []}, "files"),
    ({"files": [SimpleUploadedFile("a.txt", b"hello")]}, "files"),
    ({"agency": "000.00.00.X00"}, "agency"),
])
def test_bad_input_is_a_422_naming_the_field(client, p, fields, field):
    response = _post_entry(_as(client, p.tax_officer), **fields)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Entry.objects.exists()


def test_reject_needs_a_reason(client, p):
    entry = enter(p)
    _as(client, p.reviewer)
    response = client.post(f"{URL}/entries/{entry.pk}/reject", {"revision": 1},
                           content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    response = client.post(f"{URL}/entries/{entry.pk}/reject",
                           {"revision": 1, "reason": "Thiếu minh chứng"},
                           content_type="application/json")
    assert response.json()["latest"]["reason"] == "Thiếu minh chứng"
    assert response.json()["status"] == "rejected"


def _entries(p: Province, n: int, start: int = 1) -> None:
    for month in range(start, start + n):
        entry = enter(p, period=f"2025-{month:02d}")
        services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_entry_list_costs_the_same_queries_whatever_its_length(client, p):
    _entries(p, 2)
    _as(client, p.reviewer)
    few = _queries(client, f"{URL}/entries", {"page_size": 50})
    _entries(p, 6, start=3)
    many = _queries(client, f"{URL}/entries", {"page_size": 50})
    assert few == many
    page = client.get(f"{URL}/entries", {"page_size": 3, "page": 2}).json()
    assert (page["count"], page["num_pages"], len(page["results"])) == (8, 3, 3)


def test_the_target_list_costs_the_same_queries_for_more_entered_targets(client, p):
    def decide(number: str, units: list[str]) -> None:
        services.target_decision_create(
            actor=p.reviewer, agency=p.science, number=number, date=dt.date(2025, 1, 5),
            title="Giao chỉ tiêu", at=AT,
            targets=[{"indicator": "entered.einvoice_rate", "unit": u, "year": 2025,
                      "comparator": "gte", "value": 80} for u in units])

    decide("1/QĐ-UBND", ["38", "16100"])
    _as(client, p.observer)
    few = _queries(client, f"{URL}/targets", {"year": 2025})
    decide("2/QĐ-UBND", ["380", "16001", "16002"])
    many = _queries(client, f"{URL}/targets", {"year": 2025})
    assert few == many
    body = client.get(f"{URL}/targets", {"year": 2025, "page_size": 2}).json()
    assert (body["count"], body["num_pages"], len(body["results"])) == (5, 3, 2)


def test_the_targets_of_a_commune_include_its_former_district(client, p):
    _as(client, p.reviewer)
    response = client.post(f"{URL}/targets/decisions", {
        "agency": p.science.code, "number": "969/QĐ-UBND", "date": "2024-01-15",
        "title": "Giao chỉ tiêu 2024",
        "targets": [{"indicator": "entered.einvoice_rate", "unit": "380", "year": 2024,
                     "comparator": "gte", "value": "80"}],
    }, content_type="application/json")
    assert response.status_code == 201, response.json()
    entry = enter(p, unit="380", period="2024", numerator=70, denominator=100)
    services.entry_verify(actor=p.reviewer, entry=entry, revision=1, at=AT)
    body = client.get(f"{URL}/targets", {"year": 2024, "unit": "16100"}).json()
    [row] = body["results"]
    assert (row["unit"], row["via"], row["actual"], row["gap"], row["status"]) == (
        "380", "380", 70.0, 10.0, "red")
    summary = client.get(f"{URL}/targets/summary", {"year": 2024}).json()
    assert summary["total"]["red"] == 1 and summary["by_level"]["district"]["total"] == 1


def test_a_bad_target_names_its_field(client, p):
    _as(client, p.reviewer)
    response = client.post(f"{URL}/targets/decisions", {
        "agency": p.science.code, "number": "1/QĐ", "date": "2025-01-15", "title": "x",
        "targets": [{"indicator": "onestop.online_rate", "unit": "38", "year": 2025,
                     "comparator": "gte", "value": "120"}],
    }, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "targets.0.value"
    response = client.get(f"{URL}/targets", {"year": 2025, "unit": "00000"})
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "unit")


def test_someone_without_indicator_rights_sees_no_targets(client, p):
    response = _as(client, p.science_officer).get(f"{URL}/targets", {"year": 2025})
    assert response.status_code == 403


HOSTILE = ["<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "\x00",
           "\u202egnal\u202c", "9" * 40, "x" * 5000, "NaN", "-Infinity", "1e400"]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("field", ["indicator", "unit", "period", "numerator", "denominator",
                                   "note", "agency"])
def test_hostile_entry_fields_get_a_4xx_and_write_nothing(client, p, field, text):
    response = _post_entry(_as(client, p.tax_officer), **{field: text})
    if field == "note" and text in ("' OR 1=1 --", "../../etc/passwd", "NaN", "-Infinity",
                                    "1e400", "9" * 40, "<script>alert(1)</script>"):
        assert response.status_code == 201  # plain text, kept as written
        return
    assert response.status_code in (403, 422), response.content
    assert not Entry.objects.exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_target_input_gets_a_4xx(client, p, text):
    _as(client, p.reviewer)
    for spec in ({"unit": text}, {"indicator": text}, {"comparator": text}, {"value": text}):
        target = {"indicator": "onestop.online_rate", "unit": "38", "year": 2026,
                  "comparator": "gte", "value": "90", **spec}
        response = client.post(f"{URL}/targets/decisions", {
            "agency": p.science.code, "number": "1/QĐ", "date": "2026-01-05", "title": "x",
            "targets": [target]}, content_type="application/json")
        assert response.status_code == 422, (spec, response.content)
    response = client.get(f"{URL}/targets", {"year": 2026, "unit": text})
    assert response.status_code == 422
