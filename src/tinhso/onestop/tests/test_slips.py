"""Printable slips: each renders as a PDF whose text carries the official title, the dossier's
code, the applicant and intact Vietnamese diacritics; the receipt's QR leads to the public
tracking page. Data is written with the models directly (no transition services needed)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tinhso.accounts.tests.factories import AgencyFactory, UserFactory
from tinhso.catalog.tests.factories import make_procedure
from tinhso.core.errors import DomainError
from tinhso.onestop import slips
from tinhso.onestop.models import Apology, Dossier, DossierEvent, DossierFile, Handover
from tinhso.onestop.slips import SLIP_KINDS, render_slip, render_tracking_book, tracking_url
from tinhso.onestop.status import Channel, Status, Timeliness

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PDFTOTEXT = shutil.which("pdftotext")
APPLICANT = "Nguyễn Thị Hằng"
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None,
    reason="pdftotext (poppler-utils) is not installed: slip text cannot be checked. "
    "Install it with `apt-get install poppler-utils`.",
)


def vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True,  # noqa: S603
                         check=True).stdout.decode()
    # pdftotext writes what the PDF maps to Unicode; compare in NFC and with single spaces.
    return " ".join(unicodedata.normalize("NFC", out).split())


def _event(dossier: Dossier, action: str, at: dt.datetime, frm: int | None, to: int, *,
           actor=None, agency=None, comment: str = "", data: dict | None = None) -> None:
    DossierEvent.objects.create(
        dossier=dossier, province_code="38", at=at, actor=actor,
        actor_name=actor.full_name if actor else "", agency=agency, action=action,
        from_status=frm, to_status=to, comment=comment, data=data or {},
    )


@pytest.fixture
def dossier() -> Dossier:
    """A birth registration received at a commune desk, handed to a specialist and a leader of
    the lead agency and to another agency (liên thông)."""
    desk = AgencyFactory(name="Bộ phận Một cửa UBND phường Hạc Thành")
    lead = AgencyFactory(name="Ủy ban nhân dân phường Hạc Thành")
    partner = AgencyFactory(name="Công an phường Hạc Thành")
    version = make_procedure(lead)
    officer = UserFactory(full_name="Lê Văn Tiếp")
    specialist = UserFactory(full_name="Trần Thị Thẩm")
    leader = UserFactory(full_name="Phạm Quốc Duyệt")
    d = Dossier.objects.create(
        code=f"{desk.code}-261005-0001", province_code="38", procedure=version.procedure,
        version=version, channel=Channel.IN_PERSON, status=Status.PROCESSING,
        applicant_name=APPLICANT, applicant_id_number="038190001234",
        applicant_address="Số 5 Lê Lợi, phường Hạc Thành", applicant_phone="0912345678",
        agency=lead, receiving_agency=desk, current_agency=lead,
        submitted_at=vn(2026, 10, 5, 9, 0), received_at=vn(2026, 10, 5, 9, 5),
        due_at=vn(2026, 10, 8, 9, 5),
    )
    docs = list(version.documents.order_by("position"))
    for i, doc in enumerate(docs):
        DossierFile.objects.create(
            dossier=d, kind=DossierFile.Kind.COMPONENT, document=doc, name=f"tep-{i}.pdf",
            content_type="application/pdf", size=100, sha256="0" * 64,
            storage_path=f"test/{d.pk}/{i}.pdf", uploaded_at=vn(2026, 10, 5, 9, 0),
        )
    _event(d, "submit", vn(2026, 10, 5, 9, 0), None, Status.SUBMITTED, actor=officer,
           agency=desk)
    _event(d, "receive", vn(2026, 10, 5, 9, 5), Status.SUBMITTED, Status.RECEIVED,
           actor=officer, agency=desk, data={"due_at": vn(2026, 10, 8, 9, 5).isoformat()})
    Handover.objects.create(
        dossier=d, step=1, step_name="Thẩm định, xử lý", from_agency=desk, from_user=officer,
        to_agency=lead, to_role="specialist", to_user=specialist, at=vn(2026, 10, 5, 10, 0),
        step_due_at=vn(2026, 10, 6, 14, 0), done_at=vn(2026, 10, 6, 9, 0),
        timeliness=Timeliness.EARLY,
    )
    Handover.objects.create(
        dossier=d, step=2, step_name="Xác minh nhân thân (liên thông)", from_agency=lead,
        from_user=specialist, to_agency=partner, to_role="specialist",
        at=vn(2026, 10, 6, 9, 0), step_due_at=vn(2026, 10, 6, 16, 0),
    )
    d.officers = {"desk": officer, "specialist": specialist, "leader": leader}  # type: ignore[attr-defined]
    return d


@needs_pdftotext
@pytest.mark.django_db
def test_receipt_carries_title_code_applicant_and_dates(dossier, tmp_path):
    text = pdf_text(render_slip(dossier, "receipt"), tmp_path)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert SLIP_KINDS["receipt"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert dossier.code in text
    assert APPLICANT in text
    assert "Đăng ký khai sinh" in text
    # received and appointment, Vietnam time, written the official way
    assert "09 giờ 05 phút, ngày 05 tháng 10 năm 2026" in text
    assert "09 giờ 05 phút, ngày 08 tháng 10 năm 2026" in text
    # the documents received, from the version's required documents
    assert "Tờ khai đăng ký khai sinh" in text and "Giấy chứng sinh" in text
    assert "Lê Văn Tiếp" in text  # the receiving officer signs


@needs_pdftotext
@pytest.mark.django_db
def test_receipt_is_dated_at_the_place_of_the_province(dossier, tmp_path, settings):
    settings.TINHSO_SLIP_PLACE = "Thanh Hóa"
    text = pdf_text(render_slip(dossier, "receipt"), tmp_path)
    assert "Thanh Hóa, ngày 05 tháng 10 năm 2026" in text


@needs_pdftotext
@pytest.mark.django_db
def test_receipt_without_a_recorded_due_asks_the_deadline_engine(dossier, tmp_path):
    # One working day from Monday 09:05 is Tuesday 09:05 (8 working hours).
    DossierEvent.objects.filter(dossier=dossier, action="receive").update(data={})
    Dossier.objects.filter(pk=dossier.pk).update(due_at=vn(2026, 10, 20, 17, 0))
    text = pdf_text(render_slip(dossier, "receipt"), tmp_path)
    assert "09 giờ 05 phút, ngày 06 tháng 10 năm 2026" in text


@pytest.mark.django_db
def test_receipt_qr_leads_to_the_public_tracking_page(dossier, settings, tmp_path):
    settings.TINHSO_PUBLIC_URL = "https://dichvucong.thanhhoa.example/"
    url = tracking_url(dossier.code)
    assert url == f"https://dichvucong.thanhhoa.example/tra-cuu/{dossier.code}/"
    pdf = render_slip(dossier, "receipt")
    zbarimg, pdftoppm = shutil.which("zbarimg"), shutil.which("pdftoppm")
    if zbarimg and pdftoppm:
        (tmp_path / "r.pdf").write_bytes(pdf)
        subprocess.run([pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1",  # noqa: S603
                        str(tmp_path / "r.pdf"), str(tmp_path / "page")], check=True)
        png = next(tmp_path.glob("page*.png"))
        out = subprocess.run([zbarimg, "--quiet", "--raw", str(png)],  # noqa: S603
                             capture_output=True, check=True).stdout.decode().strip()
        assert out == url
    else:
        # No decoder here: check the payload we encode instead.
        import segno

        ctx = slips._receipt(Dossier.objects.get(pk=dossier.pk), slips.timezone.now())
        assert ctx["tracking_url"] == url
        assert ctx["qr"] == segno.make(url, error="m").svg_data_uri(scale=4, border=4)


def test_tracking_url_defaults_to_the_local_server(settings, monkeypatch):
    monkeypatch.delenv("TINHSO_PUBLIC_URL", raising=False)
    if hasattr(settings, "TINHSO_PUBLIC_URL"):
        del settings.TINHSO_PUBLIC_URL
    assert tracking_url("000.00.17.H56-261005-0001") == (
        "http://127.0.0.1:8000/tra-cuu/000.00.17.H56-261005-0001/"
    )


@needs_pdftotext
@pytest.mark.django_db
def test_supplement_slip_lists_what_is_missing_and_why(dossier, tmp_path):
    officer = dossier.officers["desk"]
    _event(dossier, "request_supplement", vn(2026, 10, 6, 8, 0), Status.PROCESSING,
           Status.SUPPLEMENT, actor=officer, agency=dossier.receiving_agency,
           comment="Bản chụp giấy chứng sinh bị mờ, không đọc được ngày sinh.",
           data={"documents": ["Giấy chứng sinh (bản chụp rõ nét)"]})
    text = pdf_text(render_slip(dossier, "supplement"), tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Giấy chứng sinh (bản chụp rõ nét)" in text
    assert "không đọc được ngày sinh" in text
    assert dossier.code in text and APPLICANT in text


@needs_pdftotext
@pytest.mark.django_db
def test_refusal_slip_states_the_reason(dossier, tmp_path):
    _event(dossier, "refuse", vn(2026, 10, 5, 9, 3), Status.SUBMITTED, Status.REFUSED,
           actor=dossier.officers["desk"], agency=dossier.receiving_agency,
           comment="Đã hướng dẫn trực tiếp tại quầy.",
           data={"reason": "Thủ tục không thuộc thẩm quyền của cơ quan tiếp nhận."})
    text = pdf_text(render_slip(dossier, "refusal"), tmp_path)
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "không thuộc thẩm quyền" in text
    assert dossier.code in text and APPLICANT in text


@needs_pdftotext
@pytest.mark.django_db
def test_apology_gives_the_reason_and_the_new_date(dossier, tmp_path):
    Apology.objects.create(
        dossier=dossier, reason="Chờ kết quả xác minh của Công an phường.",
        new_due_at=vn(2026, 10, 12, 16, 0), drafted_by=dossier.officers["specialist"],
        drafted_at=vn(2026, 10, 7, 8, 0), approved_by=dossier.officers["leader"],
        approved_at=vn(2026, 10, 7, 9, 0),
    )
    text = pdf_text(render_slip(dossier, "apology"), tmp_path)
    assert SLIP_KINDS["apology"].upper() in text
    assert "Chờ kết quả xác minh của Công an phường." in text
    assert "16 giờ 00 phút, ngày 12 tháng 10 năm 2026" in text
    assert "Phạm Quốc Duyệt" in text and dossier.code in text and APPLICANT in text


@pytest.mark.django_db
def test_apology_needs_a_leader_approval(dossier):
    Apology.objects.create(
        dossier=dossier, reason="Chưa duyệt", new_due_at=vn(2026, 10, 12, 16, 0),
        drafted_by=dossier.officers["specialist"], drafted_at=vn(2026, 10, 7, 8, 0),
    )
    with pytest.raises(DomainError) as exc:
        render_slip(dossier, "apology")
    assert exc.value.status == 422 and exc.value.errors[0].field == "kind"


@needs_pdftotext
@pytest.mark.django_db
def test_stop_notice_states_the_reason(dossier, tmp_path):
    _event(dossier, "stop", vn(2026, 10, 7, 10, 0), Status.PROCESSING, Status.STOPPED,
           actor=dossier.officers["leader"], agency=dossier.agency,
           comment="Người nộp đã chuyển hộ khẩu sang tỉnh khác.")
    text = pdf_text(render_slip(dossier, "stop"), tmp_path)
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "chuyển hộ khẩu sang tỉnh khác" in text
    assert dossier.code in text and APPLICANT in text


@needs_pdftotext
@pytest.mark.django_db
def test_control_slip_has_a_row_per_handover(dossier, tmp_path):
    text = pdf_text(render_slip(dossier, "control", at=vn(2026, 10, 6, 17, 0)), tmp_path)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert dossier.code in text and APPLICANT in text
    for name in ("Thẩm định, xử lý", "Xác minh nhân thân (liên thông)", "Lê Văn Tiếp",
                 "Trần Thị Thẩm", "Công an phường Hạc Thành"):
        assert name in text
    assert "Trước hạn" in text  # the first step was done early
    assert "quá hạn bước" in text  # the second is still open past its step due time
    assert "10:00 05/10/2026" in text and "14:00 06/10/2026" in text


@pytest.mark.django_db
def test_control_slip_as_of_a_past_moment_leaves_out_later_handovers(dossier):
    ctx = slips._control(Dossier.objects.get(pk=dossier.pk), vn(2026, 10, 5, 12, 0))
    assert [r.step_name for r in ctx["rows"]] == ["Thẩm định, xử lý"]
    assert ctx["rows"][0].result == "Đang xử lý"  # not done yet at that moment


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(SLIP_KINDS))
def test_every_kind_renders_a_pdf(dossier, kind):
    officer = dossier.officers["desk"]
    _event(dossier, "request_supplement", vn(2026, 10, 6, 8, 0), Status.PROCESSING,
           Status.SUPPLEMENT, actor=officer, comment="Thiếu bản sao giấy đăng ký kết hôn")
    _event(dossier, "refuse", vn(2026, 10, 6, 9, 0), Status.SUPPLEMENT, Status.REFUSED,
           actor=officer, comment="Quá thời hạn bổ sung")
    _event(dossier, "withdraw", vn(2026, 10, 6, 9, 30), Status.SUPPLEMENT, Status.WITHDRAWN,
           comment="Tôi xin rút hồ sơ")
    Apology.objects.create(
        dossier=dossier, reason="Chậm xác minh", new_due_at=vn(2026, 10, 12, 16, 0),
        drafted_by=officer, drafted_at=vn(2026, 10, 7, 8, 0),
        approved_by=dossier.officers["leader"], approved_at=vn(2026, 10, 7, 9, 0),
    )
    pdf = render_slip(dossier, kind)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 2000


@pytest.mark.django_db
def test_a_slip_without_its_event_is_refused_with_the_field_named(dossier):
    with pytest.raises(DomainError) as exc:
        render_slip(dossier, "refusal")
    assert exc.value.status == 422 and exc.value.errors[0].field == "kind"
    assert dossier.code in exc.value.message


@pytest.mark.django_db
def test_an_unknown_kind_is_refused(dossier):
    with pytest.raises(DomainError) as exc:
        render_slip(dossier, "invoice")
    assert exc.value.errors[0].field == "kind"


@pytest.mark.django_db
def test_a_receipt_printed_before_receipt_is_refused(dossier):
    with pytest.raises(DomainError):
        render_slip(dossier, "receipt", at=vn(2026, 10, 5, 9, 1))


@needs_pdftotext
@pytest.mark.django_db
def test_tracking_book_lists_the_desks_dossiers_of_the_range(dossier, tmp_path):
    other = Dossier.objects.create(
        code=f"{dossier.receiving_agency.code}-261020-0001", province_code="38",
        procedure=dossier.procedure, version=dossier.version, channel=Channel.ONLINE,
        status=Status.RECEIVED, applicant_name="Hoàng Đức Thắng", applicant_id_number="1",
        agency=dossier.agency, receiving_agency=dossier.receiving_agency,
        current_agency=dossier.agency, submitted_at=vn(2026, 10, 20, 8, 0),
        received_at=vn(2026, 10, 20, 8, 30),
    )
    pdf = render_tracking_book(dossier.receiving_agency, dt.date(2026, 10, 5),
                               dt.date(2026, 10, 8))
    text = pdf_text(pdf, tmp_path)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert dossier.code in text and APPLICANT in text
    assert other.code not in text  # received after the range
    assert "Từ ngày 05/10/2026 đến ngày 08/10/2026" in text
    assert "10:00 05/10/2026" in text  # forwarded to the lead agency at the first hand-over


@pytest.mark.django_db
def test_tracking_book_refuses_a_reversed_range(dossier):
    with pytest.raises(DomainError) as exc:
        render_tracking_book(dossier.receiving_agency, "2026-12-01", "2026-11-01")
    assert exc.value.errors[0].field == "date_to"
    with pytest.raises(DomainError) as exc:
        render_tracking_book(dossier.receiving_agency, "hôm qua", "2026-11-01")
    assert exc.value.errors[0].field == "date_from"
