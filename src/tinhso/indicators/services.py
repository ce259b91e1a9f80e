"""Every write of the indicators app: entered figures (create, revise, verify, reject), which
agency enters which indicator, closing a year, and targets by decision. One transaction each,
the acting user's right checked first, an audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.audit import audit_record
from tinhso.core.errors import DomainError, NotAllowed
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.models import AdminUnit, Agency
from tinhso.indicators import access, dx, registry
from tinhso.indicators.files import (
    Written,
    evidence_check,
    evidence_discard,
    evidence_write,
)
from tinhso.indicators.inputs import code_text
from tinhso.indicators.models import (
    Assignment,
    Comparator,
    DxAnswer,
    DxAssessment,
    DxCriterion,
    DxFramework,
    DxLock,
    DxPillar,
    Entry,
    EntryRevision,
    EntryStatus,
    Evidence,
    Target,
    TargetDecision,
    YearLock,
)
from tinhso.indicators.periods import Period, PeriodError
from tinhso.indicators.registry import Indicator

NOTE_MAX = 4_000
TITLE_MAX = 500
MAX_TARGETS = 2_000
MAX_NUMBER = 10**15  # counts and rate parts: far above any real figure, inside BIGINT
MIN_YEAR, MAX_YEAR = 2000, 2100
EACH_COMMUNE = "communes"  # a target's `unit` that stands for every commune of the province


class Conflict(DomainError):
    """The entry moved on since the caller looked, or its state does not allow this (409)."""

    def __init__(self, message: str = "", code: str = "conflict") -> None:
        super().__init__(message=message or _("Số liệu đã thay đổi; vui lòng tải lại."),
                         status=409, code=code)


# --- checking input -------------------------------------------------------------------------


def _text(value: Any, field: str, *, max_length: int, required: bool = False,
          multiline: bool = False) -> str:
    try:
        cleaned = clean_text(str(value or ""), multiline=multiline)
    except UnsafeText:
        raise DomainError.for_field(field, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ.")) \
            from None
    if required and not cleaned:
        raise DomainError.for_field(field, _("Cần nhập nội dung này."), code="required")
    if len(cleaned) > max_length:
        raise DomainError.for_field(field, _("Dài quá %(n)d ký tự.") % {"n": max_length},
                                    code="too_long")
    return cleaned


def _indicator(code: str, field: str = "indicator", *, entered: bool = False) -> Indicator:
    indicator = registry.get(code_text(code, field))
    if indicator is None:
        raise DomainError.for_field(field, _("Không có chỉ số này."))
    if entered and not indicator.entered:
        raise DomainError.for_field(
            field, _("Chỉ số này được tính tự động từ hệ thống, không nhập tay."))
    return indicator


def _period(text: Any, field: str = "period") -> Period:
    try:
        return Period.parse(code_text(text, field, max_length=16))
    except PeriodError:
        raise DomainError.for_field(
            field, _("Kỳ không hợp lệ: cần năm (2026), quý (2026-Q3) hoặc tháng (2026-07).")
        ) from None


def _integer(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DomainError.for_field(field, _("Cần một số nguyên."))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError.for_field(field, _("Cần một số nguyên.")) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise DomainError.for_field(field, _("Cần một số nguyên."))
    if not 0 <= number <= MAX_NUMBER:
        raise DomainError.for_field(field, _("Giá trị phải từ 0 đến %(max)s.")
                                    % {"max": f"{MAX_NUMBER:,}".replace(",", ".")},
                                    code="out_of_range")
    return int(number)


def _figures(indicator: Indicator, value: Any, numerator: Any, denominator: Any
             ) -> tuple[int | None, int | None, int | None]:
    """(value, numerator, denominator) as the indicator takes them: a count takes a value, a
    rate its numerator and denominator (0 ≤ numerator ≤ denominator, denominator > 0); each
    within the indicator's range."""
    v, n, d = (_integer(value, "value"), _integer(numerator, "numerator"),
               _integer(denominator, "denominator"))
    if indicator.kind == "rate":
        if v is not None:
            raise DomainError.for_field(
                "value", _("Chỉ số tỷ lệ: nhập tử số và mẫu số, không nhập giá trị."))
        if n is None:
            raise DomainError.for_field("numerator", _("Cần nhập tử số."), code="required")
        if d is None:
            raise DomainError.for_field("denominator", _("Cần nhập mẫu số."), code="required")
        if d == 0:
            raise DomainError.for_field("denominator", _("Mẫu số phải lớn hơn 0."),
                                        code="zero")
        if n > d:
            raise DomainError.for_field("numerator", _("Tử số không được lớn hơn mẫu số."),
                                        code="out_of_range")
        shown = Decimal(n * 100) / Decimal(d)
        field = "numerator"
    else:
        if n is not None or d is not None:
            raise DomainError.for_field(
                "numerator" if n is not None else "denominator",
                _("Chỉ số đếm: nhập giá trị, không nhập tử số và mẫu số."))
        if v is None:
            raise DomainError.for_field("value", _("Cần nhập giá trị."), code="required")
        shown, field = Decimal(v), "value"
    low, high = indicator.minimum, indicator.maximum
    if (low is not None and shown < Decimal(str(low))) or (
            high is not None and shown > Decimal(str(high))):
        raise DomainError.for_field(
            field, _("Giá trị ngoài khoảng cho phép của chỉ số (%(low)s – %(high)s).")
            % {"low": "…" if low is None else f"{low:g}",
               "high": "…" if high is None else f"{high:g}"},
            code="out_of_range")
    return v, n, d


def _unit_overlaps(first: dt.date, end: dt.date) -> Q:
    """Units in force at some time in [first, end)."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lt=end)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gt=first))


def unit_resolve(code: Any, *, province_code: str, first: dt.date, end: dt.date,
                 field: str = "unit") -> AdminUnit:
    """The unit of this province with this code that existed during [first, end) (codes recur
    across eras: the one in force at the end of the span wins)."""
    code = code_text(code, field, max_length=16)
    units = list(AdminUnit.objects.filter(_unit_overlaps(first, end), code=code,
                                          province_code=province_code)
                 .order_by("-valid_from", "level")[:2])
    if not units:
        raise DomainError.for_field(
            field, _("Không có đơn vị hành chính mã “%(code)s” của tỉnh trong kỳ này.")
            % {"code": code[:16]})
    return units[0]


def _locked(province_code: str, year: int) -> None:
    if YearLock.objects.filter(province_code=province_code, year=year).exists():
        raise Conflict(_("Số liệu năm %(year)d đã khóa sau thẩm định; không thể thay đổi.")
                       % {"year": year}, code="locked")


def _now(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return timezone.now()
    if at.utcoffset() is None:
        raise DomainError.for_field("at", _("Thời điểm phải có múi giờ."))
    return at


# --- assignments and locks -----------------------------------------------------------------


@transaction.atomic
def assignment_add(*, actor: Any, indicator_code: str, agency: Agency,
                   at: dt.datetime | None = None) -> Assignment:
    """The province gives one of its agencies the task of entering an indicator."""
    if not access.can_review(actor, agency.province_code):
        raise NotAllowed()
    indicator = _indicator(indicator_code, entered=True)
    row, created = Assignment.objects.get_or_create(
        indicator_code=indicator.code, agency=agency,
        defaults={"province_code": agency.province_code, "created_at": _now(at)})
    if created:
        audit_record(actor=actor, action="indicator.assign", obj=row, first=True,
                     data={"indicator": indicator.code, "agency": agency.code})
    return row


@transaction.atomic
def year_lock(*, actor: Any, province_code: str, year: int,
              at: dt.datetime | None = None) -> YearLock:
    """Close a year after review: its entries can no longer be created, revised or reviewed.
    Refused while an entry of that year still waits for review."""
    if not access.can_review(actor, province_code):
        raise NotAllowed()
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        raise DomainError.for_field("year", _("Năm không hợp lệ."))
    if Entry.objects.filter(province_code=province_code, year=year,
                            status=EntryStatus.SUBMITTED).exists():
        raise Conflict(_("Còn số liệu năm %(year)d chờ thẩm định.") % {"year": year},
                       code="pending")
    lock, created = YearLock.objects.get_or_create(
        province_code=province_code, year=year,
        defaults={"locked_at": _now(at), "locked_by": actor})
    if created:
        audit_record(actor=actor, action="indicator.year_lock", obj=lock, first=True,
                     data={"province": province_code, "year": year})
    return lock


# --- entries --------------------------------------------------------------------------------


def _store(entry: Entry, revision: EntryRevision, written: Sequence[Written], *, actor: Any,
           at: dt.datetime) -> list[Evidence]:
    return Evidence.objects.bulk_create([
        Evidence(entry=entry, revision=revision, name=w.upload.name,
                 content_type=w.upload.content_type, size=w.size, sha256=w.sha256,
                 storage_path=w.storage_path, uploaded_at=at, uploaded_by=actor)
        for w in written
    ])


def _with_files(files: Iterable[tuple[str, Any]], at: dt.datetime, *, required: bool,
                work: Any) -> Any:
    """Check the files, write them, then run `work(written)` in one transaction; remove the
    files again when it fails."""
    uploads = evidence_check(files)
    if required and not uploads:
        raise DomainError.for_field("files", _("Cần đính kèm ít nhất một tệp minh chứng."),
                                    code="required")
    written: list[Written] = []
    try:
        for upload in uploads:
            written.append(evidence_write(upload, at=at))
        with transaction.atomic():
            return work(written)
    except BaseException:
        evidence_discard(written)
        raise


def entry_create(*, actor: Any, agency: Agency, indicator_code: str, unit_code: str,
                 period: str, value: Any = None, numerator: Any = None,
                 denominator: Any = None, note: str = "",
                 files: Iterable[tuple[str, Any]] = (), at: dt.datetime | None = None) -> Entry:
    """An agency enters a figure for a unit and a period, with at least one evidence file; it
    waits for a reviewer."""
    at = _now(at)
    if not access.can_enter(actor, agency):
        raise NotAllowed()
    indicator = _indicator(indicator_code, entered=True)
    if not Assignment.objects.filter(indicator_code=indicator.code, agency=agency).exists():
        raise NotAllowed(_("Cơ quan không được giao nhập chỉ số “%(name)s”.")
                         % {"name": indicator.name_vi})
    when = _period(period)
    if when.first_day > timezone.localdate(at):
        raise DomainError.for_field("period", _("Kỳ chưa bắt đầu."), code="future")
    unit = unit_resolve(unit_code, province_code=agency.province_code, first=when.first_day,
                        end=when.end)
    if agency.kind in (Agency.Kind.COMMUNE, Agency.Kind.PEOPLES_COMMITTEE) \
            and unit.level != AdminUnit.Level.PROVINCE and unit.pk != agency.unit_id:
        raise DomainError.for_field("unit", _("Cơ quan chỉ nhập số liệu cho đơn vị của mình."))
    v, n, d = _figures(indicator, value, numerator, denominator)
    clean_note = _text(note, "note", max_length=NOTE_MAX, multiline=True)
    _locked(agency.province_code, when.year)

    def work(written: list[Written]) -> Entry:
        try:
            with transaction.atomic():
                entry = Entry.objects.create(
                    indicator_code=indicator.code, unit=unit, period=str(when), year=when.year,
                    agency=agency, province_code=agency.province_code,
                    status=EntryStatus.SUBMITTED, revision=1, created_at=at, updated_at=at)
        except IntegrityError:
            raise Conflict(_("Đã có số liệu của chỉ số này cho đơn vị và kỳ này; "
                             "hãy sửa số liệu đã nhập."), code="exists") from None
        rev = EntryRevision.objects.create(entry=entry, number=1, value=v, numerator=n,
                                           denominator=d, note=clean_note, created_at=at,
                                           created_by=actor)
        stored = _store(entry, rev, written, actor=actor, at=at)
        entry.latest = rev
        entry.save(update_fields=["latest"])
        audit_record(actor=actor, action="indicator_entry.create", obj=entry, first=True,
                     data={"indicator": indicator.code, "unit": unit.code,
                           "period": str(when), "value": v, "numerator": n,
                           "denominator": d, "files": [e.sha256 for e in stored]})
        return entry

    return _with_files(files, at, required=True, work=work)


def _lock_entry(entry: Entry, expected_revision: Any) -> Entry:
    row = Entry.objects.select_for_update().get(pk=entry.pk)
    try:
        expected = int(expected_revision)
    except (TypeError, ValueError):
        raise DomainError.for_field("revision", _("Cần số lần nhập đang xem."),
                                    code="required") from None
    if expected != row.revision:
        raise Conflict()
    return row


def entry_revise(*, actor: Any, entry: Entry, revision: Any, value: Any = None,
                 numerator: Any = None, denominator: Any = None, note: str = "",
                 files: Iterable[tuple[str, Any]] = (), at: dt.datetime | None = None
                 ) -> Entry:
    """A new revision of the figure (the earlier ones are kept as they were); it waits for a
    reviewer, and the last verified revision counts until then."""
    at = _now(at)
    if not access.can_enter(actor, entry.agency):
        raise NotAllowed()
    indicator = _indicator(entry.indicator_code, entered=True)
    v, n, d = _figures(indicator, value, numerator, denominator)
    clean_note = _text(note, "note", max_length=NOTE_MAX, multiline=True)

    def work(written: list[Written]) -> Entry:
        row = _lock_entry(entry, revision)
        _locked(row.province_code, row.year)
        number = row.revision + 1
        rev = EntryRevision.objects.create(entry=row, number=number, value=v, numerator=n,
                                           denominator=d, note=clean_note, created_at=at,
                                           created_by=actor)
        stored = _store(row, rev, written, actor=actor, at=at)
        row.revision, row.latest, row.status, row.updated_at = (
            number, rev, EntryStatus.SUBMITTED, at)
        row.save(update_fields=["revision", "latest", "status", "updated_at"])
        audit_record(actor=actor, action="indicator_entry.revise", obj=row,
                     data={"revision": number, "value": v, "numerator": n, "denominator": d,
                           "files": [e.sha256 for e in stored]})
        return row

    return _with_files(files, at, required=False, work=work)


def _review(*, actor: Any, entry: Entry, revision: Any, verified: bool, reason: str,
            at: dt.datetime | None) -> Entry:
    at = _now(at)
    if not access.can_review(actor, entry.province_code):
        raise NotAllowed()
    with transaction.atomic():
        row = _lock_entry(entry, revision)
        _locked(row.province_code, row.year)
        rev = EntryRevision.objects.select_for_update().get(entry=row, number=row.revision)
        if rev.status != EntryStatus.SUBMITTED:
            raise Conflict(_("Lần nhập này đã được thẩm định."), code="reviewed")
        if rev.created_by_id == getattr(actor, "pk", None):
            raise NotAllowed(_("Không thể tự thẩm định số liệu mình nhập."))
        rev.status = EntryStatus.VERIFIED if verified else EntryStatus.REJECTED
        rev.reviewed_at, rev.reviewed_by, rev.reason = at, actor, reason
        rev.save(update_fields=["status", "reviewed_at", "reviewed_by", "reason"])
        row.status, row.updated_at = rev.status, at
        fields = ["status", "updated_at"]
        if verified:
            row.verified = rev
            fields.append("verified")
        row.save(update_fields=fields)
        audit_record(actor=actor, action="indicator_entry." + ("verify" if verified else "reject"),
                     obj=row, data={"revision": rev.number, "reason": reason})
        return row


def entry_verify(*, actor: Any, entry: Entry, revision: Any,
                 at: dt.datetime | None = None) -> Entry:
    """The reviewer accepts the latest revision: from now on it is the figure that counts."""
    return _review(actor=actor, entry=entry, revision=revision, verified=True, reason="", at=at)


def entry_reject(*, actor: Any, entry: Entry, revision: Any, reason: str,
                 at: dt.datetime | None = None) -> Entry:
    """The reviewer sends the latest revision back with a reason; the agency may revise."""
    clean = _text(reason, "reason", max_length=NOTE_MAX, required=True, multiline=True)
    return _review(actor=actor, entry=entry, revision=revision, verified=False, reason=clean,
                   at=at)


# --- targets --------------------------------------------------------------------------------


def _target_value(raw: Any, indicator: Indicator, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        raise DomainError.for_field(field, _("Cần một số.")) from None
    if not value.is_finite() or value < 0 or value >= Decimal(10) ** 16:
        raise DomainError.for_field(field, _("Chỉ tiêu phải là số không âm."),
                                    code="out_of_range")
    if indicator.unit == "%" and value > 100:
        raise DomainError.for_field(field, _("Chỉ tiêu tỷ lệ không quá 100%."),
                                    code="out_of_range")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError.for_field(field, _("Tối đa hai chữ số thập phân."))
    return value


def _year(raw: Any, field: str) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        raise DomainError.for_field(field, _("Năm không hợp lệ.")) from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError.for_field(field, _("Năm không hợp lệ."))
    return year


def _target_rows(spec: dict[str, Any], i: int, province_code: str) -> list[Target]:
    """One target, or one per commune when its unit is "communes"."""
    f = f"targets.{i}"
    indicator = _indicator(spec.get("indicator", ""), f"{f}.indicator")
    year = _year(spec.get("year"), f"{f}.year")
    comparator = code_text(spec.get("comparator", ""), f"{f}.comparator", max_length=8)
    symbols = {c.label: c.value for c in Comparator}
    comparator = symbols.get(comparator, comparator)
    if comparator not in Comparator.values:
        raise DomainError.for_field(f"{f}.comparator", _("So sánh phải là gte, lte hoặc eq."))
    value = _target_value(spec.get("value"), indicator, f"{f}.value")
    first, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    code = code_text(spec.get("unit", ""), f"{f}.unit", max_length=16)
    if code == EACH_COMMUNE:
        units = list(AdminUnit.objects.filter(
            _unit_overlaps(first, end), province_code=province_code,
            level=AdminUnit.Level.COMMUNE).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=end - dt.timedelta(days=1)))
            .order_by("code"))
        if not units:
            raise DomainError.for_field(f"{f}.unit", _("Tỉnh chưa có xã, phường nào."))
    else:
        units = [unit_resolve(code, province_code=province_code, first=first, end=end,
                              field=f"{f}.unit")]
    return [Target(indicator_code=indicator.code, unit=u, year=year, comparator=comparator,
                   value=value, province_code=province_code) for u in units]


@transaction.atomic
def target_decision_create(*, actor: Any, agency: Agency, number: str, date: dt.date,
                           title: str, targets: Sequence[dict[str, Any]],
                           at: dt.datetime | None = None) -> TargetDecision:
    """Record a decision and the targets it assigns: per indicator, unit and year (or every
    commune at once with unit "communes"); an aggregate target is a count indicator's target
    for the province."""
    at = _now(at)
    if not access.can_review(actor, agency.province_code):
        raise NotAllowed()
    clean_number = _text(number, "number", max_length=64, required=True)
    clean_title = _text(title, "title", max_length=TITLE_MAX, required=True)
    if not isinstance(date, dt.date) or not MIN_YEAR <= date.year <= MAX_YEAR:
        raise DomainError.for_field("date", _("Ngày ban hành không hợp lệ."))
    if not targets:
        raise DomainError.for_field("targets", _("Quyết định cần ít nhất một chỉ tiêu."),
                                    code="required")
    rows: list[Target] = []
    for i, spec in enumerate(targets):
        rows.extend(_target_rows(spec, i, agency.province_code))
        if len(rows) > MAX_TARGETS:
            raise DomainError.for_field("targets", _("Quá nhiều chỉ tiêu trong một quyết định."))
    keys = [(t.indicator_code, t.unit.pk, t.year) for t in rows]
    if len(set(keys)) != len(keys):
        raise DomainError.for_field("targets", _("Một chỉ số được giao hai lần cho cùng đơn vị "
                                                 "và năm."), code="duplicate")
    if TargetDecision.objects.filter(province_code=agency.province_code,
                                     number=clean_number).exists():
        raise DomainError.for_field("number", _("Đã có quyết định số này."), code="duplicate")
    decision = TargetDecision.objects.create(
        province_code=agency.province_code, number=clean_number, date=date, agency=agency,
        title=clean_title, created_at=at, created_by=actor)
    for t in rows:
        t.decision = decision
    Target.objects.bulk_create(rows)
    audit_record(actor=actor, action="indicator.target_decision", obj=decision, first=True,
                 data={"number": clean_number, "targets": len(rows)})
    return decision


# --- commune digital-transformation criteria -------------------------------------------------


def _points_value(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        raise DomainError.for_field(field, _("Cần một số.")) from None
    if not value.is_finite() or not 0 <= value < 10**6 or value != value.quantize(Decimal("0.01")):
        raise DomainError.for_field(field, _("Cần số điểm không âm, tối đa hai chữ số thập phân."),
                                    code="out_of_range")
    return value


@transaction.atomic
def dx_framework_create(*, actor: Any, province_code: str, code: str, name: str,
                        pass_score: Any, pillars: Sequence[dict[str, Any]],
                        regulation: str = "", at: dt.datetime | None = None) -> DxFramework:
    """A framework of pillars and criteria, each criterion with its scoring rule (ratio,
    count, yes/no, tiered), and the score that attains the standard."""
    at = _now(at)
    if not access.can_review(actor, province_code):
        raise NotAllowed()
    clean_code = _text(code, "code", max_length=32, required=True)
    clean_name = _text(name, "name", max_length=255, required=True)
    clean_regulation = _text(regulation, "regulation", max_length=255)
    passing = _points_value(pass_score, "pass_score")
    if not pillars:
        raise DomainError.for_field("pillars", _("Cần ít nhất một trụ cột."), code="required")
    if DxFramework.objects.filter(province_code=province_code, code=clean_code).exists():
        raise DomainError.for_field("code", _("Đã có bộ tiêu chí mã này."), code="duplicate")
    framework = DxFramework.objects.create(
        province_code=province_code, code=clean_code, name=clean_name,
        regulation=clean_regulation, pass_score=passing, created_at=at, created_by=actor)
    seen: set[str] = set()
    top = Decimal(0)
    position = 0
    for i, pillar in enumerate(pillars):
        f = f"pillars.{i}"
        row = DxPillar.objects.create(
            framework=framework, position=i,
            code=_text(pillar.get("code"), f"{f}.code", max_length=32, required=True),
            name=_text(pillar.get("name"), f"{f}.name", max_length=255, required=True))
        criteria = pillar.get("criteria") or []
        if not criteria:
            raise DomainError.for_field(f"{f}.criteria", _("Cần ít nhất một tiêu chí."),
                                        code="required")
        for j, c in enumerate(criteria):
            g = f"{f}.criteria.{j}"
            c_code = _text(c.get("code"), f"{g}.code", max_length=32, required=True)
            if c_code in seen:
                raise DomainError.for_field(f"{g}.code", _("Mã tiêu chí bị trùng."),
                                            code="duplicate")
            seen.add(c_code)
            max_points = _points_value(c.get("max_points"), f"{g}.max_points")
            rule = str(c.get("rule", ""))
            try:
                params = dx.rule_check(rule, c.get("params") or {}, max_points)
            except dx.RuleError as exc:
                raise DomainError.for_field(
                    f"{g}.{exc.field}", _("Quy tắc tính điểm không hợp lệ: %(why)s.")
                    % {"why": exc.message}) from None
            DxCriterion.objects.create(
                framework=framework, pillar=row, code=c_code, rule=rule, params=params,
                name=_text(c.get("name"), f"{g}.name", max_length=500, required=True),
                max_points=max_points, mandatory=bool(c.get("mandatory", False)),
                position=position)
            position += 1
            top += max_points
    if passing > top:
        raise DomainError.for_field("pass_score", _("Điểm đạt chuẩn lớn hơn tổng điểm tối đa "
                                                    "(%(top)s).") % {"top": top})
    audit_record(actor=actor, action="indicator.dx_framework", obj=framework, first=True,
                 data={"code": clean_code, "criteria": len(seen), "pass_score": passing})
    return framework


def _dx_locked(framework: DxFramework, year: int) -> None:
    if DxLock.objects.filter(framework=framework, year=year).exists():
        raise Conflict(_("Kết quả đánh giá năm %(year)d đã khóa.") % {"year": year},
                       code="locked")


def _dx_answer(criterion: DxCriterion, raw: dict[str, Any], field: str) -> dx.Answer:
    basis = criterion.rule if criterion.rule != "tiered" else criterion.params.get("basis")
    if basis == "ratio":
        n, d = _integer(raw.get("numerator"), f"{field}.numerator"), _integer(
            raw.get("denominator"), f"{field}.denominator")
        if n is None or d is None:
            raise DomainError.for_field(f"{field}.numerator" if n is None
                                        else f"{field}.denominator",
                                        _("Cần nhập tử số và mẫu số."), code="required")
        if n > d:
            raise DomainError.for_field(f"{field}.numerator",
                                        _("Tử số không được lớn hơn mẫu số."),
                                        code="out_of_range")
        return dx.Answer(numerator=n, denominator=d)
    if basis == "count":
        count = _integer(raw.get("count"), f"{field}.count")
        if count is None:
            raise DomainError.for_field(f"{field}.count", _("Cần nhập số lượng."),
                                        code="required")
        return dx.Answer(count=count)
    yes = raw.get("yes")
    if not isinstance(yes, bool):
        raise DomainError.for_field(f"{field}.yes", _("Cần trả lời có hoặc không."),
                                    code="required")
    return dx.Answer(yes=yes)


def _dx_can_answer(actor: Any, unit: AdminUnit) -> bool:
    if access.can_review(actor, unit.province_code):
        return True
    return Agency.objects.filter(
        pk__in=access.entering_agencies(actor), unit=unit,
        kind__in=(Agency.Kind.COMMUNE, Agency.Kind.PEOPLES_COMMITTEE)).exists()


@transaction.atomic
def dx_assessment_save(*, actor: Any, framework: DxFramework, unit_code: str, year: Any,
                       answers: Sequence[dict[str, Any]], revision: Any = None,
                       at: dt.datetime | None = None) -> DxAssessment:
    """A commune's answers for a year (by its committee's officers, or the reviewer): the
    criteria answered are replaced, the score and the standard recomputed. Refused once the
    year is locked."""
    at = _now(at)
    year_n = _year(year, "year")
    unit = unit_resolve(unit_code, province_code=framework.province_code,
                        first=dt.date(year_n, 1, 1), end=dt.date(year_n + 1, 1, 1))
    if unit.level != AdminUnit.Level.COMMUNE:
        raise DomainError.for_field("unit", _("Chỉ đánh giá xã, phường."))
    if not _dx_can_answer(actor, unit):
        raise NotAllowed()
    _dx_locked(framework, year_n)
    criteria = {c.code: c for c in DxCriterion.objects.filter(framework=framework)}
    cleaned: dict[int, tuple[DxCriterion, dx.Answer]] = {}
    for i, raw in enumerate(answers):
        criterion = criteria.get(code_text(raw.get("criterion", ""), f"answers.{i}.criterion"))
        if criterion is None:
            raise DomainError.for_field(f"answers.{i}.criterion", _("Không có tiêu chí này."))
        cleaned[criterion.pk] = (criterion, _dx_answer(criterion, raw, f"answers.{i}"))
    assessment, created = DxAssessment.objects.select_for_update().get_or_create(
        framework=framework, unit=unit, year=year_n,
        defaults={"province_code": framework.province_code, "updated_at": at,
                  "updated_by": actor})
    if revision not in (None, "") and str(revision) != str(assessment.revision):
        raise Conflict()
    for criterion, answer in cleaned.values():
        DxAnswer.objects.update_or_create(
            assessment=assessment, criterion=criterion,
            defaults={"numerator": answer.numerator, "denominator": answer.denominator,
                      "count": answer.count, "yes": answer.yes,
                      "points": dx.points(criterion.rule, criterion.params,
                                          criterion.max_points, answer)})
    got = {a.criterion_id: a.points for a in DxAnswer.objects.filter(assessment=assessment)}
    score = dx.total(((got.get(c.pk, Decimal(0)), c.max_points, c.mandatory)
                      for c in criteria.values()), framework.pass_score)
    assessment.score, assessment.max_score, assessment.attained = (
        score.total, score.maximum, score.attained)
    assessment.revision += 1
    assessment.updated_at, assessment.updated_by = at, actor
    assessment.save()
    audit_record(actor=actor, action="indicator.dx_assessment", obj=assessment, first=created,
                 data={"revision": assessment.revision, "score": score.total,
                       "attained": score.attained,
                       "answers": {c.code: [a.numerator, a.denominator, a.count, a.yes]
                                   for c, a in cleaned.values()}})
    return assessment


@transaction.atomic
def dx_lock(*, actor: Any, framework: DxFramework, year: Any,
            at: dt.datetime | None = None) -> DxLock:
    """The reviewer closes the year: scores are final, no answer changes after this."""
    if not access.can_review(actor, framework.province_code):
        raise NotAllowed()
    year_n = _year(year, "year")
    lock, created = DxLock.objects.get_or_create(
        framework=framework, year=year_n, defaults={"locked_at": _now(at), "locked_by": actor})
    if created:
        audit_record(actor=actor, action="indicator.dx_lock", obj=framework,
                     data={"year": year_n})
    return lock
