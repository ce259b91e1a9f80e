"""Checking a CKAN dataset or resource dictionary before anything is written. Every problem
is collected, so the caller learns about all offending fields at once (CKAN's Validation
Error lists them by field)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, FieldError
from tinhso.core.text import UnsafeText, clean_text
from tinhso.directory.models import AdminUnit, Agency
from tinhso.opendata import uploads
from tinhso.opendata.models import (
    NAME_MAX,
    TITLE_MAX,
    URL_MAX,
    AccessLevel,
    Frequency,
    Group,
    State,
)

NAME_RE = re.compile(r"^[a-z0-9_-]{2,100}$")
TAG_RE = re.compile(r"^[\w \-.]{2,100}$")
NOTES_MAX = 50_000
MAX_LIST = 500
URL_SCHEMES = ("http://", "https://", "ftp://")


def upload_name(name: str) -> str:
    """A stored file's name: the uploaded name without its path, tone marks or odd characters."""
    base = fold_keep_case(name.replace("\\", "/").rsplit("/", 1)[-1])
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")
    return cleaned[-100:] or "tep"


def fold_keep_case(value: str) -> str:
    value = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in value if unicodedata.category(ch) != "Mn")


@dataclass
class Errors:
    items: list[FieldError] = field(default_factory=list)

    def add(self, name: str, message: str, code: str = "invalid") -> None:
        self.items.append(FieldError(name, message, code))

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(message=_("Dữ liệu không hợp lệ."), errors=self.items, status=422)


def missing() -> str:
    return _("Thiếu giá trị")


def text(data: dict[str, Any], key: str, errors: Errors, *, max_length: int = 255,
         multiline: bool = False, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str | int | float):
        errors.add(key, _("Cần một chuỗi ký tự."))
        return default
    try:
        cleaned = clean_text(str(value), multiline=multiline)
    except UnsafeText:
        errors.add(key, _("Có ký tự điều khiển hoặc ký tự ẩn không hợp lệ."))
        return default
    if len(cleaned) > max_length:
        errors.add(key, _("Dài quá %(n)d ký tự.") % {"n": max_length}, "too_long")
    return cleaned


def email(data: dict[str, Any], key: str, errors: Errors) -> str:
    value = text(data, key, errors)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            errors.add(key, _("Địa chỉ thư điện tử không hợp lệ."))
    return value


def url(data: dict[str, Any], key: str, errors: Errors) -> str:
    value = text(data, key, errors, max_length=URL_MAX)
    if value and not value.lower().startswith(URL_SCHEMES):
        errors.add(key, _("Đường dẫn phải bắt đầu bằng http://, https:// hoặc ftp://."))
    return value


def boolean(data: dict[str, Any], key: str, errors: Errors, default: bool = False) -> bool:
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes", "on"):
        return True
    if str(value).lower() in ("false", "0", "no", "off"):
        return False
    errors.add(key, _("Cần giá trị đúng/sai (true/false)."))
    return default


def integer(data: dict[str, Any], key: str, errors: Errors, default: int | None = None,
            *, minimum: int = 0) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.add(key, _("Số nguyên không hợp lệ"))
        return default
    if number < minimum:
        errors.add(key, _("Phải là số tự nhiên"))
        return default
    return number


def date(data: dict[str, Any], key: str, errors: Errors) -> dt.date | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        errors.add(key, _("Ngày không hợp lệ (cần dạng YYYY-MM-DD)."))
        return None


def moment(data: dict[str, Any], key: str, errors: Errors) -> dt.datetime | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        errors.add(key, _("Thời điểm không hợp lệ (ISO 8601)."))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def choice(data: dict[str, Any], key: str, errors: Errors, choices: Any, default: str) -> str:
    value = data.get(key)
    if value in (None, ""):
        return default
    if value not in choices:
        errors.add(key, _("Giá trị không hợp lệ. Chọn một trong: %(values)s.")
                   % {"values": ", ".join(choices)}, "choice")
        return default
    return str(value)


def listing(data: dict[str, Any], key: str, errors: Errors) -> list[Any]:
    value = data.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        errors.add(key, _("Cần một danh sách."))
        return []
    if len(value) > MAX_LIST:
        errors.add(key, _("Danh sách quá dài (tối đa %(n)d).") % {"n": MAX_LIST}, "too_many")
        return []
    return value


def _ref(item: Any, *keys: str) -> str:
    if isinstance(item, dict):
        for k in keys:
            if item.get(k):
                return str(item[k])
        return ""
    return str(item)


@dataclass
class DatasetFields:
    """A dataset dictionary, checked: what the services write."""

    name: str
    title: str
    owner_org: Agency | None
    values: dict[str, Any]
    tags: list[str]
    groups: list[Group]
    spatial_units: list[AdminUnit]
    shared_with: list[Agency]
    resources: list[dict[str, Any]] | None  # None: leave the resources as they are


def dataset_name(data: dict[str, Any], errors: Errors, *, required: bool) -> str:
    name = data.get("name")
    if name in (None, ""):
        if required:
            errors.add("name", missing(), "required")
        return ""
    if not isinstance(name, str) or not NAME_RE.match(name):
        if isinstance(name, str) and (len(name) < 2 or len(name) > NAME_MAX):
            errors.add("name", _("Tên định danh dài từ 2 đến %(n)d ký tự.") % {"n": NAME_MAX})
        else:
            errors.add("name", _("Chỉ gồm chữ thường không dấu (ascii), chữ số và các ký hiệu "
                                 "-_"))
        return ""
    return name


def tags(data: dict[str, Any], errors: Errors) -> list[str]:
    items = listing(data, "tags", errors)
    names = [_ref(t, "name").strip() for t in items]
    if not items and isinstance(data.get("tag_string"), str):
        names = [t.strip() for t in data["tag_string"].split(",") if t.strip()]
    out: list[str] = []
    for n in names:
        try:
            n = clean_text(n)
        except UnsafeText:
            n = ""
        if not TAG_RE.match(n):
            errors.add("tags", _("Từ khóa “%(tag)s” phải dài 2–100 ký tự, gồm chữ, số, khoảng "
                                 "trắng và các ký hiệu -_.") % {"tag": n[:100]})
        elif n not in out:
            out.append(n)
    return out


def groups(data: dict[str, Any], errors: Errors) -> list[Group]:
    refs = [_ref(g, "name", "id") for g in listing(data, "groups", errors)]
    if not refs:
        return []
    ids = []
    for r in refs:
        try:
            ids.append(uuid.UUID(r))
        except ValueError:
            continue
    found = list(Group.objects.filter(is_active=True).filter(name__in=refs)) + list(
        Group.objects.filter(is_active=True, pk__in=ids))
    known = {g.name for g in found} | {str(g.pk) for g in found}
    for r in refs:
        if r not in known:
            errors.add("groups", _("Không tìm thấy chủ đề: %(ref)s") % {"ref": r[:100]})
    return list({g.pk: g for g in found}.values())


def spatial_units(data: dict[str, Any], errors: Errors) -> list[AdminUnit]:
    codes = [_ref(u, "code") for u in listing(data, "spatial_units", errors)]
    if not codes:
        return []
    units: dict[str, AdminUnit] = {}
    for u in AdminUnit.objects.filter(code__in=codes).order_by("valid_to"):
        if u.code not in units or u.valid_to is None:
            units[u.code] = u
    for c in codes:
        if c not in units:
            errors.add("spatial_units", _("Không tìm thấy đơn vị hành chính mã %(code)s")
                       % {"code": c[:20]})
    return list({u.pk: u for u in units.values()}.values())


def extras(data: dict[str, Any], errors: Errors) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in listing(data, "extras", errors):
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            errors.add("extras", _("Mỗi mục cần có “key” và “value”."))
            continue
        key = text(item, "key", errors, max_length=100)
        if any(e["key"] == key for e in out):
            errors.add("extras", _("Khóa “%(key)s” lặp lại.") % {"key": key})
            continue
        out.append({"key": key, "value": text(item, "value", errors, max_length=NOTES_MAX,
                                               multiline=True)})
    return out


def access_level(data: dict[str, Any], errors: Errors, current: str | None) -> str:
    """The access level from `access_level`, or from CKAN's `private`. A client that knows
    only `private` never opens data that was for agencies only."""
    if data.get("access_level") not in (None, ""):
        return choice(data, "access_level", errors, AccessLevel.values, AccessLevel.OPEN)
    if "private" in data:
        if boolean(data, "private", errors):
            return AccessLevel.NAMED
        return AccessLevel.AGENCIES if current == AccessLevel.AGENCIES else AccessLevel.OPEN
    return current or AccessLevel.OPEN


def agencies(data: dict[str, Any], key: str, errors: Errors, agency_lookup: Any) -> list[Agency]:
    """A list of agencies by name, code or id (`shared_with`)."""
    found: list[Agency] = []
    for ref in listing(data, key, errors):
        agency = agency_lookup(_ref(ref, "name", "id"))
        if agency is None:
            errors.add(key, _("Không tìm thấy cơ quan: %(ref)s") % {"ref": str(ref)[:50]})
        elif agency not in found:
            found.append(agency)
    return found


def resource(data: Any, errors: Errors, prefix: str = "",
             stored_name: str = "", agency_lookup: Any = None) -> dict[str, Any]:
    """A resource dictionary checked; `prefix` names its place in a dataset's list;
    `stored_name` is the uploaded file's name, which stands for its URL. Its own access level
    (`access_level`: open, agencies, named, or null/"" to follow the dataset's) and, for a
    private one, the agencies it is shared with (`shared_with`) are None when not sent: what
    the resource had stays, so a client that does not know them never opens data."""
    if not isinstance(data, dict):
        errors.add(prefix.rstrip(".") or "resources", _("Cần một đối tượng tài nguyên."))
        return {}
    sub = Errors()
    out = {
        "id": data.get("id"),
        "url": stored_name if stored_name and data.get("url") == stored_name
        else url(data, "url", sub),
        "name": text(data, "name", sub, max_length=TITLE_MAX),
        "description": text(data, "description", sub, max_length=NOTES_MAX, multiline=True),
        "format": text(data, "format", sub, max_length=32),
        "mimetype": text(data, "mimetype", sub, max_length=100),
        "size": integer(data, "size", sub),
        "hash": text(data, "hash", sub, max_length=128),
        "last_modified": moment(data, "last_modified", sub),
        "access_level": None if "access_level" not in data
        else choice(data, "access_level", sub, AccessLevel.values, ""),
        "shared_with": None,
    }
    if data.get("shared_with") not in (None, "") and agency_lookup is not None:
        out["shared_with"] = agencies(data, "shared_with", sub, agency_lookup)
    elif "shared_with" in data:
        out["shared_with"] = []
    upload = data.get("upload")
    if hasattr(upload, "read"):
        out["upload"] = upload
        out["url"] = upload_name(getattr(upload, "name", "") or "tep")
        size = int(getattr(upload, "size", 0) or 0)
        if not size:
            sub.add("upload", _("Tệp rỗng."))
        elif size > uploads.max_upload_bytes():
            sub.add("upload", uploads.too_big_message(), "too_big")
    elif not out["url"] and "url" not in {e.field for e in sub.items}:
        sub.add("url", missing(), "required")
    if not out["format"] and out["url"]:
        tail = str(out["url"]).split("?", 1)[0].rsplit("/", 1)[-1]
        out["format"] = tail.rsplit(".", 1)[-1].upper()[:32] if "." in tail else ""
    for e in sub.items:
        errors.add(f"{prefix}{e.field}", e.message, e.code)
    return out


def dataset(data: dict[str, Any], *, current: Any = None, require_name: bool = True,
            agency_lookup: Any) -> DatasetFields:
    """Check a whole dataset dictionary (package_create / package_update); DomainError with
    every offending field."""
    errors = Errors()
    name = dataset_name(data, errors, required=require_name)
    title = text(data, "title", errors, max_length=TITLE_MAX) or name
    owner = None
    owner_ref = data.get("owner_org")
    if owner_ref in (None, ""):
        errors.add("owner_org", _("Cần chọn cơ quan công bố."), "required")
    else:
        owner = agency_lookup(str(owner_ref))
        if owner is None:
            errors.add("owner_org", _("Không tìm thấy cơ quan."))
    values: dict[str, Any] = {
        "notes": text(data, "notes", errors, max_length=NOTES_MAX, multiline=True),
        "url": url(data, "url", errors),
        "version": text(data, "version", errors, max_length=100),
        "license_id": text(data, "license_id", errors, max_length=100),
        "author": text(data, "author", errors),
        "author_email": email(data, "author_email", errors),
        "maintainer": text(data, "maintainer", errors),
        "maintainer_email": email(data, "maintainer_email", errors),
        "frequency": choice(data, "frequency", errors, Frequency.values, ""),
        "temporal_start": date(data, "temporal_start", errors),
        "temporal_end": date(data, "temporal_end", errors),
        "state": choice(data, "state", errors, [State.ACTIVE, State.DRAFT], State.ACTIVE),
        "access_level": access_level(data, errors, getattr(current, "access_level", None)),
        "extras": extras(data, errors),
    }
    start, end = values["temporal_start"], values["temporal_end"]
    if start and end and end < start:
        errors.add("temporal_end", _("Ngày kết thúc phải sau ngày bắt đầu."))
    shared = agencies(data, "shared_with", errors, agency_lookup)
    res: list[dict[str, Any]] | None = None
    if "resources" in data:
        res = [resource(r, errors, f"resources.{i}.", agency_lookup=agency_lookup)
               for i, r in enumerate(listing(data, "resources", errors))]
    fields = DatasetFields(
        name=name, title=title, owner_org=owner, values=values, tags=tags(data, errors),
        groups=groups(data, errors), spatial_units=spatial_units(data, errors),
        shared_with=shared, resources=res,
    )
    errors.raise_if_any()
    return fields
