"""/api/v1/indicators: the public indicators and their values (no login needed for those);
for signed-in officers, entered figures with their review, targets and attainment."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from tinhso.accounts.auth import API_AUTH
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.schemas import ProblemOut
from tinhso.core.tables import Format, table_response
from tinhso.directory.models import Agency
from tinhso.indicators import access, selectors, services
from tinhso.indicators.files import evidence_read
from tinhso.indicators.inputs import code_text
from tinhso.indicators.models import Entry, EntryRevision
from tinhso.indicators.registry import Indicator, Text, all_indicators
from tinhso.indicators.registry import get as registry_get
from tinhso.indicators.sources.entered import revision_value
from tinhso.indicators.table import COLUMNS as TABLE_COLUMNS
from tinhso.indicators.table import UNIT_COLUMNS, indicator_table, unit_table
from tinhso.indicators.values import indicator_get, indicator_read, period_parse, unit_resolve

router = Router()


class TextOut(Schema):
    vi: str
    en: str


class GroupOut(Schema):
    code: str = Field(description="mã nhóm, ví dụ TDGQ (tiến độ giải quyết) của "
                                  "Quyết định 766/QĐ-TTg")
    name_vi: str
    name_en: str
    regulation: str


class IndicatorOut(Schema):
    code: str
    name_vi: str
    name_en: str
    pillar: str
    unit: str = Field(description="% hoặc count")
    kind: str = Field(description="rate (tử số / mẫu số) hoặc count")
    source: str
    regulation: str
    formula: TextOut | None = Field(None, description="công thức bằng lời")
    numerator: TextOut | None = Field(None, description="tử số (chỉ số tỷ lệ)")
    denominator: TextOut | None = Field(None, description="mẫu số (chỉ số tỷ lệ)")
    group: GroupOut | None = Field(None, description="nhóm chỉ số trong văn bản quy định "
                                                     "(Quyết định 766/QĐ-TTg), nếu có")


class ValueOut(Schema):
    code: str
    unit: str = Field(description="mã tỉnh (38), mã đơn vị hành chính (xã, phường, huyện cũ) "
                                  "hoặc mã cơ quan")
    period: str
    value: float | int | None
    numerator: int
    denominator: int | None
    previous_period: str | None
    previous_value: float | int | None
    merged: list[str] = Field(default_factory=list,
                              description="các đơn vị cũ đã sáp nhập vào đơn vị này có số liệu "
                                          "được cộng vào giá trị của kỳ")


def _text(t: Text | None) -> TextOut | None:
    return None if t is None else TextOut(vi=t.vi, en=t.en)


def _out(i: Indicator) -> IndicatorOut:
    g = i.group
    return IndicatorOut(code=i.code, name_vi=i.name_vi, name_en=i.name_en,
                        pillar=i.pillar.value, unit=i.unit, kind=i.kind, source=i.source,
                        regulation=i.regulation, formula=_text(i.formula),
                        numerator=_text(i.numerator), denominator=_text(i.denominator),
                        group=None if g is None else GroupOut(
                            code=g.code, name_vi=g.name_vi, name_en=g.name_en,
                            regulation=g.regulation))


@router.get("", response=list[IndicatorOut], summary="Các chỉ số công khai")
def indicator_list(request: HttpRequest) -> list[IndicatorOut]:
    return [_out(i) for i in all_indicators(public_only=True)]


@router.get("/{code}/values", response={200: ValueOut, 404: ProblemOut, 422: ProblemOut},
            summary="Giá trị một chỉ số theo kỳ")
def indicator_values(request: HttpRequest, code: str, period: str, unit: str = "38"
                     ) -> ValueOut:
    """The value for the unit (the province, an agency, or an administrative unit: a commune,
    ward or former district, whose figure is its People's Committee's, joined before the
    1 July 2025 merger by those of the communes merged into it) and the previous period's.
    A former district asked about a period after its end: 422 naming `unit`."""
    indicator = indicator_get(code)
    p = period_parse(period)
    reading = indicator_read(indicator, unit_resolve(unit), p)
    return ValueOut(
        code=indicator.code, unit=reading.scope.code, period=str(reading.period),
        value=reading.value.value, numerator=reading.value.numerator,
        denominator=reading.value.denominator,
        previous_period=str(reading.previous_period) if reading.previous_period else None,
        previous_value=reading.previous.value if reading.previous else None,
        merged=[u.code for u in reading.merged],
    )


@router.get("/table", response={200: None, 422: ProblemOut}, url_name="indicators_table",
            summary="Bảng giá trị các chỉ số công khai theo kỳ và đơn vị (CSV, JSON)")
def indicator_table_export(request: HttpRequest, period: str = "", unit: str = "",
                           format: Format = "csv") -> HttpResponse:  # noqa: A002
    """Every public indicator's value for the period (default: this year), for the province
    and each agency that can be read at once; the open data portal's dataset
    "chi-so-chuyen-doi-so-tinh" links here, so it is always current. With `unit` (an agency
    or an administrative unit: commune, ward, former district), that unit's rows only, each
    with the previous period's value."""
    p = period_parse(period or str(timezone.localdate().year))
    if unit.strip():
        rows = unit_table(p, unit_resolve(unit))
        return table_response(rows, UNIT_COLUMNS, format, f"chi-so-{p}-{unit.strip()}")
    rows = indicator_table(p, settings.TINHSO_PROVINCE_CODE)
    return table_response(rows, TABLE_COLUMNS, format, f"chi-so-{p}")


# --- entered figures, targets and attainment (signed-in officers) -----------------------------

ENTRY_FILES_DOC = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {
            "agency": {"type": "string", "description": "mã cơ quan nhập (nếu người nhập "
                                                       "thuộc nhiều cơ quan)"},
            "indicator": {"type": "string"}, "unit": {"type": "string"},
            "period": {"type": "string"}, "value": {"type": "integer"},
            "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
            "note": {"type": "string"}, "revision": {"type": "integer"},
            "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": "Tệp minh chứng (PDF, JPEG, PNG; tối đa 10 MB mỗi tệp)"},
        },
    }}}},
}


class RevisionOut(Schema):
    number: int
    value: int | None
    numerator: int | None
    denominator: int | None
    rate: float | None
    note: str
    status: str
    created_at: dt.datetime
    created_by: str
    reviewed_at: dt.datetime | None
    reviewed_by: str | None
    reason: str


class EvidenceOut(Schema):
    id: int
    revision: int
    name: str
    content_type: str
    size: int
    sha256: str


class EntryOut(Schema):
    id: int
    indicator: str
    unit: str
    unit_name: str
    period: str
    agency: str
    status: str
    revision: int
    latest: RevisionOut | None
    verified: RevisionOut | None


class EntryDetail(EntryOut):
    history: list[RevisionOut]
    evidence: list[EvidenceOut]


class EntryPage(Schema):
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[EntryOut]


class EntryFilterIn(Schema):
    indicator: str = ""
    period: str = ""
    year: int | None = Field(None, ge=1970, le=9998)
    status: Literal["", "submitted", "verified", "rejected"] = ""
    agency: str = ""
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class ReviewIn(Schema):
    revision: int
    reason: str = ""


class AssignmentIn(Schema):
    indicator: str
    agency: str


class LockIn(Schema):
    year: int


class TargetIn(Schema):
    indicator: str
    unit: str = Field(description='mã đơn vị, hoặc "communes" cho mọi xã, phường')
    year: int
    comparator: str = Field(description="gte (≥), lte (≤) hoặc eq (=)")
    value: Decimal


class DecisionIn(Schema):
    agency: str = Field(description="mã cơ quan ban hành")
    number: str
    date: dt.date
    title: str
    targets: list[TargetIn]


class DecisionOut(Schema):
    id: int
    number: str
    date: dt.date
    agency: str
    title: str
    targets: int


class AttainmentOut(Schema):
    target_id: int
    indicator: str
    indicator_name: str
    unit: str
    unit_name: str
    unit_level: int
    via: str | None = Field(description="đơn vị cũ mà chỉ tiêu thuộc về, khi đến qua kế thừa")
    merged: list[str] = Field(description="các đơn vị đã sáp nhập vào đơn vị này có số liệu "
                                          "được cộng vào giá trị thực tế")
    year: int
    comparator: str
    target: float
    decision: str
    decision_date: dt.date
    actual: float | int | None
    numerator: int | None
    denominator: int | None
    attained: bool | None
    gap: float | None
    status: str = Field(description="green, amber, red hoặc none (chưa có số liệu)")
    on_track: bool | None


class AttainmentPage(Schema):
    year: int
    unit: str
    count: int
    page: int
    page_size: int
    num_pages: int
    results: list[AttainmentOut]


class AttainmentFilterIn(Schema):
    year: int = Field(ge=2000, le=2100)
    unit: str = ""
    indicator: str = ""
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(20, ge=1, le=100)


class SummaryFilterIn(Schema):
    year: int = Field(ge=2000, le=2100)
    unit: str = ""


class SummaryOut(Schema):
    year: int
    unit: str
    total: dict[str, int]
    by_level: dict[str, dict[str, int]]


def _person(user: Any) -> str:
    return "" if user is None else (user.full_name or user.get_username())


def _revision(r: EntryRevision | None) -> dict[str, Any] | None:
    if r is None:
        return None
    value = revision_value(r.value, r.numerator, r.denominator)
    return {
        "number": r.number, "value": r.value, "numerator": r.numerator,
        "denominator": r.denominator,
        "rate": value.value if r.denominator is not None else None, "note": r.note,
        "status": r.status, "created_at": r.created_at, "created_by": _person(r.created_by),
        "reviewed_at": r.reviewed_at,
        "reviewed_by": _person(r.reviewed_by) if r.reviewed_by_id else None, "reason": r.reason,
    }


def _entry(e: Entry) -> dict[str, Any]:
    return {
        "id": e.pk, "indicator": e.indicator_code, "unit": e.unit.code, "unit_name": e.unit.name,
        "period": e.period, "agency": e.agency.code, "status": e.status, "revision": e.revision,
        "latest": _revision(e.latest), "verified": _revision(e.verified),
    }


def _entry_detail(e: Entry) -> dict[str, Any]:
    return {
        **_entry(e),
        "history": [_revision(r) for r in selectors.entry_history(e)],
        "evidence": [{"id": f.pk, "revision": f.revision.number, "name": f.name,
                      "content_type": f.content_type, "size": f.size, "sha256": f.sha256}
                     for f in selectors.entry_evidence(e)],
    }


def _entering_agency(user: Any, code: str) -> Agency:
    code = code_text(code, "agency", max_length=16)
    if code:
        agency = Agency.objects.filter(code=code).first()
        if agency is None:
            raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
        return agency
    ids = sorted(access.entering_agencies(user))
    if len(ids) != 1:
        raise DomainError.for_field("agency", _("Cần chọn cơ quan nhập số liệu."),
                                    code="required")
    return Agency.objects.get(pk=ids[0])


def _form(request: HttpRequest) -> tuple[dict[str, str], list[tuple[str, Any]]]:
    try:
        fields = {k: request.POST.get(k, "") for k in request.POST}
        unknown = set(request.FILES) - {"files"}
        if unknown:
            raise DomainError.for_field(sorted(unknown)[0], _("Tệp phải gửi trong trường files."))
        files: list[tuple[str, Any]] = [(f.name or "", f) for f in request.FILES.getlist("files")]
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
        raise DomainError(message=_("Yêu cầu quá lớn."), status=413, code="too_large") from None
    return fields, files


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


@router.get("/entries", response={200: EntryPage, 422: ProblemOut}, auth=API_AUTH,
            summary="Số liệu nhập tay mà người gọi được xem")
def entry_list(request: HttpRequest, filters: Query[EntryFilterIn]) -> dict[str, Any]:
    """The caller's agencies' entries, or for a reviewer all of the province's; newest change
    first. A constant number of queries whatever the page."""
    f = filters
    qs = selectors.entries_for(_user(request), selectors.EntryFilters(
        indicator=code_text(f.indicator, "indicator"), period=code_text(f.period, "period"),
        year=f.year, status=f.status, agency=code_text(f.agency, "agency")))
    count, rows = selectors.page_of(qs.select_related("latest__created_by",
                                                      "latest__reviewed_by",
                                                      "verified__created_by",
                                                      "verified__reviewed_by"),
                                    page=f.page, page_size=f.page_size)
    return {"count": count, "page": f.page, "page_size": f.page_size,
            "num_pages": max(1, math.ceil(count / f.page_size)),
            "results": [_entry(e) for e in rows]}


@router.post("/entries", response={201: EntryDetail, 403: ProblemOut, 409: ProblemOut,
                                   413: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, openapi_extra=ENTRY_FILES_DOC,
             summary="Nhập số liệu một chỉ số cho một đơn vị và một kỳ, kèm minh chứng")
def entry_create(request: HttpRequest) -> Reply[dict[str, Any]]:
    user = _user(request)
    fields, files = _form(request)
    entry = services.entry_create(
        actor=user, agency=_entering_agency(user, fields.get("agency", "")),
        indicator_code=fields.get("indicator", ""), unit_code=fields.get("unit", ""),
        period=fields.get("period", ""), value=fields.get("value"),
        numerator=fields.get("numerator"), denominator=fields.get("denominator"),
        note=fields.get("note", ""), files=files)
    return Reply(201, _entry_detail(selectors.entry_for(user, entry.pk)))


@router.get("/entries/{id}", response={200: EntryDetail, 404: ProblemOut}, auth=API_AUTH,
            summary="Một số liệu nhập tay, mọi lần nhập và minh chứng")
def entry_detail(request: HttpRequest, id: int) -> dict[str, Any]:  # noqa: A002
    return _entry_detail(selectors.entry_for(_user(request), id))


@router.post("/entries/{id}/revisions",
             response={200: EntryDetail, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut,
                       413: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, openapi_extra=ENTRY_FILES_DOC,
             summary="Sửa số liệu: một lần nhập mới (các lần trước được giữ nguyên)")
def entry_revise(request: HttpRequest, id: int) -> dict[str, Any]:  # noqa: A002
    user = _user(request)
    entry = selectors.entry_for(user, id)
    fields, files = _form(request)
    services.entry_revise(actor=user, entry=entry, revision=fields.get("revision"),
                          value=fields.get("value"), numerator=fields.get("numerator"),
                          denominator=fields.get("denominator"), note=fields.get("note", ""),
                          files=files)
    return _entry_detail(selectors.entry_for(user, id))


@router.post("/entries/{id}/verify",
             response={200: EntryDetail, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut,
                       422: ProblemOut},
             auth=API_AUTH, summary="Xác nhận lần nhập mới nhất")
def entry_verify(request: HttpRequest, id: int, payload: ReviewIn) -> dict[str, Any]:  # noqa: A002
    user = _user(request)
    services.entry_verify(actor=user, entry=selectors.entry_for(user, id),
                          revision=payload.revision)
    return _entry_detail(selectors.entry_for(user, id))


@router.post("/entries/{id}/reject",
             response={200: EntryDetail, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut,
                       422: ProblemOut},
             auth=API_AUTH, summary="Trả lại lần nhập mới nhất, kèm lý do")
def entry_reject(request: HttpRequest, id: int, payload: ReviewIn) -> dict[str, Any]:  # noqa: A002
    user = _user(request)
    services.entry_reject(actor=user, entry=selectors.entry_for(user, id),
                          revision=payload.revision, reason=payload.reason)
    return _entry_detail(selectors.entry_for(user, id))


@router.get("/entries/{id}/evidence/{file_id}", response={200: None, 404: ProblemOut},
            auth=API_AUTH, summary="Tải một tệp minh chứng")
def entry_evidence(request: HttpRequest, id: int, file_id: int) -> HttpResponse:  # noqa: A002
    found = selectors.evidence_for(_user(request), id, file_id)
    response = HttpResponse(evidence_read(found.storage_path, found.sha256),
                            content_type=found.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post("/assignments", response={201: dict[str, Any], 403: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, summary="Giao một cơ quan nhập một chỉ số")
def assignment_add(request: HttpRequest, payload: AssignmentIn) -> Reply[dict[str, Any]]:
    agency = Agency.objects.filter(code=code_text(payload.agency, "agency", max_length=16)).first()
    if agency is None:
        raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
    row = services.assignment_add(actor=_user(request), indicator_code=payload.indicator,
                                  agency=agency)
    return Reply(201, {"indicator": row.indicator_code, "agency": agency.code})


@router.post("/locks", response={201: dict[str, Any], 403: ProblemOut, 409: ProblemOut,
                                 422: ProblemOut},
             auth=API_AUTH, summary="Khóa số liệu một năm sau thẩm định")
def year_lock(request: HttpRequest, payload: LockIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    provinces = sorted(access.review_provinces(user))
    if not provinces:
        raise NotAllowed()
    lock = services.year_lock(actor=user, province_code=provinces[0], year=payload.year)
    return Reply(201, {"province": lock.province_code, "year": lock.year})


@router.post("/targets/decisions",
             response={201: DecisionOut, 403: ProblemOut, 422: ProblemOut}, auth=API_AUTH,
             summary="Ghi quyết định giao chỉ tiêu và các chỉ tiêu của nó")
def decision_create(request: HttpRequest, payload: DecisionIn) -> Reply[dict[str, Any]]:
    agency = Agency.objects.filter(code=code_text(payload.agency, "agency", max_length=16)).first()
    if agency is None:
        raise DomainError.for_field("agency", _("Không tìm thấy cơ quan."))
    decision = services.target_decision_create(
        actor=_user(request), agency=agency, number=payload.number, date=payload.date,
        title=payload.title, targets=[t.dict() for t in payload.targets])
    return Reply(201, {"id": decision.pk, "number": decision.number, "date": decision.date,
                       "agency": agency.code, "title": decision.title,
                       "targets": decision.targets.count()})


def _attainment(r: selectors.Row) -> dict[str, Any]:
    t = r.target
    indicator = registry_get(t.indicator_code)
    a = r.attainment
    return {
        "target_id": t.pk, "indicator": t.indicator_code,
        "indicator_name": indicator.name_vi if indicator else t.indicator_code,
        "unit": t.unit.code, "unit_name": t.unit.name, "unit_level": t.unit.level,
        "via": r.via.code if r.via is not None else None,
        "merged": [u.code for u in r.merged], "year": t.year,
        "comparator": t.comparator, "target": float(t.value), "decision": t.decision.number,
        "decision_date": t.decision.date,
        "actual": r.value.value if r.value is not None else None,
        "numerator": r.value.numerator if r.value is not None else None,
        "denominator": r.value.denominator if r.value is not None else None,
        "attained": a.attained, "gap": float(a.gap) if a.gap is not None else None, "status": a.status.value, "on_track": a.on_track,
    }


@router.get("/targets", response={200: AttainmentPage, 403: ProblemOut, 422: ProblemOut},
            auth=API_AUTH, summary="Chỉ tiêu của một năm cho một đơn vị và mức đạt")
def target_list(request: HttpRequest, filters: Query[AttainmentFilterIn]) -> dict[str, Any]:
    """The year's targets about the unit (the province by default: every target of its units;
    a commune: its own and those of the units it took over), each with its actual value,
    attained or not, the gap and a red/amber/green status."""
    user = _user(request)
    f = filters
    unit = selectors.unit_for_view(user, f.unit, f.year)
    rows = selectors.targets_for(user, year=f.year, unit=unit,
                                 indicator=code_text(f.indicator, "indicator"))
    size = f.page_size
    start = (f.page - 1) * size
    page = selectors.attainment_rows(rows[start:start + size], today=timezone.localdate())
    return {"year": f.year, "unit": unit.code, "count": len(rows), "page": f.page,
            "page_size": size, "num_pages": max(1, math.ceil(len(rows) / size)),
            "results": [_attainment(r) for r in page]}


@router.get("/targets/summary", response={200: SummaryOut, 403: ProblemOut, 422: ProblemOut},
            auth=API_AUTH, summary="Tổng hợp mức đạt chỉ tiêu (xanh, vàng, đỏ) theo cấp")
def target_summary(request: HttpRequest, filters: Query[SummaryFilterIn]) -> dict[str, Any]:
    """Counts of targets by status, overall and by the level of the target's unit: the
    province's roll-up of its communes' (and former districts') targets."""
    user = _user(request)
    where = selectors.unit_for_view(user, filters.unit, filters.year)
    rows = selectors.attainment_rows(selectors.targets_for(user, year=filters.year, unit=where),
                                     today=timezone.localdate())
    return {"year": filters.year, "unit": where.code, **selectors.attainment_summary(rows)}


# --- commune digital-transformation criteria -------------------------------------------------


class CriterionIn(Schema):
    code: str
    name: str
    rule: Literal["ratio", "count", "yes_no", "tiered"]
    max_points: Decimal
    params: dict[str, Any] = Field(default_factory=dict)
    mandatory: bool = False


class PillarIn(Schema):
    code: str
    name: str
    criteria: list[CriterionIn]


class FrameworkIn(Schema):
    code: str
    name: str
    regulation: str = ""
    pass_score: Decimal
    pillars: list[PillarIn]


class CriterionOut(Schema):
    code: str
    name: str
    pillar: str
    rule: str
    max_points: float
    params: dict[str, Any]
    mandatory: bool


class FrameworkOut(Schema):
    code: str
    name: str
    regulation: str
    pass_score: float
    criteria: list[CriterionOut]


class AnswerIn(Schema):
    criterion: str
    numerator: int | None = None
    denominator: int | None = None
    count: int | None = None
    yes: bool | None = None


class AssessmentIn(Schema):
    framework: str
    unit: str
    year: int
    answers: list[AnswerIn]
    revision: int | None = Field(None, description="số lần lưu đang xem (chống ghi đè)")


class AnswerOut(Schema):
    criterion: str
    numerator: int | None
    denominator: int | None
    count: int | None
    yes: bool | None
    points: float


class AssessmentOut(Schema):
    unit: str
    unit_name: str
    year: int
    score: float
    max_score: float
    attained: bool
    locked: bool
    revision: int


class AssessmentDetail(AssessmentOut):
    answers: list[AnswerOut]


class AssessmentPage(Schema):
    framework: str
    year: int
    locked: bool
    count: int
    attained: int
    page: int
    page_size: int
    num_pages: int
    results: list[AssessmentOut]


class AssessmentFilterIn(Schema):
    framework: str
    year: int = Field(ge=2000, le=2100)
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=100)


class DxLockIn(Schema):
    framework: str
    year: int


def _framework(f: Any) -> dict[str, Any]:
    return {"code": f.code, "name": f.name, "regulation": f.regulation,
            "pass_score": float(f.pass_score),
            "criteria": [{"code": c.code, "name": c.name, "pillar": c.pillar.code,
                          "rule": c.rule, "max_points": float(c.max_points), "params": c.params,
                          "mandatory": c.mandatory} for c in selectors.dx_criteria(f)]}


def _assessment(a: Any, locked: bool) -> dict[str, Any]:
    return {"unit": a.unit.code, "unit_name": a.unit.name, "year": a.year,
            "score": float(a.score), "max_score": float(a.max_score), "attained": a.attained,
            "locked": locked, "revision": a.revision}


@router.post("/dx/frameworks", response={201: FrameworkOut, 403: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, summary="Tạo bộ tiêu chí chuyển đổi số cấp xã")
def dx_framework_create(request: HttpRequest, payload: FrameworkIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    provinces = sorted(access.review_provinces(user))
    if not provinces:
        raise NotAllowed()
    framework = services.dx_framework_create(
        actor=user, province_code=provinces[0], code=payload.code, name=payload.name,
        regulation=payload.regulation, pass_score=payload.pass_score,
        pillars=[p.dict() for p in payload.pillars])
    return Reply(201, _framework(framework))


@router.get("/dx/frameworks/{code}", response={200: FrameworkOut, 422: ProblemOut},
            auth=API_AUTH, summary="Một bộ tiêu chí và các tiêu chí của nó")
def dx_framework_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _framework(selectors.dx_framework_for(_user(request), code))


@router.put("/dx/assessments",
            response={200: AssessmentDetail, 403: ProblemOut, 409: ProblemOut, 422: ProblemOut},
            auth=API_AUTH, summary="Lưu tự đánh giá của một xã cho một năm")
def dx_assessment_save(request: HttpRequest, payload: AssessmentIn) -> dict[str, Any]:
    user = _user(request)
    framework = selectors.dx_framework_for(user, payload.framework)
    assessment = services.dx_assessment_save(
        actor=user, framework=framework, unit_code=payload.unit, year=payload.year,
        answers=[a.dict() for a in payload.answers], revision=payload.revision)
    return {**_assessment(assessment, False),
            "answers": [{"criterion": a.criterion.code, "numerator": a.numerator,
                         "denominator": a.denominator, "count": a.count, "yes": a.yes,
                         "points": float(a.points)} for a in selectors.dx_answers(assessment)]}


@router.get("/dx/assessments", response={200: AssessmentPage, 422: ProblemOut}, auth=API_AUTH,
            summary="Xếp hạng các xã theo điểm chuyển đổi số trong một năm")
def dx_assessment_list(request: HttpRequest, filters: Query[AssessmentFilterIn]
                       ) -> dict[str, Any]:
    user = _user(request)
    f = filters
    framework = selectors.dx_framework_for(user, f.framework)
    qs = selectors.dx_assessments_for(user, framework, f.year)
    locked = selectors.dx_locked(framework, f.year)
    count, rows = selectors.page_of(qs, page=f.page, page_size=f.page_size)
    return {"framework": framework.code, "year": f.year, "locked": locked, "count": count,
            "attained": qs.filter(attained=True).count(), "page": f.page,
            "page_size": f.page_size, "num_pages": max(1, math.ceil(count / f.page_size)),
            "results": [_assessment(a, locked) for a in rows]}


@router.post("/dx/locks", response={201: dict[str, Any], 403: ProblemOut, 422: ProblemOut},
             auth=API_AUTH, summary="Khóa kết quả đánh giá một năm sau thẩm định")
def dx_lock(request: HttpRequest, payload: DxLockIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    framework = selectors.dx_framework_for(user, payload.framework)
    lock = services.dx_lock(actor=user, framework=framework, year=payload.year)
    return Reply(201, {"framework": framework.code, "year": lock.year})


# Last, so that the fixed paths above (/table, /entries, /targets) are matched first.
@router.get("/{code}", response={200: IndicatorOut, 404: ProblemOut},
            summary="Một chỉ số công khai: định nghĩa, công thức, nhóm")
def indicator_detail(request: HttpRequest, code: str) -> IndicatorOut:
    return _out(indicator_get(code))
