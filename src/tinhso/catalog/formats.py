"""Reading and writing the catalog as CSV and JSON (the formats are described in
docs/catalog.md). Parsing only splits a file into numbered records; `schema.clean_procedure`
judges each one."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tinhso.catalog.schema import COLUMNS

FORMATS = ("csv", "json")
MAX_ROWS = 20000
MAX_BYTES = 20 * 1024 * 1024
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, syntax, missing columns)."""

    field: str
    message: str


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise FileProblem("file", "Tệp quá lớn (tối đa 20 MB).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem("file", "Tệp không phải UTF-8.") from None


def parse_catalog(data: bytes | str, fmt: str) -> list[tuple[int, Any]]:
    """Records with their row numbers: CSV rows counted as a spreadsheet shows them (header
    is row 1, the first procedure row 2); JSON records counted from 1."""
    if fmt not in FORMATS:
        raise FileProblem("format", "Định dạng phải là csv hoặc json.")
    text = _decode(data)
    return _parse_csv(text) if fmt == "csv" else _parse_json(text)


def _parse_json(text: str) -> list[tuple[int, Any]]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise FileProblem("file", f"JSON không hợp lệ: {exc}") from None
    if isinstance(doc, dict) and "procedures" in doc:
        doc = doc["procedures"]
    if not isinstance(doc, list):
        raise FileProblem("file", "JSON phải là một danh sách thủ tục, hoặc {\"procedures\": [...]}.")
    if len(doc) > MAX_ROWS:
        raise FileProblem("file", f"Quá {MAX_ROWS} thủ tục trong một tệp.")
    return list(enumerate(doc, start=1))


def _unescape_cell(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _parse_csv(text: str) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise FileProblem("file", f"CSV không hợp lệ: {exc}") from None
    header = [h.strip() for h in header]
    reader.fieldnames = header
    missing = [c for c in ("code", "name", "field", "agency_code", "online_level",
                           "government_level") if c not in header]
    if missing:
        raise FileProblem("file", "Thiếu cột: " + ", ".join(missing) + ".")
    rows: list[tuple[int, Any]] = []
    try:
        for row_number, record in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise FileProblem("file", f"Quá {MAX_ROWS} thủ tục trong một tệp.")
            record.pop(None, None)  # cells beyond the header
            cleaned = {k: _unescape_cell(v) for k, v in record.items() if k and v is not None}
            if not any(v.strip() for v in cleaned.values()):
                continue  # a blank line
            rows.append((row_number, cleaned))
    except csv.Error as exc:
        raise FileProblem("file", f"CSV không hợp lệ ở dòng {reader.line_num}: {exc}") from None
    return rows


def _escape_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text  # keep spreadsheets from running it as a formula
    return text


def write_csv(rows: Iterable[dict[str, Any]], out: io.TextIOBase | Any) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for row in rows:
        writer.writerow([_escape_cell(row.get(c)) for c in COLUMNS])
        n += 1
    return n


def write_json(rows: Iterable[dict[str, Any]], out: io.TextIOBase | Any) -> int:
    out.write('{"procedures": [\n')
    n = 0
    for row in rows:
        if n:
            out.write(",\n")
        out.write(json.dumps(row, ensure_ascii=False))
        n += 1
    out.write("\n]}\n")
    return n


def render(rows: Iterable[dict[str, Any]], fmt: str) -> str:
    buf = io.StringIO()
    (write_csv if fmt == "csv" else write_json)(rows, buf)
    return buf.getvalue()
