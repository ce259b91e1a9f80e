"""Demo documents benchmark: documents written a second by `load_documents`.

    .venv/bin/python bench/bench_demo_documents.py --scale 0.05       # SQLite file, fresh dir
    createdb -h 127.0.0.1 -U postgres docdemo_1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/docdemo_1 \\
        .venv/bin/python bench/bench_demo_documents.py --scale 1.0   # PostgreSQL, fresh database

Prepares the database first when it is empty (migrate, `tinhso demo --scale 0
--document-scale 0`: units, agencies, accounts, certificates; not timed), then times one
`load_documents(scale=...)` call: the shared templates signed, the year generated and written
(documents, recipients, incoming records, history, file rows), the rollup and counters, the
indexes built again and ANALYZE. Numbers go to docs/benchmarks.md, "Demo documents".
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05, help="1.0 = the report's year")
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        tmp = tempfile.mkdtemp(prefix="docdemo-bench-")
        os.environ["TINHSO_VAR_DIR"] = tmp
    os.environ.setdefault("TINHSO_VAR_DIR", tempfile.mkdtemp(prefix="docdemo-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tinhso.accounts.models import User
    from tinhso.documents.demo import load_documents, unload_documents
    from tinhso.documents.models import Document, DocumentEvent, DocumentFile, IncomingRecord

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="admin").exists():
        call_command("demo", scale=0, document_scale=0, quiet_progress=True)
    unload_documents(year=args.year)
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    started, cpu = time.perf_counter(), time.process_time()
    made = load_documents(scale=args.scale, year=args.year)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    rows = {m.__name__: m.objects.count()
            for m in (Document, IncomingRecord, DocumentEvent, DocumentFile)}
    print(f"database: {connection.vendor}  scale: {args.scale}  load average before: "
          f"{' '.join(load)}")
    print(f"documents: {made:,}  rows: {rows}")
    print(f"seconds: {seconds:.1f}  documents/s: {made / seconds:,.0f}  "
          f"this process's CPU: {cpu:.1f} s")


if __name__ == "__main__":
    main()
