"""`datastore_search` and `datastore_info` over the published DuckDB tables.

Who may read a table: whoever may download the resource's file. The resource is looked up
among those the caller sees (`selectors.resource_for`: private datasets' and resources' are
"not found" to outsiders), and data "for agencies" is refused to callers without the download
permission or a grant, as its file URL is (`access.DownloadRights.resource`)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import logging
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import duckdb
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotAllowed, NotFound
from tinhso.opendata.access import DownloadRights, download_rights
from tinhso.opendata.datastore import storage
from tinhso.opendata.datastore.loader import quote, tabular_kind
from tinhso.opendata.datastore.params import SearchParams, parse_search
from tinhso.opendata.models import DatastoreTable, Resource
from tinhso.opendata.selectors import resource_for
from tinhso.opendata.validation import missing

SQL_TYPES = {
    "int": "BIGINT",
    "numeric": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "text": "VARCHAR",
}
ACTION_PATH = "/api/3/action/datastore_search"
logger = logging.getLogger(__name__)


@dataclass
class Table:
    resource: Resource
    row: DatastoreTable

    @property
    def columns(self) -> dict[str, str]:
        """Column name -> CKAN type, `_id` first."""
        return {"_id": "int", **{f["id"]: f["type"] for f in self.row.fields}}


def readable_table(
    user: Any,
    resource_id: Any,
    *,
    rights: DownloadRights,
    loaded: bool = True,
) -> Table:
    """The table of a resource the caller may read (`loaded`: one that is served); NotFound,
    or NotAllowed for data that only agencies may download."""
    if resource_id in (None, ""):
        raise DomainError.for_field("resource_id", missing(), code="required")
    res = resource_for(user, str(resource_id))
    if not rights.resource(res.dataset, res):  # grants included (access.download_rights)
        raise NotAllowed(_("Dữ liệu này chỉ dành cho cơ quan nhà nước."))
    row = DatastoreTable.objects.filter(resource=res).first()
    if row is None or (loaded and not row.table_file) or tabular_kind(res) is None:
        raise NotFound(_('Tài nguyên "%(id)s" chưa có trong kho dữ liệu.') % {"id": res.pk})
    return Table(res, row)


def _execute(table: Table, sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    """Run a read on the table's file; once more on the newer file if a load replaced it
    between reading the row and opening the file."""
    for attempt in (1, 2):
        try:
            cur = storage.cursor(table.row.table_file)
        except duckdb.IOException:
            if attempt == 2:
                raise
            table.row.refresh_from_db()
            if not table.row.table_file:
                raise NotFound(_("Tài nguyên chưa có trong kho dữ liệu.")) from None
            continue
        try:
            return cur.execute(sql, args).fetchall()
        except duckdb.ConversionException as exc:
            raise DomainError.for_field(
                "filters", _("Giá trị lọc không đúng kiểu của cột: %(e)s") % {"e": str(exc)[:200]}
            ) from None
        finally:
            cur.close()
    raise AssertionError("unreachable")  # pragma: no cover


def _where(
    p: SearchParams, columns: dict[str, str], *, with_key: bool
) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for name, values in p.filters.items():
        col = quote(name)
        sql_type = SQL_TYPES.get(columns[name], "VARCHAR")
        present = [v for v in values if v is not None]
        parts = []
        if present:
            marks = ", ".join(f"CAST(? AS {sql_type})" for _v in present)
            parts.append(f"{col} IN ({marks})")
            args += [str(v).lower() if isinstance(v, bool) else str(v) for v in present]
        if len(present) < len(values):
            parts.append(f"{col} IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")" if parts else "FALSE")
    for term in p.terms:
        clauses.append("contains(_full_text, ?)")
        args.append(term)
    for name, terms in p.field_terms.items():
        from tinhso.opendata.datastore.loader import fold_sql

        folded = fold_sql(f"CAST({quote(name)} AS VARCHAR)")
        for term in terms:
            clauses.append(f"contains({folded}, ?)")
            args.append(term)
    if with_key and p.after is not None:
        clauses.append("_id > ?")
        args.append(p.after)
    return clauses, args


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


def _links(data: dict[str, Any], p: SearchParams, last_id: Any, resource_id: str) -> dict[str, str]:
    keep = {"resource_id": resource_id}
    for key in (
        "q",
        "filters",
        "fields",
        "sort",
        "distinct",
        "include_total",
        "records_format",
        "limit",
    ):
        value = data.get(key)
        if value not in (None, "", [], {}):
            keep[key] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    start = f"{ACTION_PATH}?{urlencode(keep)}"
    if p.by_key and (p.after is not None or not p.offset):
        after = last_id if last_id is not None else (p.after or 0)
        nxt = {**keep, "after": after}
    else:
        nxt = {**keep, "offset": p.offset + p.limit}
    return {"start": start, "next": f"{ACTION_PATH}?{urlencode(nxt)}"}


def _records(rows: list[tuple[Any, ...]], names: list[str], fmt: str) -> Any:
    if fmt == "objects":
        return [{n: _json_value(v) for n, v in zip(names, r, strict=True)} for r in rows]
    if fmt == "lists":
        return [[_json_value(v) for v in r] for r in rows]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    for r in rows:
        writer.writerow(["" if v is None else _json_value(v) for v in r])
    return out.getvalue()


def datastore_search(
    user: Any,
    data: dict[str, Any],
    *,
    rights: DownloadRights | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Search a table; a search of data that is not open is written to the download log
    (after the search succeeded: a refused or malformed call is not a download)."""
    from tinhso.opendata.models import DownloadRoute
    from tinhso.opendata.sharing import download_log

    rights = rights or download_rights(user)
    table = readable_table(user, data.get("resource_id"), rights=rights)
    result = search_table(table, data)
    download_log(
        rights=rights,
        dataset=table.resource.dataset,
        resource=table.resource,
        route=DownloadRoute.DATASTORE,
        ip=ip,
    )
    return result


def search_table(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """datastore_search on a table the caller may read."""
    columns = table.columns
    p = parse_search(data, columns)
    names = list(p.fields or columns)
    # The table's rows are numbered 1..n in order, so without a filter the offset of the
    # default order is a key: row offset+1 onwards, read from the index, not counted through.
    dense = p.by_key and not (p.filters or p.terms or p.field_terms)
    key_page = p.after is not None or (dense and p.offset > 0)
    q = p if p.after is not None or not key_page else _with_after(p, p.offset)
    clauses, args = _where(q, columns, with_key=True)
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    select = ("DISTINCT " if p.distinct else "") + ", ".join(quote(n) for n in names)
    order = ", ".join(f"{quote(n)} {'DESC' if desc else 'ASC'}" for n, desc in p.sort)
    if not order:
        order = ", ".join(quote(n) for n in names) if p.distinct else "_id"
    offset = 0 if key_page else p.offset
    key_col = "_id" not in names and p.by_key
    select_sql = select + (", _id" if key_col else "")
    head = f"SELECT {select_sql} FROM data{where}"  # noqa: S608 - names checked and quoted, values bound
    rows = _page(
        table,
        head,
        order,
        [*args, p.limit, offset],
        key_at=(-1 if key_col else names.index("_id")) if p.by_key else None,
    )
    last_id = None
    if rows and p.by_key:
        last_id = rows[-1][-1] if key_col else rows[-1][names.index("_id")]
    if key_col:
        rows = [r[:-1] for r in rows]
    result: dict[str, Any] = {
        "resource_id": str(table.resource.pk),
        "fields": [{"id": n, "type": columns[n]} for n in names],
        "records": _records(rows, names, p.records_format),
        "limit": p.limit,
        "offset": p.offset,
        "_links": _links(data, p, last_id, str(table.resource.pk)),
    }
    if p.include_total:
        result["total"] = _total(table, p, names)
        result["total_was_estimated"] = False
    if p.filters:
        result["filters"] = p.filters
    if data.get("q") not in (None, ""):
        result["q"] = data["q"]
    if data.get("sort"):
        result["sort"] = data["sort"]
    if p.records_format != "objects":
        result["records_format"] = p.records_format
    if p.distinct:
        result["distinct"] = True
    return result


def _page(
    table: Table, head: str, order: str, args: list[Any], key_at: int | None
) -> list[tuple[Any, ...]]:
    """The rows of a page. In `_id` order (`key_at`: where `_id` is in a row) the query needs
    no ORDER BY: the table is stored in `_id` order and DuckDB keeps insertion order for a
    query without one (`preserve_insertion_order`), so the scan stops at the page's last row
    instead of sorting every match. The order is checked all the same."""
    if key_at is not None:
        rows = _execute(table, f"{head} LIMIT ? OFFSET ?", args)
        if all(a[key_at] < b[key_at] for a, b in zip(rows, rows[1:], strict=False)):
            return rows
        logger.warning("datastore table %s not in _id order", table.row.table_file)
    return _execute(table, f"{head} ORDER BY {order} LIMIT ? OFFSET ?", args)


def _with_after(p: SearchParams, after: int) -> SearchParams:
    from dataclasses import replace

    return replace(p, after=after)


def _total(table: Table, p: SearchParams, names: list[str]) -> int:
    clauses, args = _where(p, table.columns, with_key=False)
    if not clauses and not p.distinct:
        return table.row.row_count
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    if p.distinct:
        cols = ", ".join(quote(n) for n in names)
        sql = f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM data{where})"  # noqa: S608
    else:
        sql = f"SELECT count(*) FROM data{where}"  # noqa: S608 - values bound
    return int(_execute(table, sql, args)[0][0])


def datastore_info(
    user: Any, data: dict[str, Any], *, rights: DownloadRights | None = None
) -> dict[str, Any]:
    """CKAN's datastore_info: the table's columns and size, with how its last load went."""
    table = readable_table(
        user,
        data.get("id") or data.get("resource_id"),
        loaded=False,
        rights=rights or download_rights(user),
    )
    row = table.row
    return {
        "meta": {
            "id": str(table.resource.pk),
            "count": row.row_count,
            "table_type": "BASE TABLE",
            "datastore_active": row.active,
            "aliases": [],
            "status": row.status,
            "progress": row.progress,
            "rows_loaded": row.rows_loaded,
            "rows_rejected": row.rows_rejected,
            "row_errors": row.row_errors,
            "encoding": row.encoding,
            "message": row.message,
            "loaded_at": row.loaded_at.isoformat() if row.loaded_at else None,
        },
        "fields": [
            {"id": f["id"], "type": f["type"], "schema": {"native_type": f["type"]}}
            for f in row.fields
        ],
    }
