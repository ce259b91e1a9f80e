"""The printable slips of the one-stop desk (Circular 03/2025/TT-VPCP, Annex I), as PDF.

Each slip is rendered from the dossier and the rows that record what happened to it (its
DossierEvent history, Handover rows, DossierFile components, the approved Apology), never from a
state that those records do not have: printing the same slip twice gives the same paper, and a
slip printed "as of" a past moment (`at=`) shows what was true then.

    render_slip(dossier, "receipt")          # 01 receipt and appointment, with a tracking QR
    render_slip(dossier, "control")          # 06 control slip: one row per hand-over
    render_tracking_book(agency, d1, d2)     # 07 the desk's tracking book for a date range

HTML templates (templates/onestop/slips/) go through WeasyPrint. The font is Noto Serif (the
`fontpkg_noto_serif` package: variable TTFs, real bold and italic instances) loaded by file URL;
without it the slips fall back to the system's Liberation Serif / DejaVu Serif.

Form numbers and titles follow secondary copies of Annex I (numbering **unconfirmed**, see
docs/slips.md); they live in FORM_NUMBERS and SLIP_KINDS only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Min
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.catalog.models import DeadlineUnit, RequiredDocument
from tinhso.core import fonts
from tinhso.core.errors import DomainError
from tinhso.directory.models import AdminUnit, Agency
from tinhso.onestop.models import Apology, Dossier, DossierEvent, DossierFile, Handover
from tinhso.onestop.status import Channel, Status, Timeliness

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

# Official titles (as the forms print them, before upper-casing). Keys are the slip kinds that
# render_slip accepts. Titles of 03/2025 where secondary copies agree; see docs/slips.md.
SLIP_KINDS: dict[str, str] = {
    "receipt": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
    "supplement": "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    "refusal": "Phiếu từ chối tiếp nhận giải quyết hồ sơ",
    "apology": "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết",
    "stop": "Thông báo dừng giải quyết hồ sơ",
    "control": "Phiếu kiểm soát quá trình giải quyết hồ sơ",
}
TRACKING_BOOK_TITLE = "Sổ theo dõi hồ sơ"

# "Mẫu số NN" printed in the top corner (numbering unconfirmed).
FORM_NUMBERS: dict[str, str] = {
    "receipt": "01",
    "supplement": "02",
    "refusal": "03",
    "apology": "04",
    "stop": "05",
    "control": "06",
    "tracking_book": "07",
}

# The DossierEvent actions each slip is printed from (the latest one at or before `at`).
_EVENT_ACTIONS: dict[str, tuple[str, ...]] = {
    "receipt": ("receive",),
    "supplement": ("request_supplement",),
    "refusal": ("refuse",),
    "stop": ("stop", "withdraw"),
}

# A tracking book longer than this is refused: ask for a shorter range (WeasyPrint lays out
# roughly 100 table rows a second on our machines).
TRACKING_BOOK_MAX_ROWS = 3000


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def public_url() -> str:
    """The site's public base URL (settings.TINHSO_PUBLIC_URL, read from the environment)."""
    url = getattr(settings, "TINHSO_PUBLIC_URL", "")
    return (url or DEFAULT_PUBLIC_URL).rstrip("/")


def tracking_url(code: str) -> str:
    """The absolute URL of the public tracking page of a dossier (no personal data there)."""
    return f"{public_url()}/tra-cuu/{quote(code, safe='.-')}/"


def qr_svg_data_uri(payload: str) -> str:
    import segno

    return segno.make(payload, error="m").svg_data_uri(scale=4, border=4)


_FONT_STYLES = (("normal", False, 400), ("normal", False, 700), ("italic", True, 400),
                ("italic", True, 700))


@lru_cache(maxsize=1)
def _font_faces() -> str:
    """@font-face rules for Noto Serif as static regular, bold, italic and bold italic cuts
    (`core.fonts`: WeasyPrint would otherwise instantiate the variable font on every render,
    doubling a slip's time). Empty when the font package is missing: the stylesheet then falls
    back to the system's Liberation Serif or DejaVu Serif."""
    rules = []
    for style, italic, weight in _FONT_STYLES:
        try:
            path, weight_css = fonts.noto_serif(weight, italic=italic), str(weight)
        except fonts.FontMissing:
            return ""
        except Exception:  # noqa: BLE001 - an odd font build: let WeasyPrint use the variable font
            path, weight_css = fonts.source(italic), "100 900"
        rules.append(
            "@font-face { font-family: 'Slip Serif'; "
            f"src: url('{path.as_uri()}') format('truetype'); "
            f"font-weight: {weight_css}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(TZ) if value is not None else None


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """"ngày 27 tháng 11 năm 2026" (day and month with two digits, as official papers do)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(TZ).date()
    return _("ngày %(d)02d tháng %(m)02d năm %(y)d") % {"d": value.day, "m": value.month,
                                                        "y": value.year}


def vn_datetime(value: dt.datetime | None) -> str:
    """"09 giờ 05 phút, ngày 27 tháng 11 năm 2026"."""
    if value is None:
        return ""
    local = value.astimezone(TZ)
    return _("%(h)02d giờ %(mi)02d phút, %(date)s") % {"h": local.hour, "mi": local.minute,
                                                        "date": vn_date(local)}


def short_datetime(value: dt.datetime | None) -> str:
    """"09:05 27/11/2026" for table cells."""
    if value is None:
        return ""
    return value.astimezone(TZ).strftime("%H:%M %d/%m/%Y")


def _place_of_province(province_code: str) -> str:
    unit = (AdminUnit.objects.filter(province_code=province_code, level=AdminUnit.Level.PROVINCE)
            .order_by("-valid_from").only("name").first())
    if unit is None:
        return ""
    name = unit.name
    for prefix in ("Tỉnh ", "Thành phố ", "tỉnh ", "thành phố "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def place_of(agency: Agency) -> str:
    """The place written before the date: the province's name ("Thanh Hóa"), or a setting
    TINHSO_SLIP_PLACE when a deployment wants another."""
    return getattr(settings, "TINHSO_SLIP_PLACE", "") or _place_of_province(agency.province_code)


def _person(user: Any, fallback: str = "") -> str:
    if user is None:
        return fallback
    return user.full_name or user.get_username()


@dataclass
class _Doc:
    name: str
    copies: int | str
    form: str


def _received_documents(dossier: Dossier, at: dt.datetime) -> list[_Doc]:
    """The components received with the dossier (uploaded at or before `at`): each required
    document that has a file, then any file not tied to a required document."""
    files = list(
        DossierFile.objects.filter(dossier=dossier, uploaded_at__lte=at,
                                   kind__in=[DossierFile.Kind.COMPONENT,
                                             DossierFile.Kind.SUPPLEMENT])
        .select_related("document").order_by("document__position", "uploaded_at", "pk")
    )
    docs: list[_Doc] = []
    seen: set[int] = set()
    for f in files:
        if f.document is not None:
            if f.document.pk in seen:
                continue
            seen.add(f.document.pk)
            form = _("Bản số hóa") if f.is_digitized else _("Bản điện tử")
            docs.append(_Doc(f.document.name, f.document.copies, form))
        else:
            docs.append(_Doc(f.name, 1, _("Bản điện tử")))
    if not docs and dossier.channel == Channel.IN_PERSON:
        # A paper dossier at the desk with nothing scanned yet: the required list, on paper.
        docs = [_Doc(d.name, d.copies, _("Bản giấy"))
                for d in RequiredDocument.objects.filter(version=dossier.version_id)
                if d.is_mandatory]
    return docs


def _requested_items(dossier: Dossier, event: DossierEvent) -> list[str]:
    """What a supplement request asks for: event.data["documents"] (names, or ids of the
    version's required documents), else the lines of the comment."""
    raw = event.data.get("documents") or event.data.get("items") or []
    ids = [x for x in raw if isinstance(x, int)]
    names = {d.pk: d.name for d in RequiredDocument.objects.filter(version=dossier.version_id,
                                                                   pk__in=ids)}
    items = [names.get(x, "") if isinstance(x, int) else str(x) for x in raw]
    items = [i for i in items if i]
    if not items:
        items = [line.strip(" -•\t") for line in _reason(event).splitlines() if line.strip()]
    return items


def _reason(event: DossierEvent) -> str:
    """The reason the transition recorded (`data["reason"]`), else its comment."""
    data = event.data if isinstance(event.data, dict) else {}
    return str(data.get("reason") or event.comment or "")


def _latest_event(dossier: Dossier, kind: str, at: dt.datetime) -> DossierEvent:
    event = (DossierEvent.objects.filter(dossier=dossier, action__in=_EVENT_ACTIONS[kind],
                                         at__lte=at)
             .select_related("agency", "actor").order_by("-at", "-pk").first())
    if event is None:
        raise DomainError.for_field(
            "kind", _("Hồ sơ %(code)s chưa có sự kiện để in %(title)s.")
            % {"code": dossier.code, "title": SLIP_KINDS[kind].lower()},
            code="no_event",
        )
    return event


def _statutory_due(dossier: Dossier, received_at: dt.datetime) -> dt.datetime | None:
    """The due moment the deadline engine gives for a receipt at `received_at`."""
    version = dossier.version
    if version.deadline_value is None:
        return None
    from tinhso.core.calendar import calendar_for_province

    cal = calendar_for_province(dossier.province_code)
    if version.deadline_unit == DeadlineUnit.WORKING_HOUR:
        return cal.due(received_at, working_hours=version.deadline_value)
    return cal.due(received_at, working_days=version.deadline_value)


def _event_due(dossier: Dossier, event: DossierEvent) -> dt.datetime | None:
    """The appointment given at receipt: what the event recorded, else the engine's answer
    for the receipt moment, else the dossier's due moment."""
    raw = event.data.get("due_at") if isinstance(event.data, dict) else None
    if raw:
        try:
            return dt.datetime.fromisoformat(raw)
        except (TypeError, ValueError):
            pass
    received = dossier.received_at or event.at
    return _statutory_due(dossier, received) or dossier.due_at


# --------------------------------------------------------------------------------------------
# Context per kind
# --------------------------------------------------------------------------------------------


def _base_context(dossier: Dossier, kind: str, agency: Agency, when: dt.datetime) -> dict:
    version = dossier.version
    return {
        "kind": kind,
        "title": SLIP_KINDS[kind],
        "form_number": FORM_NUMBERS[kind],
        "dossier": dossier,
        "procedure_name": version.name,
        "procedure_code": dossier.procedure.code,
        "deadline": version.deadline_display,
        "agency": agency,
        "parent_agency": agency.parent,
        "place": place_of(agency),
        "date_line": vn_date(when),
        "received": vn_datetime(dossier.received_at),
        "channel": dossier.get_channel_display(),
    }


def _receipt(dossier: Dossier, at: dt.datetime) -> dict:
    event = _latest_event(dossier, "receipt", at)
    agency = event.agency or dossier.receiving_agency
    ctx = _base_context(dossier, "receipt", agency, event.at)
    url = tracking_url(dossier.code)
    ctx.update(
        received=vn_datetime(event.at),
        due=vn_datetime(_event_due(dossier, event)),
        documents=_received_documents(dossier, event.at),
        officer=event.actor_name or _person(event.actor),
        comment=event.comment,
        tracking_url=url,
        qr=qr_svg_data_uri(url),
        result_place=agency.name,
        fee_total=dossier.fee_total,
    )
    return ctx


def _supplement(dossier: Dossier, at: dt.datetime) -> dict:
    event = _latest_event(dossier, "supplement", at)
    agency = event.agency or dossier.receiving_agency
    ctx = _base_context(dossier, "supplement", agency, event.at)
    ctx.update(
        submitted=vn_datetime(dossier.submitted_at),
        requested=vn_datetime(event.at),
        items=_requested_items(dossier, event),
        reason=_reason(event),
        officer=event.actor_name or _person(event.actor),
        during_processing=event.from_status in (Status.RECEIVED, Status.PROCESSING),
    )
    return ctx


def _refusal(dossier: Dossier, at: dt.datetime) -> dict:
    event = _latest_event(dossier, "refusal", at)
    agency = event.agency or dossier.receiving_agency
    ctx = _base_context(dossier, "refusal", agency, event.at)
    ctx.update(
        submitted=vn_datetime(dossier.submitted_at),
        reason=_reason(event),
        officer=event.actor_name or _person(event.actor),
    )
    return ctx


def _apology(dossier: Dossier, at: dt.datetime) -> dict:
    apology = (Apology.objects.filter(dossier=dossier, approved_at__isnull=False,
                                      approved_at__lte=at)
               .select_related("approved_by", "drafted_by").order_by("-approved_at", "-pk")
               .first())
    if apology is None:
        raise DomainError.for_field(
            "kind", _("Hồ sơ %(code)s chưa có văn bản xin lỗi được lãnh đạo duyệt.")
            % {"code": dossier.code}, code="no_event",
        )
    agency = dossier.agency
    ctx = _base_context(dossier, "apology", agency, apology.approved_at or at)
    ctx.update(
        due=vn_datetime(dossier.due_at),
        new_due=vn_datetime(apology.new_due_at),
        reason=apology.reason,
        signer=_person(apology.approved_by),
    )
    return ctx


def _stop(dossier: Dossier, at: dt.datetime) -> dict:
    event = _latest_event(dossier, "stop", at)
    agency = event.agency or dossier.agency
    ctx = _base_context(dossier, "stop", agency, event.at)
    ctx.update(
        requested_by_applicant=event.action == "withdraw",
        stopped=vn_datetime(event.at),
        reason=_reason(event),
        signer=(event.actor_name or _person(event.actor))
        if event.action == "stop" else "",
    )
    return ctx


@dataclass
class _ControlRow:
    step: int
    step_name: str
    from_agency: str
    from_person: str
    to_agency: str
    to_person: str
    at: str
    step_due: str
    done: str
    result: str


def _control(dossier: Dossier, at: dt.datetime) -> dict:
    handovers = list(
        Handover.objects.filter(dossier=dossier, at__lte=at)
        .select_related("from_agency", "to_agency", "from_user", "to_user")
        .order_by("at", "pk")
    )
    rows = []
    for h in handovers:
        done = h.done_at if h.done_at is not None and h.done_at <= at else None
        if done is not None and h.timeliness:
            result = str(Timeliness(h.timeliness).label)
        elif done is not None:
            result = ""
        elif h.step_due_at is not None and h.step_due_at < at:
            result = _("Đang xử lý, quá hạn bước")
        else:
            result = _("Đang xử lý")
        rows.append(_ControlRow(
            step=h.step + 1,
            step_name=h.step_name,
            from_agency=h.from_agency.name,
            from_person=_person(h.from_user),
            to_agency=h.to_agency.name,
            to_person=_person(h.to_user, h.get_to_role_display()),
            at=short_datetime(h.at),
            step_due=short_datetime(h.step_due_at),
            done=short_datetime(done),
            result=str(result),
        ))
    partners = sorted({h.to_agency.name for h in handovers
                       if h.to_agency_id not in (dossier.agency_id, dossier.receiving_agency_id)})
    agency = dossier.receiving_agency
    ctx = _base_context(dossier, "control", agency, at)
    ctx.update(
        rows=rows,
        lead_agency=dossier.agency.name,
        partners=partners,
        due=vn_datetime(dossier.due_at),
        receipt_title=SLIP_KINDS["receipt"],
    )
    return ctx


_BUILDERS = {
    "receipt": _receipt,
    "supplement": _supplement,
    "refusal": _refusal,
    "apology": _apology,
    "stop": _stop,
    "control": _control,
}


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    import weasyprint

    context = {**context, "font_faces": _font_faces()}
    html = render_to_string(template, context)
    doc = weasyprint.HTML(string=html, base_url=str(Path(__file__).parent))
    return doc.write_pdf() or b""


def render_slip(dossier: Dossier, kind: str, *, at: dt.datetime | None = None) -> bytes:
    """The PDF of one slip of a dossier, as of `at` (default: now). Raises a DomainError on
    `kind` when the kind is unknown or the dossier has no event that the slip records."""
    if kind not in _BUILDERS:
        raise DomainError.for_field(
            "kind", _("Loại phiếu không hợp lệ: %(kind)s. Chọn một trong: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(SLIP_KINDS)},
        )
    if at is None:
        at = timezone.now()
    elif timezone.is_naive(at):
        raise DomainError.for_field("at", _("Thời điểm cần có múi giờ."))
    dossier = (Dossier.objects.select_related(
        "version", "procedure", "agency__parent", "receiving_agency__parent")
        .get(pk=dossier.pk))
    context = _BUILDERS[kind](dossier, at)
    return _pdf(f"onestop/slips/{kind}.html", context)


@dataclass
class _BookRow:
    n: int
    code: str
    procedure: str
    applicant: str
    contact: str
    lead_agency: str
    received: str
    due: str
    forwarded: str
    resolved: str
    returned: str
    note: str


def _to_date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(TZ).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DomainError.for_field(name, _("Ngày không hợp lệ (cần dạng YYYY-MM-DD).")) from None


def render_tracking_book(agency: Agency, date_from: Any, date_to: Any) -> bytes:
    """The desk's tracking book (sổ theo dõi hồ sơ): the dossiers `agency` received between
    `date_from` and `date_to` (local dates, both included), in order of receipt, A4 landscape."""
    first, last = _to_date(date_from, "date_from"), _to_date(date_to, "date_to")
    if last < first:
        raise DomainError.for_field("date_to", _("Ngày kết thúc phải sau ngày bắt đầu."))
    start = dt.datetime.combine(first, dt.time.min, TZ)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, TZ)
    qs = (Dossier.objects.filter(receiving_agency=agency, received_at__gte=start,
                                 received_at__lt=end)
          .select_related("version", "agency")
          .annotate(forwarded_at=Min("handovers__at"))
          .order_by("received_at", "code"))
    count = qs.count()
    if count > TRACKING_BOOK_MAX_ROWS:
        raise DomainError.for_field(
            "date_to", _("Khoảng ngày có %(n)d hồ sơ, quá %(max)d: hãy chọn khoảng ngắn hơn.")
            % {"n": count, "max": TRACKING_BOOK_MAX_ROWS},
        )
    rows = []
    for n, d in enumerate(qs, start=1):
        note = d.get_status_display()
        if d.timeliness:
            note = f"{note} ({Timeliness(d.timeliness).label.lower()})"
        rows.append(_BookRow(
            n=n, code=d.code, procedure=d.version.name, applicant=d.applicant_name,
            contact=", ".join(x for x in (d.applicant_address, d.applicant_phone) if x),
            lead_agency=d.agency.name, received=short_datetime(d.received_at),
            due=short_datetime(d.due_at), forwarded=short_datetime(d.forwarded_at),
            resolved=short_datetime(d.resolved_at), returned=short_datetime(d.returned_at),
            note=str(note),
        ))
    agency = Agency.objects.select_related("parent").get(pk=agency.pk)
    context = {
        "kind": "tracking_book",
        "title": TRACKING_BOOK_TITLE,
        "form_number": FORM_NUMBERS["tracking_book"],
        "agency": agency,
        "parent_agency": agency.parent,
        "place": place_of(agency),
        "date_line": vn_date(timezone.now()),
        "first": first.strftime("%d/%m/%Y"),
        "last": last.strftime("%d/%m/%Y"),
        "rows": rows,
    }
    return _pdf("onestop/slips/tracking_book.html", context)


__all__ = [
    "FORM_NUMBERS",
    "SLIP_KINDS",
    "TRACKING_BOOK_TITLE",
    "public_url",
    "render_slip",
    "render_tracking_book",
    "tracking_url",
]


# The slips addressed to the applicant, which they may download themselves. The control slip
# is the agencies' own record (it names the officers), so it stays with them.
APPLICANT_SLIPS = frozenset({"receipt", "supplement", "refusal", "apology", "stop"})
