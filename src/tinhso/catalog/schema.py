"""The content of a procedure version as plain data, and its validation.

Imports, the API and the demo loader all go through `clean_procedure` so that the same rules
(NFC text, no control characters, known agency, levels, sub-lists) hold wherever data comes in.
Field names here are the column names of the CSV/JSON formats documented in docs/catalog.md.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.catalog.codes import InvalidProcedureCode, normalize_procedure_code
from tinhso.catalog.models import DeadlineUnit, GovernmentLevel, LegacyLevel, OnlineLevel
from tinhso.core.text import UnsafeText, clean_text, fold

# Every column, in export order.
COLUMNS = [
    "code", "name", "field", "agency_code", "online_level", "legacy_level", "government_level",
    "deadline_value", "deadline_unit", "deadline_note", "result_type", "legal_basis", "is_joint",
    "effective_from", "change_note", "required_documents", "fees", "sources",
]
# Content that makes a new version when it changes (not the date or the note about it).
CONTENT_FIELDS = [
    "name", "field", "agency_code", "online_level", "legacy_level", "government_level",
    "deadline_value", "deadline_unit", "deadline_note", "result_type", "legal_basis", "is_joint",
    "required_documents", "fees",
]

_ONLINE_ALIASES = {
    "full": OnlineLevel.FULL, "toan trinh": OnlineLevel.FULL, "4": OnlineLevel.FULL,
    "partial": OnlineLevel.PARTIAL, "mot phan": OnlineLevel.PARTIAL, "3": OnlineLevel.PARTIAL,
    "none": OnlineLevel.NONE, "khong": OnlineLevel.NONE, "khong truc tuyen": OnlineLevel.NONE,
    "2": OnlineLevel.NONE,
}
_GOVERNMENT_ALIASES = {
    "central": GovernmentLevel.CENTRAL, "trung uong": GovernmentLevel.CENTRAL,
    "bo": GovernmentLevel.CENTRAL, "cap bo": GovernmentLevel.CENTRAL,
    "province": GovernmentLevel.PROVINCE, "tinh": GovernmentLevel.PROVINCE,
    "cap tinh": GovernmentLevel.PROVINCE,
    "district": GovernmentLevel.DISTRICT, "huyen": GovernmentLevel.DISTRICT,
    "cap huyen": GovernmentLevel.DISTRICT,
    "commune": GovernmentLevel.COMMUNE, "xa": GovernmentLevel.COMMUNE,
    "cap xa": GovernmentLevel.COMMUNE,
}
_UNIT_ALIASES = {
    "day": DeadlineUnit.WORKING_DAY, "ngay": DeadlineUnit.WORKING_DAY,
    "ngay lam viec": DeadlineUnit.WORKING_DAY,
    "hour": DeadlineUnit.WORKING_HOUR, "gio": DeadlineUnit.WORKING_HOUR,
    "gio lam viec": DeadlineUnit.WORKING_HOUR,
}
_TRUE = {"true", "1", "yes", "y", "x", "co"}
_FALSE = {"false", "0", "no", "n", "khong", ""}
MAX_DOCUMENTS = 100
MAX_FEES = 50
MAX_FILE_TYPES = 10


@dataclass
class DocumentData:
    name: str
    mandatory: bool = True
    file_types: list[str] = dc_field(default_factory=list)
    copies: int = 1


@dataclass
class FeeData:
    amount: int
    description: str = ""


@dataclass
class ProcedureData:
    code: str
    name: str
    field: str
    agency_code: str
    online_level: str
    government_level: str
    legacy_level: int | None = None
    deadline_value: int | None = None
    deadline_unit: str = DeadlineUnit.WORKING_DAY.value
    deadline_note: str = ""
    result_type: str = ""
    legal_basis: str = ""
    is_joint: bool = False
    effective_from: dt.date | None = None
    change_note: str = ""
    required_documents: list[DocumentData] = dc_field(default_factory=list)
    fees: list[FeeData] = dc_field(default_factory=list)
    sources: dict[str, Any] = dc_field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """What decides whether something changed, comparable with `version_content`."""
        data = asdict(self)
        return {k: data[k] for k in CONTENT_FIELDS}


@dataclass
class FieldProblem:
    field: str
    message: str


class ProcedureDataError(ValueError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class _Collector:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, name: str, message: str) -> None:
        self.problems.append(FieldProblem(name, message))


def _text(raw: dict[str, Any], name: str, errors: _Collector, *, required: bool = False,
          max_length: int = 500, multiline: bool = False, prefix: str = "") -> str:
    value = raw.get(name)
    label = f"{prefix}{name}"
    if value is None:
        value = ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        errors.add(label, _("Cần một chuỗi ký tự."))
        return ""
    try:
        text = clean_text(str(value), multiline=multiline)
    except UnsafeText:
        errors.add(label, _("Có ký tự điều khiển hoặc ký tự ẩn không được phép."))
        return ""
    if required and not text:
        errors.add(label, _("Không được để trống."))
    if len(text) > max_length:
        errors.add(label, _("Dài quá %(n)d ký tự.") % {"n": max_length})
    return text


def _int(value: Any, label: str, errors: _Collector, *, minimum: int = 0,
         maximum: int = 10**15) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(label, _("Cần một số nguyên."))
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        digits = value.strip().replace(".", "").replace(",", "").replace(" ", "")
        if not digits.isascii() or not digits.isdigit():
            errors.add(label, _("Cần một số nguyên không âm."))
            return None
        value = int(digits)
    if not isinstance(value, int):
        errors.add(label, _("Cần một số nguyên."))
        return None
    if value < minimum or value > maximum:
        errors.add(label, _("Cần trong khoảng %(a)d đến %(b)d.") % {"a": minimum, "b": maximum})
        return None
    return value


def _bool(value: Any, label: str, errors: _Collector, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        key = fold(value)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return default if key == "" else False
    errors.add(label, _("Cần có/không (true/false)."))
    return default


def _choice(value: Any, aliases: dict[str, Any], label: str, errors: _Collector,
            *, required: bool, default: str = "") -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(label, _("Không được để trống."))
        return default
    key = fold(str(value))
    if key not in aliases:
        allowed = ", ".join(sorted({str(v.value) for v in aliases.values()}))
        errors.add(label, _("Giá trị không hợp lệ; cho phép: %(allowed)s.") % {"allowed": allowed})
        return default
    return str(aliases[key].value)


def _sub_list(value: Any, label: str, errors: _Collector) -> list[Any]:
    """A JSON list, or a JSON-encoded string holding one (the CSV form)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.add(label, _("Cần một danh sách JSON."))
            return []
    if not isinstance(value, list):
        errors.add(label, _("Cần một danh sách JSON."))
        return []
    return value


def _documents(value: Any, errors: _Collector) -> list[DocumentData]:
    items = _sub_list(value, "required_documents", errors)
    if len(items) > MAX_DOCUMENTS:
        errors.add("required_documents", _("Quá %(n)d giấy tờ.") % {"n": MAX_DOCUMENTS})
        return []
    out = []
    for i, item in enumerate(items):
        prefix = f"required_documents[{i}]."
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            errors.add(f"required_documents[{i}]", _("Cần một đối tượng JSON."))
            continue
        name = _text(item, "name", errors, required=True, max_length=1000, prefix=prefix)
        mandatory = _bool(item.get("mandatory"), prefix + "mandatory", errors, True)
        types_raw = item.get("file_types") or []
        if isinstance(types_raw, str):
            types_raw = types_raw.replace(";", ",").split(",")
        types: list[str] = []
        if not isinstance(types_raw, list):
            errors.add(prefix + "file_types", _("Cần danh sách đuôi tệp, ví dụ [\"pdf\", \"jpg\"]."))
        else:
            for t in types_raw:
                ext = str(t).strip().lower().lstrip(".")
                if not ext:
                    continue
                if not (ext.isascii() and ext.isalnum() and len(ext) <= 8):
                    errors.add(prefix + "file_types", _("Đuôi tệp không hợp lệ: %(ext)s.") % {"ext": ext[:20]})
                    break
                if ext not in types:
                    types.append(ext)
            if len(types) > MAX_FILE_TYPES:
                errors.add(prefix + "file_types", _("Quá nhiều định dạng tệp."))
        copies = _int(item.get("copies", 1), prefix + "copies", errors, minimum=1, maximum=100)
        out.append(DocumentData(name=name, mandatory=mandatory, file_types=types,
                                copies=copies if copies is not None else 1))
    return out


def _fees(value: Any, errors: _Collector) -> list[FeeData]:
    items = _sub_list(value, "fees", errors)
    if len(items) > MAX_FEES:
        errors.add("fees", _("Quá %(n)d khoản phí.") % {"n": MAX_FEES})
        return []
    out = []
    for i, item in enumerate(items):
        prefix = f"fees[{i}]."
        if not isinstance(item, dict):
            errors.add(f"fees[{i}]", _("Cần một đối tượng JSON."))
            continue
        amount = _int(item.get("amount"), prefix + "amount", errors, maximum=10**13)
        if amount is None and not any(p.field == prefix + "amount" for p in errors.problems):
            errors.add(prefix + "amount", _("Không được để trống."))
        description = _text(item, "description", errors, max_length=1000, prefix=prefix)
        out.append(FeeData(amount=amount or 0, description=description))
    return out


def _date(value: Any, errors: _Collector) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.add("effective_from", _("Ngày không hợp lệ: cần dạng YYYY-MM-DD."))
        return None


def clean_procedure(raw: Any, *, known_agency_codes: set[str] | None = None) -> ProcedureData:
    """Validate one record; raises ProcedureDataError listing every problem found."""
    errors = _Collector()
    if not isinstance(raw, dict):
        raise ProcedureDataError([FieldProblem("row", _("Cần một đối tượng JSON."))])
    code_raw = raw.get("code")
    code = ""
    if not isinstance(code_raw, str) or not code_raw.strip():
        errors.add("code", _("Không được để trống."))
    else:
        try:
            code = normalize_procedure_code(code_raw)
        except InvalidProcedureCode:
            errors.add("code", str(_("Mã thủ tục không hợp lệ: cần dạng 1.001193 hoặc "
                                     "1.001193.000.00.00.H56.")))
    name = _text(raw, "name", errors, required=True, max_length=500)
    field_name = _text(raw, "field", errors, required=True, max_length=200)
    agency_code = _text(raw, "agency_code", errors, required=True, max_length=16)
    if agency_code and known_agency_codes is not None and agency_code not in known_agency_codes:
        errors.add("agency_code", _("Không có cơ quan mang mã này."))
    online = _choice(raw.get("online_level"), _ONLINE_ALIASES, "online_level", errors,
                     required=True)
    government = _choice(raw.get("government_level"), _GOVERNMENT_ALIASES, "government_level",
                         errors, required=True)
    legacy = _int(raw.get("legacy_level"), "legacy_level", errors, minimum=2, maximum=4)
    if legacy is not None and legacy not in LegacyLevel.values:
        errors.add("legacy_level", _("Chỉ nhận 2, 3 hoặc 4."))
    deadline = _int(raw.get("deadline_value"), "deadline_value", errors, maximum=10000)
    unit = _choice(raw.get("deadline_unit"), _UNIT_ALIASES, "deadline_unit", errors,
                   required=False, default=DeadlineUnit.WORKING_DAY.value)
    data = ProcedureData(
        code=code,
        name=name,
        field=field_name,
        agency_code=agency_code,
        online_level=online,
        government_level=government,
        legacy_level=legacy,
        deadline_value=deadline,
        deadline_unit=unit,
        deadline_note=_text(raw, "deadline_note", errors, max_length=500),
        result_type=_text(raw, "result_type", errors, max_length=500),
        legal_basis=_text(raw, "legal_basis", errors, max_length=20000, multiline=True),
        is_joint=_bool(raw.get("is_joint"), "is_joint", errors, False),
        effective_from=_date(raw.get("effective_from"), errors),
        change_note=_text(raw, "change_note", errors, max_length=500),
        required_documents=_documents(raw.get("required_documents"), errors),
        fees=_fees(raw.get("fees"), errors),
        sources=_sources(raw.get("sources"), errors),
    )
    if errors.problems:
        raise ProcedureDataError(errors.problems)
    return data


def _sources(value: Any, errors: _Collector) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.add("sources", _("Cần một đối tượng JSON."))
            return {}
    if not isinstance(value, dict):
        errors.add("sources", _("Cần một đối tượng JSON."))
        return {}
    out: dict[str, Any] = {}
    for key, item in value.items():
        try:
            out[clean_text(str(key))[:64]] = (
                clean_text(item, multiline=True)[:2000] if isinstance(item, str) else item
            )
        except UnsafeText:
            errors.add("sources", _("Có ký tự điều khiển hoặc ký tự ẩn không được phép."))
    return out


def today() -> dt.date:
    return timezone.localdate()
