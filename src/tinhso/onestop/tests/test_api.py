"""The one-stop API through HTTP: submission with files and an idempotency key, a dossier's
whole life driven through the actions endpoint by the officers whose turn it is, refusals
(403, 404, 409, 422), public tracking without personal data, statistics, file downloads,
slips and the list's query count."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import UserFactory, officer
from tinhso.accounts.tokens import token_create
from tinhso.core.models import AuditEvent
from tinhso.directory.models import Role
from tinhso.onestop.models import Dossier
from tinhso.onestop.services import RATING_INDICATORS
from tinhso.onestop.tests.world import JPEG, PDF, TZ, citizen_id, make_world

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

URL = "/api/v1/dossiers"


def bearer(user: User) -> dict[str, str]:
    _token, raw = token_create(user=user)
    return {"Authorization": f"Bearer {raw}"}


def upload(name: str = "to-khai.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def form(w, **extra):
    data = {"procedure_code": w.version.procedure.code}
    for doc in w.documents:
        if doc.is_mandatory:
            data[f"doc_{doc.pk}"] = upload(f"giay-to-{doc.position}.pdf")
    data.update(extra)
    return data


def create(client, w, user=None, key: str = "", **extra):
    headers = bearer(user or w.citizen)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(URL, data=form(w, **extra), headers=headers)


def act(client, user, code, action, **payload):
    return client.post(f"{URL}/{code}/actions", data={"action": action, **payload},
                       content_type="application/json", headers=bearer(user))


def fields_of(response) -> set[str]:
    return {e["field"] for e in response.json().get("errors") or []}


# --- submission -----------------------------------------------------------------------------


def test_a_citizen_submits_online_with_files_and_a_retry_makes_one_dossier(client):
    w = make_world()
    first = create(client, w, key="lan-1-abc",
                   form_data=json.dumps({"muc_dich": "Xin việc"}),
                   applicant_name="Tên Giả Mạo", applicant_id_number="038099999999")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == {"code": 1, "label": "Mới nộp, chờ tiếp nhận", "dvcqg": "receiving"}
    assert body["channel"]["code"] == 2
    assert body["procedure"]["code"] == w.version.procedure.code
    assert body["receiving_agency"]["code"] == w.centre.code
    assert body["fee_total"] == 50_000
    # The applicant's identity comes from the account, not from the form.
    assert body["applicant"]["name"] == "Nguyễn Văn Công"
    assert body["applicant"]["id_number"] == w.citizen.citizen_id
    assert len(body["files"]) == 2
    assert all(len(f["sha256"]) == 64 and f["size"] == len(PDF) for f in body["files"])
    assert {a["name"] for a in body["allowed_actions"]} == {"withdraw"}

    again = create(client, w, key="lan-1-abc")
    assert again.status_code == 200
    assert again.json()["code"] == body["code"]
    assert Dossier.objects.count() == 1


def test_an_online_submission_costs_a_fixed_small_number_of_queries(client):
    """Token, idempotency key, receiving desk, then one transaction (code, dossier, event,
    audit, two rollups, outbox, files, e-mail) and the caller's grants: the catalog comes from
    the process's cache and the answer is built from what was written, not read back."""
    w = make_world()
    create(client, w, key="warm-up")  # the catalog cache is filled once per process
    data, headers = form(w), {**bearer(w.citizen), "Idempotency-Key": "counted"}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, data=data, headers=headers)
    assert response.status_code == 201
    body = response.json()
    assert [h["action"] for h in body["history"]] == ["submit"] and len(body["files"]) == 2
    statements = [q["sql"] for q in queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    assert len(statements) <= 16, "\n".join(q[:120] for q in statements)
    if connection.vendor == "postgresql":  # one round trip of rows (core.onetrip)
        assert sum(q.startswith('INSERT INTO "onestop_dossierfile"') for q in statements) == 1


def test_a_desk_officer_enters_an_in_person_dossier_which_is_received_at_once(client):
    w = make_world()
    response = create(client, w, user=w.desk, channel="1", applicant_name="Lê Thị Nộp",
                      applicant_id_number=citizen_id())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"]["code"] == 2
    assert body["due_at"] is not None
    assert body["applicant"]["name"] == "Lê Thị Nộp"
    assert [e["action"] for e in body["history"]] == ["submit", "receive"]
    assert "forward" in {a["name"] for a in body["allowed_actions"]}


def test_a_citizen_may_not_submit_in_person(client):
    w = make_world()
    response = create(client, w, channel="1")
    assert response.status_code == 403
    assert Dossier.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"procedure_code": "9.999999"}, "procedure_code"),
        ({"procedure_code": ""}, "procedure_code"),
        ({"channel": "7"}, "channel"),
        ({"form_data": "{not json"}, "form_data"),
        ({"form_data": "[1, 2]"}, "form_data"),
        ({"receiving_agency": "000.99.99.H99"}, "receiving_agency"),
        ({"unit": "nowhere"}, "unit"),
        ({"ghi_chu": upload()}, "ghi_chu"),
    ],
)
def test_bad_submissions_are_refused_naming_the_field_and_write_nothing(client, extra, field):
    w = make_world()
    response = create(client, w, **extra)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert field in fields_of(response)
    assert Dossier.objects.count() == 0


def test_a_missing_mandatory_document_is_refused(client):
    w = make_world()
    data = form(w)
    data.pop(f"doc_{w.documents[0].pk}")
    response = client.post(URL, data=data, headers=bearer(w.citizen))
    assert response.status_code == 422
    assert "files" in fields_of(response)
    assert w.documents[0].name in response.json()["detail"]


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_by_its_content(client):
    w = make_world()
    doc = w.documents[0]
    response = create(client, w, **{f"doc_{doc.pk}": upload("virus.pdf", b"MZ\x90\x00" * 50)})
    assert response.status_code == 422
    assert fields_of(response) == {f"doc_{doc.pk}"}
    assert "virus.pdf" in response.json()["detail"]


def test_a_too_big_file_is_a_422_naming_it_not_a_500(client, settings):
    settings.TINHSO_MAX_UPLOAD_BYTES = 1000
    w = make_world()
    doc = w.documents[1]
    big = upload("ban-chup-lon.jpg", JPEG + b"\x00" * 2000)
    response = create(client, w, **{f"doc_{doc.pk}": big})
    assert response.status_code == 422
    assert fields_of(response) == {f"doc_{doc.pk}"}
    assert "ban-chup-lon.jpg" in response.json()["detail"]
    assert Dossier.objects.count() == 0


def test_a_too_big_request_is_refused_before_it_is_read(client, settings):
    settings.TINHSO_MAX_REQUEST_BYTES = 2000
    w = make_world()
    doc = w.documents[1]
    response = create(client, w, **{f"doc_{doc.pk}": upload("lon.pdf", PDF + b"0" * 5000)})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Dossier.objects.count() == 0


def test_an_overlong_idempotency_key_is_refused(client):
    w = make_world()
    response = create(client, w, key="k" * 101)
    assert response.status_code == 422
    assert fields_of(response) == {"Idempotency-Key"}


def test_anonymous_callers_cannot_submit(client):
    w = make_world()
    assert client.post(URL, data=form(w)).status_code == 401


# --- the lifecycle through the actions endpoint ---------------------------------------------


def test_the_whole_life_of_a_dossier_through_the_actions_endpoint(client):
    w = make_world()
    code = create(client, w).json()["code"]

    r = act(client, w.desk, code, "receive", comment="Đủ thành phần", expected_revision=1)
    assert r.status_code == 200, r.content
    assert r.json()["status"]["code"] == 2 and r.json()["revision"] == 2
    r = act(client, w.desk, code, "forward")
    assert r.json()["current_role"] == Role.SPECIALIST
    assert {a["name"] for a in r.json()["allowed_actions"]} >= {"withdraw", "request_supplement"}

    # It is the specialist's turn: the leader may not approve yet.
    r = act(client, w.leader, code, "approve")
    assert r.status_code == 403
    r = act(client, w.specialist, code, "request_supplement", reason="Thiếu bản chụp rõ nét")
    assert r.json()["status"]["code"] == 5
    r = client.post(f"{URL}/{code}/actions", headers=bearer(w.citizen),
                    data={"action": "supply", "comment": "Gửi bản rõ hơn",
                          f"doc_{w.documents[1].pk}": upload("ban-chup-ro.pdf")})
    assert r.status_code == 200, r.content
    assert r.json()["status"]["code"] == 4
    assert any(f["kind"] == "supplement" for f in r.json()["files"])

    r = act(client, w.specialist, code, "forward", comment="Đề nghị duyệt")
    assert r.json()["current_role"] == Role.LEADER
    leader_view = client.get(f"{URL}/{code}", headers=bearer(w.leader)).json()
    assert {a["name"] for a in leader_view["allowed_actions"]} >= {"approve", "send_back",
                                                                   "stop"}
    r = client.post(f"{URL}/{code}/actions", headers=bearer(w.leader),
                    data={"action": "approve", "result": upload("ket-qua.pdf")})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"]["dvcqg"] == "releasing"
    assert body["timeliness"] in ("early", "on_time")
    assert any(f["kind"] == "result" for f in body["files"])

    r = act(client, w.desk, code, "return_result")
    assert r.json()["status"]["code"] == 10
    r = act(client, w.citizen, code, "rate", scores=dict.fromkeys(RATING_INDICATORS, 2))
    assert r.status_code == 200, r.content
    assert r.json()["allowed_actions"] == []

    detail = client.get(f"{URL}/{code}", headers=bearer(w.citizen)).json()
    assert [e["action"] for e in detail["history"]] == [
        "submit", "receive", "forward", "request_supplement", "supply", "forward", "approve",
        "return_result"]
    assert [h["to_role"] for h in detail["handovers"]] == ["onestop", "specialist", "leader",
                                                          "onestop"]
    assert all(h["done_at"] for h in detail["handovers"])


def test_an_inter_agency_step_is_done_by_the_partner_agency_through_the_endpoint(client):
    w = make_world(inter_agency=True)
    code = create(client, w).json()["code"]
    act(client, w.desk, code, "receive")
    act(client, w.desk, code, "forward")
    r = act(client, w.specialist, code, "forward")
    assert r.json()["current_agency"]["code"] == w.partner.code
    # The partner's specialist now sees it, acts, and gets the outcome of the action.
    assert client.get(f"{URL}/{code}", headers=bearer(w.partner_specialist)).status_code == 200
    r = act(client, w.partner_specialist, code, "forward", comment="Đã xác nhận")
    assert r.status_code == 200, r.content
    assert r.json()["current_role"] == Role.LEADER
    assert r.json()["current_agency"]["code"] == w.dept.code


def test_a_stale_expected_revision_is_a_409_with_the_current_state(client):
    w = make_world()
    code = create(client, w).json()["code"]
    assert act(client, w.desk, code, "receive", expected_revision=1).status_code == 200
    r = act(client, w.desk, code, "refuse", reason="Trùng hồ sơ", expected_revision=1)
    assert r.status_code == 409
    body = r.json()
    assert r["Content-Type"] == "application/problem+json"
    assert body["code"] == "conflict"
    assert body["revision"] == 2
    assert body["current_status"]["code"] == 2
    # The refusal is logged.
    assert AuditEvent.objects.filter(action="dossier.refused_action").exists()


def test_an_action_the_status_no_longer_allows_is_a_409(client):
    w = make_world()
    code = create(client, w).json()["code"]
    act(client, w.desk, code, "receive")
    r = act(client, w.desk, code, "receive")
    assert r.status_code == 409
    assert r.json()["current_status"]["code"] == 2


def test_another_agencys_officer_and_another_citizen_are_refused_with_403(client):
    w = make_world()
    other = make_world()
    code = create(client, w).json()["code"]
    r = act(client, other.desk, code, "receive")
    assert r.status_code == 403
    stranger = UserFactory(kind=User.Kind.CITIZEN, citizen_id=citizen_id())
    r = act(client, stranger, code, "withdraw", reason="Không muốn nữa")
    assert r.status_code == 403
    assert Dossier.objects.get(code=code).status == 1
    assert AuditEvent.objects.filter(action="dossier.refused_action").count() == 2


def test_bad_action_input_is_a_422_naming_the_field(client):
    w = make_world()
    code = create(client, w).json()["code"]
    r = act(client, w.desk, code, "teleport")
    assert r.status_code == 422 and fields_of(r) == {"action"}
    r = act(client, w.desk, code, "refuse")
    assert r.status_code == 422 and fields_of(r) == {"reason"}
    r = act(client, w.desk, code, "receive", expected_revision="hai")
    assert r.status_code == 422 and fields_of(r) == {"expected_revision"}
    r = client.post(f"{URL}/{code}/actions", data=b"{oops", content_type="application/json",
                    headers=bearer(w.desk))
    assert r.status_code == 422 and fields_of(r) == {"body"}


def test_an_unknown_or_invisible_dossier_is_a_404(client):
    w = make_world()
    code = create(client, w).json()["code"]
    stranger = UserFactory(kind=User.Kind.CITIZEN, citizen_id=citizen_id())
    assert client.get(f"{URL}/{code}", headers=bearer(stranger)).status_code == 404
    assert client.get(f"{URL}/{code}", headers=bearer(make_world().desk)).status_code == 404
    unknown = f"{w.centre.code}-250101-0999"
    assert client.get(f"{URL}/{unknown}", headers=bearer(w.desk)).status_code == 404
    assert act(client, w.desk, unknown, "receive").status_code == 404


def test_apology_draft_and_approval_through_the_endpoint(client):
    w = make_world()
    code = create(client, w).json()["code"]
    act(client, w.desk, code, "receive")
    act(client, w.desk, code, "forward")
    new_due = (dt.datetime.now(TZ) + dt.timedelta(days=30)).isoformat()
    r = act(client, w.specialist, code, "apology_draft", reason="Chờ xác minh", new_due_at=new_due)
    assert r.status_code == 200, r.content
    r = act(client, w.leader, code, "apology_approve")
    assert r.status_code == 200, r.content
    assert r.json()["promised_at"] is not None
    r = act(client, w.specialist, code, "apology_draft", reason="Lại trễ")
    assert r.status_code == 422 and fields_of(r) == {"new_due_at"}


# --- personal data --------------------------------------------------------------------------


def test_personal_data_only_for_those_who_handle_it_and_each_read_is_audited(client):
    w = make_world()
    code = create(client, w).json()["code"]
    before = AuditEvent.objects.filter(action="personal_data.view").count()
    desk = client.get(f"{URL}/{code}", headers=bearer(w.desk)).json()
    assert desk["applicant"]["id_number"] == w.citizen.citizen_id
    assert AuditEvent.objects.filter(action="personal_data.view").count() == before + 1

    observer = officer(Role.OBSERVER)  # province-wide, may look at figures and dossiers
    seen = client.get(f"{URL}/{code}", headers=bearer(observer))
    assert seen.status_code == 200
    assert seen.json()["applicant"] is None
    assert w.citizen.citizen_id not in seen.content.decode()
    assert AuditEvent.objects.filter(action="personal_data.view").count() == before + 1
    # The applicant reads their own without an audit entry.
    own = client.get(f"{URL}/{code}", headers=bearer(w.citizen)).json()
    assert own["applicant"]["name"] == "Nguyễn Văn Công"
    assert AuditEvent.objects.filter(action="personal_data.view").count() == before + 1


# --- public tracking ------------------------------------------------------------------------


def test_public_tracking_shows_the_progress_without_personal_data(client,
                                                                  django_assert_max_num_queries):
    w = make_world()
    code = create(client, w).json()["code"]
    act(client, w.desk, code, "receive", comment="Bình luận nội bộ của cán bộ")
    audits = AuditEvent.objects.count()
    with django_assert_max_num_queries(2):
        r = client.get(f"/api/v1/tracking/{code}")
    assert r.status_code == 200
    assert r["Cache-Control"] == "public, max-age=30"
    text = r.content.decode()
    body = r.json()
    assert body["status"] == 2
    assert [s["status"] for s in body["timeline"]] == [1, 2]
    for secret in ("Nguyễn Văn Công", w.citizen.citizen_id, "cong@example.vn",
                   "Bình luận nội bộ", "Lê Văn Tiếp"):
        assert secret not in text
    assert AuditEvent.objects.count() == audits


def test_tracking_an_unknown_code_is_404_and_a_malformed_one_422(client):
    w = make_world()
    assert client.get(f"/api/v1/tracking/{w.centre.code}-250101-0001").status_code == 404
    r = client.get("/api/v1/tracking/not-a-code")
    assert r.status_code == 422 and fields_of(r) == {"code"}


# --- files and slips ------------------------------------------------------------------------


def test_files_download_for_those_who_may_see_the_dossier_only(client):
    w = make_world()
    body = create(client, w).json()
    url = body["files"][0]["download_url"]
    assert url.startswith(f"{URL}/{body['code']}/files/")
    mine = client.get(url, headers=bearer(w.citizen))
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PDF
    assert "attachment" in mine["Content-Disposition"]
    assert client.get(url, headers=bearer(w.desk)).status_code == 200
    assert AuditEvent.objects.filter(action="dossier.file_read").count() == 1
    stranger = UserFactory(kind=User.Kind.CITIZEN, citizen_id=citizen_id())
    assert client.get(url, headers=bearer(stranger)).status_code == 404
    assert client.get(url, headers=bearer(make_world().desk)).status_code == 404
    assert client.get(url).status_code == 401
    other = create(client, make_world()).json()
    # A file id of another dossier is not reachable through this one.
    assert client.get(f"{URL}/{body['code']}/files/{other['files'][0]['id']}",
                      headers=bearer(w.citizen)).status_code == 404


def test_slips_print_as_pdf_for_the_desk_and_the_applicant(client):
    w = make_world()
    code = create(client, w).json()["code"]
    act(client, w.desk, code, "receive")
    r = client.get(f"{URL}/{code}/slips/receipt", headers=bearer(w.citizen))
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert client.get(f"{URL}/{code}/slips/receipt", headers=bearer(w.desk)).status_code == 200
    r = client.get(f"{URL}/{code}/slips/bogus", headers=bearer(w.desk))
    assert r.status_code == 422 and fields_of(r) == {"kind"}
    observer = officer(Role.OBSERVER)
    assert client.get(f"{URL}/{code}/slips/receipt",
                      headers=bearer(observer)).status_code == 403
    stranger = UserFactory(kind=User.Kind.CITIZEN, citizen_id=citizen_id())
    assert client.get(f"{URL}/{code}/slips/receipt",
                      headers=bearer(stranger)).status_code == 404


# --- list -----------------------------------------------------------------------------------


def test_the_list_shows_what_the_caller_may_see_with_filters(client):
    w = make_world()
    codes = [create(client, w).json()["code"] for _ in range(3)]
    act(client, w.desk, codes[0], "receive")
    mine = client.get(URL, headers=bearer(w.citizen)).json()
    assert mine["count"] == 3 and {d["code"] for d in mine["results"]} == set(codes)
    stranger = UserFactory(kind=User.Kind.CITIZEN, citizen_id=citizen_id())
    assert client.get(URL, headers=bearer(stranger)).json()["count"] == 0
    desk = client.get(URL, {"status": 1}, headers=bearer(w.desk)).json()
    assert {d["code"] for d in desk["results"]} == set(codes[1:])
    queue = client.get(URL, {"queue": "to_receive"}, headers=bearer(w.desk)).json()
    assert queue["count"] == 2
    one = client.get(URL, {"q": codes[2]}, headers=bearer(w.desk)).json()
    assert [d["code"] for d in one["results"]] == [codes[2]]
    paged = client.get(URL, {"page_size": 2, "page": 2}, headers=bearer(w.desk)).json()
    assert paged["num_pages"] == 2 and len(paged["results"]) == 1
    today = dt.datetime.now(TZ).date()
    later = client.get(URL, {"submitted_from": (today + dt.timedelta(days=1)).isoformat()},
                       headers=bearer(w.desk)).json()
    assert later["count"] == 0
    assert client.get(URL, {"agency": w.dept.code}, headers=bearer(w.desk)).json()["count"] == 3
    for bad in ({"page_size": 101}, {"queue": "lunch"}, {"submitted_from": "31/12/2025"},
                {"status": 11}):
        r = client.get(URL, bad, headers=bearer(w.desk))
        assert r.status_code == 422, bad
        assert fields_of(r) == set(bad)


def test_the_list_costs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    w = make_world()
    headers = bearer(w.desk)
    create(client, w)
    client.get(URL, headers=headers)  # warm up anything cached per process
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, headers=headers).json()["count"] == 1
    n = len(few)  # read now: each request clears the connection's query log
    assert n <= 5  # token, grants, count, page (+ the token's last-use stamp)
    for _ in range(15):
        create(client, w)
    with django_assert_max_num_queries(n):
        assert client.get(URL, headers=headers).json()["count"] == 16


# --- statistics -----------------------------------------------------------------------------


def test_statistics_match_what_happened(client):
    w = make_world()
    done, withdrawn, open_, refused = (create(client, w).json()["code"] for _ in range(4))
    for code in (done, withdrawn, open_):
        act(client, w.desk, code, "receive")
    act(client, w.desk, done, "forward")
    act(client, w.specialist, done, "forward")
    act(client, w.leader, done, "approve")
    act(client, w.citizen, withdrawn, "withdraw", reason="Đổi ý")
    act(client, w.desk, refused, "refuse", reason="Sai thủ tục")
    today = dt.datetime.now(TZ).date().isoformat()
    r = client.get("/api/v1/stats/dossiers", {"from": today, "to": today},
                   headers=bearer(w.leader))
    assert r.status_code == 200, r.content
    s = r.json()
    assert (s["from"], s["to"]) == (today, today)
    assert s["submitted"] == 4 and s["received"] == 3
    assert s["resolved"] == 1 and s["early"] + s["on_time"] == 1 and s["late"] == 0
    assert s["withdrawn"] == 1 and s["refused"] == 1 and s["in_progress"] == 1
    assert s["overdue"] == 0 and s["on_time_rate"] == 100.0
    assert s["by_channel"]["2"]["received"] == 3
    assert sum(v["received"] for v in s["by_online_level"].values()) == 3
    r = client.get("/api/v1/stats/dossiers", {"from": today, "to": today, "agency": w.dept.code},
                   headers=bearer(w.leader))
    assert r.json()["agency"] == w.dept.code and r.json()["received"] == 3


def test_statistics_refuse_bad_dates_and_callers_without_permission(client):
    w = make_world()
    url = "/api/v1/stats/dossiers"
    r = client.get(url, {"from": "2025-02-30", "to": "2025-03-01"}, headers=bearer(w.leader))
    assert r.status_code == 422 and fields_of(r) == {"from"}
    r = client.get(url, {"from": "2025-03-02", "to": "2025-03-01"}, headers=bearer(w.leader))
    assert r.status_code == 422 and fields_of(r) == {"to"}
    r = client.get(url, {"from": "2025-03-01", "to": "2025-03-01", "agency": "nope"},
                   headers=bearer(w.leader))
    assert r.status_code == 422 and fields_of(r) == {"agency"}
    r = client.get(url, {"from": "2025-03-01", "to": "2025-03-02"}, headers=bearer(w.citizen))
    assert r.status_code == 403
    r = client.get(url, {"from": "2025-03-01", "to": "2025-03-02", "agency": w.partner.code},
                   headers=bearer(w.leader))
    assert r.status_code == 403
