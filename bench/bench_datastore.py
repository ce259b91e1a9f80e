"""Datastore benchmark: load an N-row CSV into the datastore, then time datastore_search.

Plain script: `.venv/bin/python bench/bench_datastore.py [--rows 1000000] [--repeat 30]`.
Needs an idle machine for the numbers that go to docs/benchmarks.md ("Datastore"); the issue's
targets are a 1,000,000-row load under 10 s and a datastore_search page under 50 ms.

It writes a CSV shaped like the portal's data (Vietnamese names, codes with leading zeros,
decimals, dd/mm/yyyy dates; about 50 bytes a row), loads it with the loader the background task
runs (`loader.build`: encoding check, bulk read, whole-file type inference, typed table
written), and times `search.search_table`, the query behind the action, warm, for: the first
page, a filtered page, a full-text page, a deep page by key (`after`, as `_links.next` gives),
the same depth by offset (no filter: turned into a key), and a deep offset behind a filter
(a real OFFSET). The caller's access check is one indexed query in the main database on top.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

DISTRICTS = [
    "Hà Đông",
    "Cầu Giấy",
    "Đống Đa",
    "Ba Đình",
    "Hoàn Kiếm",
    "Thanh Xuân",
    "Long Biên",
    "Tây Hồ",
    "Hoàng Mai",
    "Nam Từ Liêm",
    "Sơn Tây",
    "Ứng Hòa",
]
WORDS = [
    "Hòa",
    "Bình",
    "An",
    "Phú",
    "Thịnh",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Hưng",
    "Long",
    "Mỹ",
    "Tân",
    "Quang",
    "Nghĩa",
]


def write_csv(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    communes = [f"Xã {rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(500)]
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("ma_xa,xa,huyen,nam,dan_so,dien_tich,ngay_cap_nhat\n")
        lines = []
        for i in range(1, rows + 1):
            lines.append(
                f"{i % 100_000:05d},{communes[i % 500]},{DISTRICTS[i % 12]},{2015 + i % 10},"
                f"{rng.randint(500, 90_000)},{rng.uniform(1, 300):.2f},"
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/2024\n"
            )
            if len(lines) == 100_000:
                f.writelines(lines)
                lines = []
        f.writelines(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30, help="runs per query (median, p95)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and the table")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-datastore-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    os.environ.setdefault("TINHSO_VAR_DIR", str(work / "var"))
    os.environ["TINHSO_MEDIA_ROOT"] = str(work / "media")
    import django

    django.setup()
    from django.conf import settings

    from tinhso.opendata.datastore import loader, search
    from tinhso.opendata.models import DatastoreTable, Resource

    settings.TINHSO_DATASTORE_DIR = work / "datastore"
    (work / "media").mkdir(parents=True)
    source = work / "media" / "data.csv"
    t = time.perf_counter()
    write_csv(source, args.rows, args.seed)
    print(
        f"wrote {args.rows:,} rows, {source.stat().st_size / 2**20:.1f} MB "
        f"in {time.perf_counter() - t:.1f} s"
    )

    rid = str(uuid.uuid4())
    t = time.perf_counter()
    built = loader.build(rid, "data.csv")
    load = time.perf_counter() - t
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in built.timings.items())
    print(f"load: {load:.2f} s ({steps}); {built.rows:,} rows, {built.rejected} rejected")
    print("types:", {f["id"]: f["type"] for f in built.fields})
    size = loader.storage.table_path(built.table_file).stat().st_size
    print(f"table file: {size / 2**20:.1f} MB")

    table = search.Table(
        resource=Resource(id=uuid.UUID(rid)),
        row=DatastoreTable(table_file=built.table_file, fields=built.fields, row_count=built.rows),
    )
    deep = max(args.rows - 1_000, 0)
    queries = {
        "first page (100 rows, total)": {},
        "filtered (huyen = Cầu Giấy)": {"filters": {"huyen": "Cầu Giấy"}},
        "filtered by two columns": {"filters": {"huyen": "Cầu Giấy", "nam": 2016}},
        "q full text ('hoa binh')": {"q": "hoa binh"},
        "deep page by key (after)": {"after": deep},
        "deep page by offset (no filter)": {"offset": deep},
        "deep offset behind a filter": {"filters": {"nam": 2019}, "offset": deep // 10 - 100},
        "sorted by dan_so desc": {"sort": "dan_so desc"},
        "no total, by key": {"after": deep, "include_total": False},
    }
    print(f"\ndatastore_search on {built.rows:,} rows, {args.repeat} runs each (warm):")
    print(f"{'query':38} {'median ms':>10} {'p95 ms':>8} {'rows':>5}")
    for label, params in queries.items():
        data = {"resource_id": rid, "limit": 100, **params}
        result = search.search_table(table, data)  # warm the connection and caches
        times = []
        for _i in range(args.repeat):
            t = time.perf_counter()
            result = search.search_table(table, data)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(f"{label:38} {statistics.median(times):10.1f} {p95:8.1f} {len(result['records']):5}")
    import duckdb

    print(
        f"\n{platform.platform()}, Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        + (f"; files in {work}" if args.keep else "")
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
