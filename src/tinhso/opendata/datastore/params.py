"""The parameters of `datastore_search`, checked against the table's columns. Every problem is
collected by parameter name (CKAN's Validation Error); field names reach SQL only after they
were found among the table's columns, and values only as bound parameters."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from tinhso.core.text import fold
from tinhso.opendata.validation import Errors, boolean, integer

DEFAULT_LIMIT = 100
MAX_LIMIT = 32_000  # CKAN's ckan.datastore.search.rows_max
MAX_OFFSET = 2**31 - 1
MAX_FILTER_VALUES = 1000
MAX_TERMS = 32
RECORDS_FORMATS = ("objects", "lists", "csv", "tsv")
SCALARS = (str, int, float, bool)


class ParamError(ValueError):
    """One parameter's problem; the message is for the caller."""


@dataclass(frozen=True)
class SearchParams:
    filters: dict[str, list[Any]] = field(default_factory=dict)
    terms: tuple[str, ...] = ()  # q as a string: every term somewhere in the row
    field_terms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # q as a dict
    fields: tuple[str, ...] = ()
    sort: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: int | None = None  # the key cursor: rows whose _id comes after this one
    include_total: bool = True
    records_format: str = "objects"
    distinct: bool = False

    @property
    def by_key(self) -> bool:
        """Whether the rows come in `_id` order, so a page can start after a key."""
        return not self.distinct and (not self.sort or self.sort == (("_id", False),))


def _decoded(value: Any) -> Any:
    """A dict or list parameter that came as a JSON string (from a GET query string)."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            raise ParamError(_("JSON không hợp lệ.")) from None
    return value


def _known(name: Any, columns: dict[str, str]) -> str:
    if not isinstance(name, str) or name not in columns:
        raise ParamError(_('Bảng không có cột "%(name)s".') % {"name": str(name)[:100]})
    return name


def split_outside_quotes(text: str, sep: str = ",") -> list[str]:
    parts: list[str] = []
    buf: list[str] = []
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            parts.append("".join(buf))
            buf = []
            continue
        buf.append(ch)
    if quoted:
        raise ParamError(_("Thiếu dấu nháy kép đóng."))
    parts.append("".join(buf))
    return parts


QUOTED_RE = re.compile(r'^"((?:[^"]|"")*)"(?:\s+(asc|desc))?$', re.IGNORECASE | re.DOTALL)
BARE_RE = re.compile(r"^(.*?)(?:\s+(asc|desc))?$", re.IGNORECASE | re.DOTALL)


def parse_sort(value: Any, columns: dict[str, str]) -> tuple[tuple[str, bool], ...]:
    """CKAN's sort: "a, b desc", a quoted name ("Tên cột" desc) or a list of such strings.
    Returns (field, descending) pairs; raises ParamError."""
    value = _decoded(value)
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[tuple[str, bool]] = []
    for item in items:
        if not isinstance(item, str):
            raise ParamError(_('Cần một chuỗi như "cot1, cot2 desc".'))
        for part in split_outside_quotes(item):
            part = part.strip()
            if not part:
                raise ParamError(_("Thiếu tên cột giữa hai dấu phẩy."))
            if part in columns:
                out.append((part, False))
                continue
            m = QUOTED_RE.match(part)
            if m:
                name = m[1].replace('""', '"')
            else:
                m = BARE_RE.match(part)
                if m is None:  # pragma: no cover - the pattern matches any string
                    raise ParamError(_("Không hiểu cách sắp xếp."))
                name = m[1].strip()
            out.append((_known(name, columns), (m[2] or "").lower() == "desc"))
    if len(out) > len(columns) * 2:
        raise ParamError(_("Quá nhiều cột để sắp xếp."))
    return tuple(out)


def parse_fields(value: Any, columns: dict[str, str]) -> tuple[str, ...]:
    """A list of column names, or one comma-separated string of them."""
    value = _decoded(value)
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, str):
        value = [p.strip() for p in value.split(",")] if value not in columns else [value]
    if not isinstance(value, list):
        raise ParamError(_("Cần một danh sách tên cột."))
    names = [_known(v, columns) for v in value]
    return tuple(dict.fromkeys(names))


def parse_filters(value: Any, columns: dict[str, str]) -> dict[str, list[Any]]:
    """{"cột": giá_trị} or {"cột": [giá_trị, ...]}; a value is a string, number, true/false
    or null."""
    value = _decoded(value)
    if value is None or value == "" or value == {}:
        return {}
    if not isinstance(value, dict):
        raise ParamError(_('Cần một đối tượng dạng {"cột": "giá trị"}.'))
    out: dict[str, list[Any]] = {}
    for key, wanted in value.items():
        name = _known(key, columns)
        values = wanted if isinstance(wanted, list) else [wanted]
        if len(values) > MAX_FILTER_VALUES:
            raise ParamError(_("Quá nhiều giá trị cho cột %(name)s.") % {"name": name})
        if not all(v is None or isinstance(v, SCALARS) for v in values):
            raise ParamError(
                _("Giá trị lọc của cột %(name)s phải là chuỗi, số, true/false hoặc null.")
                % {"name": name}
            )
        out[name] = list(values)
    return out


def _terms(text: str) -> tuple[str, ...]:
    terms = tuple(dict.fromkeys(fold(text).split()))
    if len(terms) > MAX_TERMS:
        raise ParamError(_("Quá nhiều từ tìm kiếm (tối đa %(n)d).") % {"n": MAX_TERMS})
    return terms


def parse_q(
    value: Any, columns: dict[str, str]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """q as a string (every word somewhere in the row) or a dict (words per column); words
    match without regard to case or tone marks ("ha noi" finds "Hà Nội")."""
    if isinstance(value, str) and value.startswith("{"):
        # CKAN's unicode_or_json_validator: a JSON object, else the text as it is ("{" alone
        # is a word to search, not an error)
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        value = decoded if isinstance(decoded, dict) else value
    if value is None or value == "":
        return (), {}
    if isinstance(value, dict):
        by_field: dict[str, tuple[str, ...]] = {}
        for key, text in value.items():
            name = _known(key, columns)
            if not isinstance(text, str | int | float) or isinstance(text, bool):
                raise ParamError(_("Cần một chuỗi tìm kiếm cho cột %(name)s.") % {"name": name})
            terms = _terms(str(text))
            if terms:
                by_field[name] = terms
        return (), by_field
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ParamError(_("Cần một chuỗi tìm kiếm."))
    return _terms(str(value)), {}


def parse_search(data: dict[str, Any], columns: dict[str, str]) -> SearchParams:
    """All of datastore_search's parameters; raises DomainError naming each bad one."""
    errors = Errors()
    out: dict[str, Any] = {}
    for key, parser in (("filters", parse_filters), ("fields", parse_fields), ("sort", parse_sort)):
        try:
            out[key] = parser(data.get(key), columns)
        except ParamError as exc:
            errors.add(key, str(exc))
    try:
        out["terms"], out["field_terms"] = parse_q(data.get("q"), columns)
    except ParamError as exc:
        errors.add("q", str(exc))
    limit = integer(data, "limit", errors, DEFAULT_LIMIT)
    out["limit"] = min(limit if limit is not None else DEFAULT_LIMIT, MAX_LIMIT)
    out["offset"] = min(integer(data, "offset", errors, 0) or 0, MAX_OFFSET)
    after = integer(data, "after", errors, None)
    out["after"] = min(after, 2**62) if after is not None else None
    out["include_total"] = boolean(data, "include_total", errors, True)
    out["distinct"] = boolean(data, "distinct", errors, False)
    fmt = data.get("records_format") or "objects"
    if fmt not in RECORDS_FORMATS:
        errors.add(
            "records_format", _("Chỉ nhận một trong: %(v)s.") % {"v": ", ".join(RECORDS_FORMATS)}
        )
    out["records_format"] = fmt if fmt in RECORDS_FORMATS else "objects"
    errors.raise_if_any()
    params = SearchParams(**out)
    if params.after is not None and not params.by_key:
        errors.add("after", _("Chỉ dùng được khi sắp xếp theo _id."))
    if params.distinct and params.sort:
        shown = set(params.fields or columns)
        if any(name not in shown for name, _desc in params.sort):
            errors.add("sort", _("Với distinct, chỉ sắp xếp theo các cột được chọn."))
    errors.raise_if_any()
    return params
