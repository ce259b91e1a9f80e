"""Registers of documents benchmark: list and search pages with millions of documents.

    createdb -h 127.0.0.1 -U postgres docdemo_regs
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/docdemo_regs \\
        .venv/bin/python bench/bench_document_registers.py --scale 1.03 --runs 30

Loads the demo province and `--scale` of a year of demo documents when the database holds
fewer documents than that (not timed; 1.03 makes about 3.54 million), then times, through the
selectors the web pages and `GET /api/v1/documents` use (`outgoing_register`,
`incoming_register`, `page_of`: the count and one page of 20 rows with what a list shows),
for the busiest agency's clerk (the Office of the provincial People's Committee, user
`vanthu`) and a commune's officer (`chuyenvien.xa`):

- the outgoing and the incoming register's first page, and a deep page (page 500);
- a diacritics-insensitive search ("cong van ve chuyen doi so", "quyet dinh phe duyet ke
  hoach") in both registers, and with the year filter.

Each case runs `--runs` times after one warm-up; p50 and p95 in milliseconds, with the
number of queries. Target (issue 4): under 200 ms. Results: docs/benchmarks.md,
"Document registers".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.03)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN ANALYZE of each case's queries")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.accounts.models import User
    from tinhso.documents.demo import expected_documents, load_documents
    from tinhso.documents.models import Document
    from tinhso.documents.selectors import (
        RegisterFilters,
        incoming_register,
        outgoing_register,
        page_of,
    )

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="admin").exists():
        call_command("demo", scale=0, document_scale=0, quiet_progress=True)
    wanted = expected_documents(args.scale)
    if Document.objects.count() < wanted * 0.95:
        print(f"loading {wanted:,} demo documents (not timed)...", flush=True)
        load_documents(scale=args.scale, replace=True)
    total = Document.objects.count()
    year = Document.objects.order_by("-issued_on").values_list("year", flat=True).first()

    def run(user: User, register: str, page: int, **filters: object) -> tuple[int, int]:
        select = outgoing_register if register == "out" else incoming_register
        count, rows = page_of(select(user, RegisterFilters(**filters)),  # type: ignore[arg-type]
                              page=page, page_size=20)
        for row in rows:  # what a list shows
            doc = row if register == "out" else row.document
            _ = (doc.notation, doc.subject, doc.agency.name, doc.signer)
        return count, len(rows)

    people = {"vanthu": User.objects.get(username="vanthu"),
              "chuyenvien.xa": User.objects.get(username="chuyenvien.xa")}
    cases = []
    for name in people:
        for register in ("out", "in"):
            cases += [
                (name, register, 1, {}),
                (name, register, 500, {}),
                (name, register, 1, {"q": "cong van ve chuyen doi so"}),
                (name, register, 1, {"q": "quyet dinh phe duyet ke hoach"}),
                (name, register, 1, {"q": "chuyen doi so", "year": year}),
            ]
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    print(f"{connection.vendor}, {total:,} documents; load average {load}")
    print(f"{'user':14} {'reg':3} {'page':>4} {'filters':42} {'count':>8} {'rows':>4} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'queries':>7}")
    for name, register, page, filters in cases:
        user = people[name]
        run(user, register, page, **filters)  # warm-up
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                count, shown = run(user, register, page, **filters)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        label = ", ".join(f"{k}={v}" for k, v in filters.items()) or "-"
        print(f"{name:14} {register:3} {page:>4} {label:42} {count:>8,} {shown:>4} "
              f"{statistics.median(times):>7.1f} {p95:>7.1f} {len(queries):>7}", flush=True)
        if args.explain and connection.vendor == "postgresql":
            for q in queries.captured_queries:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                    print("\n".join(r[0] for r in cursor.fetchall()))


if __name__ == "__main__":
    main()
