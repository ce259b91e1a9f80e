"""Loading a tabular resource into the datastore.

`datastore_enqueue` (called by the services when a resource's file is new) marks the load
pending and queues `tasks.datastore_load` once the transaction commits; the task calls
`load_table`, which:

1. makes the file UTF-8 CSV: UTF-8 with or without BOM is read as it is (DuckDB skips the
   BOM); a UTF-16 file (it has a BOM) is transcoded; any other file is transcoded line by line,
   each line as UTF-8 if it is valid UTF-8 and as Windows-1258 (Vietnamese) otherwise, then NFC
   (Windows-1258 spells tone marks as combining characters). DuckDB's own reader knows neither
   Windows-1258 nor a mix of encodings. An XLSX's first sheet is written out as CSV (openpyxl,
   streaming).
2. reads the whole file into DuckDB as text in one bulk statement (`read_csv`, header on the
   first line, delimiter taken from it), with rows that do not parse (ragged, bad quoting) set
   aside with their line numbers (`store_rejects`);
3. infers each column's type over every row, in one aggregate query in DuckDB: int, numeric,
   bool, date, timestamp, else text. Empty cells and "N/A", "NA", "null", "-", "#N/A" are
   missing values. A number with a leading zero ("001", a code) keeps the column text;
4. writes the typed table, `_id` (the row's position in the file, from 1) first, and a
   diacritics-folded copy of the row's text for `q`, into a new DuckDB file;
5. only then publishes it: `DatastoreTable.table_file` points at the new file, in one
   transaction, if no newer upload superseded this load meanwhile; the old file is removed.
A failure records the error and leaves the previous table served."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import logging
import shutil
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.opendata.datastore import storage
from tinhso.opendata.models import DatastoreStatus, DatastoreTable, Resource

logger = logging.getLogger(__name__)

TABULAR = {"csv": "csv", "tsv": "csv", "xlsx": "xlsx"}
MAX_ROW_ERRORS = 100  # listed; all are counted
MAX_COLUMNS = 1000
MAX_XLSX_ROWS = 5_000_000
NULLS = ["", "N/A", "n/a", "#N/A", "NULL", "null", "None", "-", "--"]  # missing values
RESERVED = ("_id", "_full_text")
LOAD_CONFIG = {"threads": 2, "memory_limit": "1GB", "preserve_insertion_order": True}

# How a column's cells look, checked over every row (regular expressions are cheap in DuckDB;
# a parse is tried only on the columns whose every cell looks like a date or a timestamp).
INT_RE = r"[+-]?(0|[1-9][0-9]{0,17})"
NUM_RE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,2})?"
LEADING_ZERO_RE = r"[+-]?0[0-9].*"
SHAPES = {  # kind -> (shape, parse that must succeed, cast)
    "date:iso": (r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}", "TRY_CAST({v} AS DATE)", "CAST({v} AS DATE)"),
    "date:dmy": (
        r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}",
        "try_strptime({v}, '%d/%m/%Y')",
        "CAST(strptime({v}, '%d/%m/%Y') AS DATE)",
    ),
    "timestamp:iso": (
        r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?",
        "TRY_CAST({v} AS TIMESTAMP)",
        "CAST({v} AS TIMESTAMP)",
    ),
    "timestamp:dmy": (
        r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4} [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?",
        "try_strptime({v}, ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M'])",
        "strptime({v}, ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M'])",
    ),
}


class LoadError(Exception):
    """A file that cannot become a table; the message is for the publisher."""


@dataclass
class Built:
    table_file: str
    fields: list[dict[str, str]]
    rows: int
    rejected: int
    row_errors: list[dict[str, Any]] = field(default_factory=list)
    encoding: str = ""
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


# -- which resources, and queuing -------------------------------------------------------------


def tabular_kind(res: Resource) -> str | None:
    """ "csv" or "xlsx" for an uploaded tabular file, else None."""
    if res.url_type != "upload" or not res.storage_path:
        return None
    ext = res.storage_path.rsplit(".", 1)[-1].lower() if "." in res.storage_path else ""
    return TABULAR.get(ext) or TABULAR.get((res.format or "").lower())


def datastore_enqueue(res: Resource) -> DatastoreTable | None:
    """Called inside the transaction that stored a resource: when its file is new and tabular,
    mark a load pending and queue it for after the commit. When the resource no longer has a
    tabular file, its table stops being served."""
    kind = tabular_kind(res)
    row = DatastoreTable.objects.select_for_update().filter(resource=res).first()
    if kind is None:
        if row is not None and (row.table_file or row.status != DatastoreStatus.DONE):
            old = row.table_file
            row.table_file, row.fields, row.row_count = "", [], 0
            row.status, row.message = DatastoreStatus.DONE, ""
            row.source_path = ""
            row.save()
            transaction.on_commit(lambda: storage.remove(old))
        return None
    if row is not None and row.source_path == res.storage_path:
        return row  # same file: nothing to load
    now = timezone.now()
    values = {
        "status": DatastoreStatus.PENDING,
        "revision": res.revision,
        "source_path": res.storage_path,
        "rows_loaded": 0,
        "rows_rejected": 0,
        "row_errors": [],
        "message": "",
        "encoding": "",
        "queued_at": now,
        "progress": 0,
        "started_at": None,
        "finished_at": None,
    }
    if row is None:
        row = DatastoreTable.objects.create(resource=res, **values)
    else:
        for k, v in values.items():
            setattr(row, k, v)
        row.save()
    rid, revision = str(res.pk), res.revision
    transaction.on_commit(lambda: _enqueue(rid, revision))
    return row


def _enqueue(resource_id: str, revision: int) -> None:
    from tinhso.opendata.tasks import datastore_load

    try:
        datastore_load.enqueue(resource_id, revision)
    except Exception:  # noqa: BLE001 - the upload stands; `load_table` can be run again
        logger.exception("could not enqueue the datastore load of %s", resource_id)


# -- the load ---------------------------------------------------------------------------------


def load_table(resource_id: str, revision: int) -> str:
    """Load the file that `revision` of the resource holds; returns the resulting status
    ("done", "error", or "skipped" when a newer upload superseded it)."""
    with transaction.atomic():
        row = (
            DatastoreTable.objects.select_for_update()
            .select_related("resource")
            .filter(resource_id=resource_id)
            .first()
        )
        if (
            row is None
            or row.revision != revision
            or (row.status == DatastoreStatus.DONE and row.table_revision == revision)
        ):
            return "skipped"
        row.status, row.started_at, row.message = DatastoreStatus.LOADING, timezone.now(), ""
        row.save(update_fields=["status", "started_at", "message"])
        kind = tabular_kind(row.resource) or "csv"
        source = row.source_path
    try:
        built = build(resource_id, source, kind, progress=_reporter(resource_id, revision))
    except LoadError as exc:
        _failed(resource_id, revision, str(exc))
        return "error"
    except Exception as exc:
        logger.exception("datastore load of %s failed", resource_id)
        _failed(
            resource_id,
            revision,
            _("Lỗi khi nạp dữ liệu: %(e)s")
            % {"e": str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__},
        )
        return "error"
    return "done" if _publish(resource_id, revision, built) else "skipped"


Progress = Callable[[int, int], None]


def _reporter(resource_id: str, revision: int) -> Progress:
    """Record how far a load got (percent, rows read so far), for the status."""

    def report(percent: int, rows: int) -> None:
        DatastoreTable.objects.filter(resource_id=resource_id, revision=revision).update(
            progress=percent, rows_loaded=rows
        )

    return report


def _failed(resource_id: str, revision: int, message: str) -> None:
    DatastoreTable.objects.filter(resource_id=resource_id, revision=revision).update(
        status=DatastoreStatus.ERROR, message=message, finished_at=timezone.now()
    )


def _publish(resource_id: str, revision: int, built: Built) -> bool:
    with transaction.atomic():
        row = DatastoreTable.objects.select_for_update().filter(resource_id=resource_id).first()
        if row is None or row.revision != revision:
            transaction.on_commit(lambda: storage.remove(built.table_file))
            return False
        old = row.table_file
        row.table_file, row.fields, row.row_count = built.table_file, built.fields, built.rows
        row.table_revision, row.loaded_at = revision, timezone.now()
        row.status, row.message, row.progress = DatastoreStatus.DONE, "", 100
        row.rows_loaded, row.rows_rejected = built.rows, built.rejected
        row.row_errors, row.encoding = built.row_errors, built.encoding
        row.finished_at = row.loaded_at
        row.save()
        if old and old != built.table_file:
            transaction.on_commit(lambda: storage.remove(old))
    return True


def _local_source(source_path: str, work: Path) -> Path:
    try:
        return Path(default_storage.path(source_path))
    except NotImplementedError:  # a remote storage: copy the file here first
        local = work / "source"
        with default_storage.open(source_path, "rb") as src, local.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        return local


def build(
    resource_id: str, source_path: str, kind: str = "csv", progress: Progress | None = None
) -> Built:
    """Write the table of a stored file into a new DuckDB file; returns what to publish. The
    file is complete and closed when this returns; nothing is published yet."""
    directory = storage.resource_dir(resource_id)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.duckdb"
    part = directory / f"{name}.part"
    with tempfile.TemporaryDirectory(dir=directory, prefix="tmp-") as tmp:
        work = Path(tmp)
        source = _local_source(source_path, work)
        if not source.exists():
            raise LoadError(_("Không tìm thấy tệp đã tải lên."))
        if source.stat().st_size == 0:
            raise LoadError(_("Tệp rỗng."))
        started = time.perf_counter()
        nfc = False
        if kind == "xlsx":
            csv_path, encoding = xlsx_to_csv(source, work / "sheet.csv"), "xlsx"
            nfc = True
        else:
            csv_path, encoding, nfc = utf8_source(source, work)
        prepared = time.perf_counter() - started
        try:
            built = _write_table(csv_path, part, work, nfc, progress)
            built.timings["prepare"] = prepared
        except BaseException:
            for p in (part, part.with_name(part.name + ".wal")):
                p.unlink(missing_ok=True)
            raise
    part.replace(directory / name)
    built.table_file, built.encoding = f"{resource_id}/{name}", encoding
    return built


# -- encodings and formats ----------------------------------------------------------------------


def _check_utf8(path: Path) -> tuple[bool, bool]:
    """(valid UTF-8, has combining marks): U+0300..U+036F start with byte CC or CD, so a file
    without them is already NFC as far as Vietnamese goes."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    combining = False
    with path.open("rb") as f:
        try:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
                combining = combining or b"\xcc" in chunk or b"\xcd" in chunk
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, combining
    return True, combining


def utf8_source(path: Path, work: Path) -> tuple[Path, str, bool]:
    """A UTF-8 version of a CSV file, the encoding it was in ("utf-8", "utf-8-sig",
    "utf-16", "cp1258", or "utf-8+cp1258" for a file mixing them line by line), and whether
    its text still needs composing to NFC."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        out = work / "utf8.csv"
        with (
            path.open("r", encoding="utf-16", newline="") as src,
            out.open("w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(1 << 20):
                dst.write(unicodedata.normalize("NFC", chunk))
        return out, "utf-16", False
    valid, combining = _check_utf8(path)
    if valid:
        return path, "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8", combining
    out = work / "utf8.csv"
    utf8_lines = 0
    with path.open("rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        for number, line in enumerate(src):
            if number == 0 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            try:
                text = line.decode("utf-8")
                utf8_lines += not line.isascii()
            except UnicodeDecodeError:
                text = line.decode("cp1258", errors="replace")
            dst.write(unicodedata.normalize("NFC", text))
    return out, ("utf-8+cp1258" if utf8_lines else "cp1258"), False


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def xlsx_to_csv(path: Path, out: Path) -> Path:
    """The first sheet of a workbook as UTF-8 CSV, streamed (openpyxl's read-only mode), each
    sheet row a CSV line (so line numbers are row numbers); empty rows at the end dropped."""
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise LoadError(_("Không đọc được tệp XLSX: %(e)s") % {"e": exc}) from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise LoadError(_("Tệp XLSX không có trang tính nào."))
        width = 0
        blank = 0
        with out.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            for number, values in enumerate(sheet.iter_rows(values_only=True)):
                cells = [_cell(v) for v in values]
                if number == 0:
                    while cells and not cells[-1]:
                        cells.pop()
                    width = len(cells)
                    if not width:
                        raise LoadError(_("Dòng đầu của trang tính phải là tên các cột."))
                elif len(cells) > width and not any(cells[width:]):
                    cells = cells[:width]
                if not any(cells):
                    blank += 1
                    continue
                if number > MAX_XLSX_ROWS:
                    raise LoadError(_("Trang tính quá nhiều dòng."))
                for _i in range(blank):
                    writer.writerow([""] * width)
                blank = 0
                writer.writerow(cells)
    finally:
        book.close()
    return out


def _delimiter(path: Path) -> str:
    """The delimiter the header line uses most, among , ; tab |."""
    with path.open("rb") as f:
        header = f.readline(1 << 16).decode("utf-8", errors="replace")
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# -- DuckDB -----------------------------------------------------------------------------------


def quote(name: str) -> str:
    """A DuckDB identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cast(col: str, kind: str, nfc: bool) -> str:
    if kind == "int":
        return f"CAST({col} AS BIGINT)"  # DuckDB's casts allow the spaces the shapes allow
    if kind == "numeric":
        return f"CAST({col} AS DOUBLE)"
    if kind == "bool":
        return f"(lower(trim({col})) = 'true')"
    if kind in SHAPES:
        return SHAPES[kind][2].replace("{v}", f"trim({col})")
    return f"nfc_normalize({col})" if nfc else col


def fold_sql(expr: str) -> str:
    """DuckDB's twin of `core.text.fold` (without the whitespace squeeze): lowercase, no tone
    marks, đ as d."""
    return f"replace(strip_accents(lower({expr})), 'đ', 'd')"


def _names(stage_columns: list[str]) -> list[str]:
    """Column names as published: stripped, NFC, unique, never a reserved `_` name."""
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(stage_columns):
        name = unicodedata.normalize("NFC", raw).strip() or f"column_{i + 1}"
        base = name
        n = 1
        while name in seen or name in RESERVED:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        out.append(name)
    return out


def _write_table(
    csv_path: Path, part: Path, work: Path, nfc: bool = False, progress: Progress | None = None
) -> Built:
    """The table of a UTF-8 CSV file, written to `part` (`nfc`: the text has combining marks
    to compose)."""
    config: dict[str, Any] = {**LOAD_CONFIG, "temp_directory": str(work / "spill")}
    con = duckdb.connect(str(part), config=config)
    try:
        clock = time.perf_counter()
        try:
            options = (
                f"{_literal(str(csv_path))}, all_varchar = true, header = true, "
                f"delim = {_literal(_delimiter(csv_path))}, quote = '\"', escape = '\"', "
                "store_rejects = true, rejects_table = 'rejected', "
                f"rejects_scan = 'rejected_scans', null_padding = false, max_line_size = {8 << 20}, "
                f"nullstr = {NULLS!r}"
            )  # our own path and delimiter, as quoted literals
            con.execute(f"CREATE TEMP TABLE stage AS SELECT * FROM read_csv({options})")  # noqa: S608
        except duckdb.Error as exc:
            raise LoadError(
                _("Không đọc được tệp CSV: %(e)s") % {"e": str(exc).splitlines()[0][:300]}
            ) from None
        timings = {"read": time.perf_counter() - clock}
        stage_cols = [r[0] for r in con.execute("DESCRIBE stage").fetchall()]
        if len(stage_cols) > MAX_COLUMNS:
            raise LoadError(_("Tệp có quá nhiều cột (tối đa %(n)d).") % {"n": MAX_COLUMNS})
        rows = con.execute("SELECT count(*) FROM stage").fetchone()[0]  # type: ignore[index]
        rejected = con.execute("SELECT count(*) FROM rejected").fetchone()[0]  # type: ignore[index]
        if not rows and rejected:
            raise LoadError(
                _(
                    "Không đọc được dòng nào của tệp (%(n)d dòng lỗi); tệp có đúng "
                    "định dạng CSV không?"
                )
                % {"n": rejected}
            )
        if progress:
            progress(40, rows)  # read; the types and the table are still to come
        names = _names(stage_cols)
        clock = time.perf_counter()
        kinds = _infer(con, stage_cols)
        types = [kind.split(":")[0] for kind in kinds]
        timings["infer"] = time.perf_counter() - clock
        if progress:
            progress(60, rows)
        clock = time.perf_counter()
        cols = [quote(c) for c in stage_cols]
        select = ", ".join(
            f"{_cast(c, k, nfc)} AS {quote(n)}" for c, n, k in zip(cols, names, kinds, strict=True)
        )
        # q reads every cell: text folded (no tone marks, lowercase), numbers and dates as written.
        texts = [c for c, t in zip(cols, types, strict=True) if t == "text"]
        others = [c for c, t in zip(cols, types, strict=True) if t != "text"]
        folded = [fold_sql("concat_ws(' ', " + ", ".join(texts) + ")")] if texts else []
        full_text = "concat_ws(' ', " + ", ".join(folded + others) + ")"
        columns = f"CAST(rowid + 1 AS BIGINT) AS _id, {select}, {full_text} AS _full_text"
        con.execute(f"CREATE TABLE data AS SELECT {columns} FROM stage")  # noqa: S608 - quoted
        errors = [
            {"line": line, "column": column, "error": error_type, "text": (text or "")[:200]}
            for line, column, error_type, text in con.execute(
                "SELECT line, column_name, error_type, csv_line FROM rejected "
                "ORDER BY line LIMIT ?",
                [MAX_ROW_ERRORS],
            ).fetchall()
        ]
        con.execute("DROP TABLE stage")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    timings["write"] = time.perf_counter() - clock
    fields = [{"id": n, "type": t} for n, t in zip(names, types, strict=True)]
    return Built(
        table_file="",
        fields=fields,
        rows=rows,
        rejected=rejected,
        row_errors=errors,
        timings=timings,
    )


KINDS = ("int", "numeric", "bool", *SHAPES)
NUMBERS = ("int", "numeric")
SAMPLE_ROWS = 2_000


def _check(kind: str, c: str) -> str:
    """SQL true when cell `c` fits `kind`."""
    if kind == "int":
        return f"regexp_full_match({c}, ' *{INT_RE} *')"
    if kind == "numeric":
        return f"regexp_full_match({c}, ' *{NUM_RE} *')"
    if kind == "bool":
        return f"(length({c}) <= 7 AND lower(trim({c})) IN ('true', 'false'))"
    return f"regexp_full_match({c}, ' *{SHAPES[kind][0]} *')"


def _misfits(
    con: duckdb.DuckDBPyConnection, cols: list[str], candidates: dict[int, list[str]], source: str
) -> dict[int, dict[str, int]]:
    """For each column, how many of its cells in `source` do not fit each candidate kind (and,
    as "lead", how many are numbers written with a leading zero)."""
    parts, keys = [], []
    for i, kinds in candidates.items():
        c = quote(cols[i])
        parts.append(f"count({c})")
        keys.append((i, "present"))
        for kind in kinds:
            parts.append(f"count({c}) FILTER (WHERE NOT {_check(kind, c)})")
            keys.append((i, kind))
        if "int" in kinds or "numeric" in kinds:
            parts.append(f"count({c}) FILTER (WHERE regexp_full_match({c}, ' *{LEADING_ZERO_RE}'))")
            keys.append((i, "lead"))
    if not parts:
        return {}
    row = con.execute(f"SELECT {', '.join(parts)} FROM {source}").fetchone() or ()  # noqa: S608
    out: dict[int, dict[str, int]] = {i: {} for i in candidates}
    for (i, key), n in zip(keys, row, strict=True):
        out[i][key] = n
    return out


def _infer(con: duckdb.DuckDBPyConnection, cols: list[str]) -> list[str]:
    """Each column's kind ("int", "numeric", "bool", "date:iso", "date:dmy", "timestamp:iso",
    "timestamp:dmy" or "text"), true of every row of the file.

    A sample of the first rows rules kinds out (a cell that is not a number rules "int" and
    "numeric" out for the whole column); the kind the sample leaves is then checked over every
    row, one cheap check a column, and where the rest of the file rules it out too (10,000
    whole numbers, then 10000.5), the column's remaining kinds are checked over every row.
    Text columns, most of a file, cost no check at all past the sample."""
    if not cols:
        return []
    kinds = ["text"] * len(cols)
    left = {i: list(KINDS) for i in range(len(cols))}
    sample = f"(SELECT * FROM stage LIMIT {SAMPLE_ROWS})"  # noqa: S608 - a constant
    for i, n in _misfits(con, cols, left, sample).items():
        left[i] = [k for k in left[i] if not n[k] and not (n.get("lead") and k in NUMBERS)]
    left = {i: k for i, k in left.items() if k}
    while left:  # one pass over the file, more only for a column the rest of it rules out
        trying = {i: k[:1] for i, k in left.items()}
        for i, n in _misfits(con, cols, trying, "stage").items():
            kind = trying[i][0]
            if not n["present"]:
                left[i] = []  # no values at all: text
            elif not n[kind] and not (n.get("lead") and kind in NUMBERS):
                kinds[i] = kind
                left[i] = []
            else:
                left[i] = left[i][1:]
        left = {i: k for i, k in left.items() if k}
    return _parsed(con, cols, kinds)


def _parsed(con: duckdb.DuckDBPyConnection, cols: list[str], kinds: list[str]) -> list[str]:
    """Columns shaped like dates or timestamps that are not all real ones (31/02/2024) are text."""
    shaped = [i for i, kind in enumerate(kinds) if kind in SHAPES]
    if not shaped:
        return kinds
    parts = []
    for i in shaped:
        c = quote(cols[i])
        parse = SHAPES[kinds[i]][1].replace("{v}", f"trim({c})")
        parts.append(f"count({c}) FILTER (WHERE {parse} IS NULL)")
    row = con.execute(f"SELECT {', '.join(parts)} FROM stage").fetchone() or ()  # noqa: S608
    for i, unparsed in zip(shaped, row, strict=True):
        if unparsed:
            kinds[i] = "text"
    return kinds
