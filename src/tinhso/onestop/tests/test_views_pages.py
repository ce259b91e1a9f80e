"""The one-stop pages through Django's test client: public tracking, the officer's queues,
the dossier page and its actions, files and slips, with data made by the real services."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tinhso.accounts.models import User
from tinhso.accounts.tests.factories import UserFactory
from tinhso.onestop import services as s
from tinhso.onestop.models import Dossier, DossierFile, Rating
from tinhso.onestop.status import Status
from tinhso.onestop.tests.world import PDF, make_world, vn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _page(client, user, d):
    client.force_login(user)
    return client.get(reverse("onestop:dossier", args=[d.code]))


def _act(client, d, action, text="", **extra):
    d.refresh_from_db()
    data = {"action": action, "revision": d.revision, "text": text, **extra}
    return client.post(reverse("onestop:action", args=[d.code]), data)


# --- public tracking --------------------------------------------------------------------------


def test_tracking_shows_status_and_timeline_without_personal_data(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    r = client.get(f"/tra-cuu/{d.code}/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "Đã tiếp nhận" in html and "Mới nộp, chờ tiếp nhận" in html
    assert w.version.name in html and "06/03/2025" in html  # due in three working days
    assert "Nguyễn Văn Công" not in html and w.citizen.citizen_id not in html
    assert "cong@example.vn" not in html


def test_tracking_form_redirects_a_code_typed_in_lowercase_with_spaces(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    r = client.get("/tra-cuu/", {"code": f"  {d.code.lower()} "})
    assert r.status_code == 302 and r["Location"] == f"/tra-cuu/{d.code}/"


def test_a_malformed_code_is_a_form_error_and_an_unknown_code_is_not_found(client):
    r = client.get("/tra-cuu/", {"code": "abc"})
    assert r.status_code == 400
    assert "Mã hồ sơ không đúng dạng" in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()
    r = client.get("/tra-cuu/000.01.01.H56-250303-0042/")
    assert r.status_code == 404 and "Không tìm thấy hồ sơ" in r.content.decode()


# --- officer queues ---------------------------------------------------------------------------


def test_the_desk_sees_new_online_dossiers_to_receive_with_counts(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.desk)
    r = client.get("/xu-ly/")
    html = r.content.decode()
    assert r.status_code == 200
    assert d.code in html and "Nguyễn Văn Công" in html
    assert re.search(r'aria-current="page">Chờ tiếp nhận <span class="count">1</span>', html)


def _fill_queues(w, n):
    """`n` dossiers in each officer queue, relative to the real clock (the pages use it).
    Rows are written directly: only how many there are matters here, and the lifecycle tests
    walk dossiers through the services."""
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    start = Dossier.objects.count()
    kinds = [  # status, current agency, role, due, returned
        (Status.SUBMITTED, w.centre, "onestop", None, None),
        (Status.RECEIVED, w.centre, "onestop", dt.timedelta(hours=2), None),  # due soon
        (Status.PROCESSING, w.dept, "specialist", dt.timedelta(days=3), None),
        (Status.PROCESSING, w.dept, "specialist", -dt.timedelta(days=1), None),  # overdue
        (Status.PROCESSING, w.dept, "leader", dt.timedelta(days=2), None),
        (Status.RETURNED, w.centre, "onestop", -dt.timedelta(days=1), dt.timedelta(minutes=5)),
    ]
    rows = []
    for i in range(n):
        for k, (status, where, role, due, returned) in enumerate(kinds):
            seq = start + i * len(kinds) + k + 1
            rows.append(Dossier(
                code=f"{w.centre.code}-250303-{seq:05d}", province_code="38",
                procedure=w.version.procedure, version=w.version, channel=1, status=status,
                applicant_name=f"Người nộp {seq}", applicant_id_number=f"038190{seq:06d}",
                agency=w.dept, receiving_agency=w.centre, current_agency=where,
                current_role=role, submitted_at=now - dt.timedelta(days=2, minutes=seq),
                received_at=None if due is None else now - dt.timedelta(days=1),
                due_at=None if due is None else now + due + dt.timedelta(seconds=seq),
                returned_at=None if returned is None else now - returned,
            ))
    Dossier.objects.bulk_create(rows)


QUEUE_PAGES = [("desk", "/xu-ly/"), ("desk", "/xu-ly/cho-tiep-nhan/"),
               ("desk", "/xu-ly/cho-tiep-nhan/?page=2"), ("desk", "/xu-ly/dang-xu-ly/"),
               ("desk", "/xu-ly/sap-den-han/"), ("desk", "/xu-ly/qua-han/"),
               ("desk", "/xu-ly/tra-hom-nay/"), ("specialist", "/xu-ly/dang-xu-ly/"),
               ("specialist", "/xu-ly/qua-han/"), ("leader", "/xu-ly/cho-phe-duyet/"),
               ("desk", "/api/v1/dossiers?queue=overdue&page_size=50"),
               ("specialist", "/api/v1/dossiers?queue=to_process&page_size=50")]


def _queries_per_page(client, w):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for who, path in QUEUE_PAGES:
        client.force_login(getattr(w, who))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200, path
        counts[who, path] = len(queries.captured_queries)
    return counts


def test_every_queue_page_costs_the_same_queries_for_six_or_sixty_dossiers_a_queue(client):
    w = make_world()
    _fill_queues(w, 6)
    few = _queries_per_page(client, w)
    _fill_queues(w, 54)
    assert _queries_per_page(client, w) == few
    client.force_login(w.desk)
    html = client.get("/xu-ly/cho-tiep-nhan/").content.decode()
    assert html.count('name="dossier"') == 50  # 50 a page, the other 10 on page 2
    assert re.search(r'aria-current="page">Chờ tiếp nhận <span class="count">60</span>', html)
    assert client.get("/xu-ly/cho-tiep-nhan/?page=2").content.decode().count(
        'name="dossier"') == 10


def test_the_queue_pages_list_by_due_time_across_pages(client):
    w = make_world()
    _fill_queues(w, 60)
    client.force_login(w.specialist)
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/xu-ly/dang-xu-ly/?page={page}").content.decode()
        shown += re.findall(r'class="code" href="[^"]+">([^<]+)<', html)
    expected = [d.code for d in Dossier.objects.filter(
        current_agency=w.dept, current_role="specialist", status=Status.PROCESSING)
        .order_by("due_at", "submitted_at", "pk")]
    assert shown == expected and len(shown) == 120


def test_a_queue_longer_than_the_count_cap_says_so(client, monkeypatch):
    from tinhso.onestop import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    w = make_world()
    _fill_queues(w, 7)
    client.force_login(w.desk)
    html = client.get("/xu-ly/cho-tiep-nhan/").content.decode()
    assert re.search(r'aria-current="page">Chờ tiếp nhận <span class="count">5\+</span>', html)
    assert "Hơn 5 hồ sơ" in html and html.count('name="dossier"') == 5


def test_overdue_dossiers_are_marked_in_words_not_only_colour(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    client.force_login(w.desk)
    html = client.get("/xu-ly/qua-han/").content.decode()
    assert d.code in html and "Quá hạn" in html and 'class="is-late"' in html


def test_citizens_may_not_open_the_workspace(client):
    w = make_world()
    client.force_login(w.citizen)
    assert client.get("/xu-ly/").status_code == 403
    assert client.get("/xu-ly/khong-co/").status_code in (403, 404)


def test_bulk_receive_takes_each_dossier_and_reports_the_ones_someone_else_took(client):
    w = make_world()
    a = w.submit_online(vn(2025, 3, 3, 8, 0))
    b = w.submit_online(vn(2025, 3, 3, 8, 5))
    client.force_login(w.desk)
    stale_b = f"{b.code}|{b.revision}"
    s.dossier_receive(dossier=b, actor=w.desk)  # another desk officer was quicker
    r = client.post("/xu-ly/tiep-nhan/", {"dossier": [f"{a.code}|{a.revision}", stale_b]},
                    follow=True)
    html = r.content.decode()
    assert "Đã tiếp nhận 1 hồ sơ" in html and a.code in html
    assert "1 hồ sơ đã được người khác xử lý, vui lòng tải lại" in html
    assert Dossier.objects.get(pk=a.pk).status == Status.RECEIVED


# --- the dossier page and its actions ---------------------------------------------------------


def test_an_officer_walks_a_dossier_from_receipt_to_returned_result(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    html = _page(client, w.desk, d).content.decode()
    assert "Tiếp nhận hồ sơ" in html and "Từ chối tiếp nhận" in html
    assert _act(client, d, "receive", "Đủ giấy tờ").status_code == 302
    assert _act(client, d, "forward").status_code == 302
    client.force_login(w.specialist)
    assert _act(client, d, "forward", "Đủ điều kiện").status_code == 302
    client.force_login(w.leader)
    html = client.get(reverse("onestop:dossier", args=[d.code])).content.decode()
    assert "Phê duyệt kết quả" in html
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = _act(client, d, "approve", result=SimpleUploadedFile("kq.pdf", PDF, "application/pdf"))
    assert r.status_code == 302
    client.force_login(w.desk)
    r = client.post(reverse("onestop:action", args=[d.code]),
                    {"action": "return_result", "revision": Dossier.objects.get(pk=d.pk).revision},
                    follow=True)
    html = r.content.decode()
    assert "Đã thực hiện: Trả kết quả." in html and "Đã trả kết quả" in html
    assert "Phiếu kiểm soát quá trình giải quyết" in html
    assert Dossier.objects.get(pk=d.pk).status == Status.RETURNED


def test_acting_on_a_dossier_someone_else_moved_shows_a_conflict(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.desk)
    stale = d.revision
    s.dossier_receive(dossier=d, actor=w.desk)
    r = client.post(reverse("onestop:action", args=[d.code]),
                    {"action": "request_supplement", "revision": stale, "text": "Thiếu bản chụp"})
    assert r.status_code == 409
    assert "Hồ sơ đã được người khác xử lý, vui lòng tải lại" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == Status.RECEIVED


def test_a_refusal_without_reason_is_shown_next_to_the_reason_box(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.desk)
    r = _act(client, d, "refuse", "")
    html = r.content.decode()
    assert r.status_code == 422
    assert "Cần nhập nội dung này." in html and 'aria-invalid="true"' in html
    assert html.count("<title>Lỗi:") == 1
    assert Dossier.objects.get(pk=d.pk).status == Status.SUBMITTED


def test_an_action_the_user_may_not_take_is_forbidden(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.citizen)
    r = _act(client, d, "receive")
    assert r.status_code == 403 and "Không có quyền truy cập" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).status == Status.SUBMITTED


def test_other_people_cannot_see_a_dossier_or_its_files(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    f = DossierFile.objects.filter(dossier=d).first()
    url = reverse("onestop:file", args=[d.code, f.pk])
    assert client.get(url).status_code == 302  # to the login page
    stranger = UserFactory(kind=User.Kind.CITIZEN)
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(reverse("onestop:dossier", args=[d.code])).status_code == 404
    client.force_login(w.citizen)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Disposition"].startswith("attachment")


def test_the_applicant_supplies_what_was_asked_and_sees_the_reason(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    s.dossier_request_supplement(dossier=d, actor=w.desk, reason="Thiếu bản chụp căn cước",
                                 at=vn(2025, 3, 3, 10, 0))
    html = _page(client, w.citizen, d).content.decode()
    assert "Thiếu bản chụp căn cước" in html and "Gửi bổ sung" in html
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = _act(client, d, "supply", "Gửi bản chụp",
             files=[SimpleUploadedFile("cccd.pdf", PDF, "application/pdf")])
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == Status.RECEIVED
    assert d.files.filter(kind=DossierFile.Kind.SUPPLEMENT).count() == 1


def test_the_applicant_withdraws_with_a_reason(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.citizen)
    assert _act(client, d, "withdraw", "Nộp nhầm thủ tục").status_code == 302
    assert Dossier.objects.get(pk=d.pk).status == Status.WITHDRAWN


def test_the_applicant_rates_a_returned_dossier_once(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    d = s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    d = s.dossier_forward(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 30))
    d = s.dossier_forward(dossier=d, actor=w.specialist, at=vn(2025, 3, 3, 10, 0))
    d = s.dossier_approve(dossier=d, actor=w.leader, at=vn(2025, 3, 4, 8, 0))
    d = s.dossier_return_result(dossier=d, actor=w.desk, at=vn(2025, 3, 4, 9, 0))
    html = _page(client, w.citizen, d).content.decode()
    assert html.count('type="radio"') == 27
    scores = {f"score_{code}": "2" for code in s.RATING_INDICATORS}
    scores["score_fees"] = "1"
    assert _act(client, d, "rate", "Nhanh", **scores).status_code == 302
    assert Rating.objects.get(dossier=d).total == 17
    html = client.get(reverse("onestop:dossier", args=[d.code])).content.decode()
    assert 'value="rate"' not in html and "Tổng điểm: 17/18." in html


def test_the_applicant_prints_the_receipt_but_not_the_control_slip(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    s.dossier_receive(dossier=d, actor=w.desk, at=vn(2025, 3, 3, 9, 0))
    client.force_login(w.citizen)
    r = client.get(reverse("onestop:slip", args=[d.code, "receipt"]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert client.get(reverse("onestop:slip", args=[d.code, "control"])).status_code == 403
    client.force_login(w.desk)
    assert client.get(reverse("onestop:slip", args=[d.code, "control"])).status_code == 200
    assert client.get(reverse("onestop:slip", args=[d.code, "refusal"])).status_code == 404


def test_my_dossiers_lists_the_applicants_own_with_status(client):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    other = make_world()
    o = other.submit_online(vn(2025, 3, 3, 8, 0))
    client.force_login(w.citizen)
    html = client.get("/ho-so/").content.decode()
    assert d.code in html and o.code not in html and "Mới nộp, chờ tiếp nhận" in html


def test_the_pages_speak_english_when_asked(client, settings):
    w = make_world()
    d = w.submit_online(vn(2025, 3, 3, 8, 0))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(w.desk)
    html = client.get("/xu-ly/").content.decode()
    assert "To receive" in html and "Receive the selected dossiers" in html
    html = client.get(reverse("onestop:dossier", args=[d.code])).content.decode()
    assert "Receive the dossier" in html and "Dossier details" in html
    assert "Track a dossier" in client.get("/tra-cuu/").content.decode()
