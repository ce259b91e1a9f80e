"""Officer queue benchmark: the /xu-ly/ pages and the API's queue lists with 10,000 open dossiers
at the demo officers' agencies, time per request and queries per request.

    .venv/bin/python bench/bench_queue.py [--database postgres://postgres@127.0.0.1:5432/tinhso_bench_queue]
        [--sizes 1000,10000] [--requests 50] [--scale 0.01] [--no-http]
    .venv/bin/python bench/bench_queue.py --database sqlite

It (re)creates its own database (PostgreSQL by default; `sqlite` for a file in a temporary
directory), migrates, loads the demo province (`tinhso demo --scale`: directory, catalog,
accounts and a year of mostly closed dossiers), then for each size in `--sizes` replaces its own
open dossiers by that many, inserted in bulk: submitted at the service centre's desk, received
and waiting there, processing at the Department of Justice's specialist or leader, waiting for a
supplement or a payment, due from five days ago to fifteen days ahead (about a quarter overdue),
plus a few hundred returned today. Each queue page is fetched through Django's test client (the
query count is read there) and, unless --no-http, over HTTP from gunicorn with one sync worker
(the time a user waits, minus the network). Columns: queries per request, the wall time spent
in them, this process's CPU time per request (the Django side, unaffected by waiting for a
busy CPU), then wall-clock percentiles. The load average is printed: on a shared machine the
wall times follow it. Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench_http import wait_for  # the same poll for the server (bench/ is on sys.path when run)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/tinhso_bench_queue"
MARK = "bench-queue-"
LIMIT_MS = 200.0

# (who, label, path): the pages an officer opens all day.
PAGES = [
    ("motcua", "desk: workspace (first tab)", "/xu-ly/"),
    ("motcua", "desk: to receive", "/xu-ly/cho-tiep-nhan/"),
    ("motcua", "desk: to receive, last page", "/xu-ly/cho-tiep-nhan/?page=last"),
    ("motcua", "desk: to process", "/xu-ly/dang-xu-ly/"),
    ("motcua", "desk: due soon", "/xu-ly/sap-den-han/"),
    ("motcua", "desk: overdue", "/xu-ly/qua-han/"),
    ("motcua", "desk: returned today", "/xu-ly/tra-hom-nay/"),
    ("chuyenvien", "specialist: to process", "/xu-ly/dang-xu-ly/"),
    ("chuyenvien", "specialist: overdue", "/xu-ly/qua-han/"),
    ("lanhdao", "leader: to approve", "/xu-ly/cho-phe-duyet/"),
    ("motcua", "API: to_receive", "/api/v1/dossiers?queue=to_receive&page_size=50"),
    ("motcua", "API: overdue", "/api/v1/dossiers?queue=overdue&page_size=50"),
    ("motcua", "API: overdue, page 3", "/api/v1/dossiers?queue=overdue&page_size=50&page=3"),
    ("chuyenvien", "API: to_process", "/api/v1/dossiers?queue=to_process&page_size=50"),
    ("lanhdao", "API: to_approve", "/api/v1/dossiers?queue=to_approve&page_size=50"),
]


def prepare_database(url: str) -> None:
    """Drop and create the PostgreSQL database named in the URL (the bench's own)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup(args: argparse.Namespace) -> dict[str, str]:
    var = Path(tempfile.mkdtemp(prefix="tinhso-bench-queue-"))
    env = {"DJANGO_SETTINGS_MODULE": "tinhso.config.settings", "TINHSO_VAR_DIR": str(var),
           "TINHSO_ADMIN_PASSWORD": "bench-admin-2026", "TINHSO_DEMO_PASSWORD": "bench-demo-2026",
           "TINHSO_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    if args.database == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    else:
        if not args.reuse:
            prepare_database(args.database)
        env["DATABASE_URL"] = args.database
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    print(f"database: {os.environ.get('DATABASE_URL', 'SQLite in ' + str(var))}", flush=True)
    t = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not args.reuse:
        with open(os.devnull, "w") as quiet:
            call_command("demo", quiet_progress=True, scale=args.scale, stdout=quiet)
    print(f"migrate + demo --scale {args.scale}: {time.perf_counter() - t:.0f} s", flush=True)
    return env


def load_open_dossiers(n: int, seed: int = 1) -> dict[str, int]:
    """Replace the bench's dossiers by `n` open ones (and n/30 returned today) at the demo
    desk (service centre) and the Department of Justice; returns how many per status."""
    from django.db import transaction
    from django.utils import timezone

    from tinhso.accounts.models import User
    from tinhso.catalog.models import ProcedureVersion
    from tinhso.core.calendar import TZ
    from tinhso.directory.models import Role
    from tinhso.onestop.models import Dossier
    from tinhso.onestop.status import Channel, Status

    rng = random.Random(seed)
    desk_agency = User.objects.get(username="motcua").grants.get().agency
    justice = User.objects.get(username="chuyenvien").grants.get().agency
    versions = list(ProcedureVersion.objects.filter(agency=justice).select_related("procedure")
                    .order_by("pk")[:40])
    if not versions:
        raise SystemExit("the demo catalog has no procedure of the Department of Justice")
    applicants = list(User.objects.filter(kind=User.Kind.CITIZEN).values_list("pk", "full_name",
                                                                               "citizen_id")[:200])
    now = timezone.now()
    day = now.astimezone(TZ).strftime("%y%m%d")
    # status, where it is, share of the open dossiers
    mix = [
        (Status.SUBMITTED, desk_agency, Role.ONESTOP_OFFICER, 0.20),
        (Status.RECEIVED, desk_agency, Role.ONESTOP_OFFICER, 0.10),
        (Status.PROCESSING, justice, Role.SPECIALIST, 0.40),
        (Status.PROCESSING, justice, Role.LEADER, 0.15),
        (Status.SUPPLEMENT, justice, Role.SPECIALIST, 0.10),
        (Status.PAYING, justice, Role.SPECIALIST, 0.05),
    ]
    plan: list[tuple[Status, Any, str]] = []
    for status, agency, role, share in mix:
        plan += [(status, agency, role)] * round(n * share)
    plan = plan[:n] + [(Status.PROCESSING, justice, Role.SPECIALIST)] * (n - len(plan))
    plan += [(Status.RETURNED, desk_agency, Role.ONESTOP_OFFICER)] * (n // 30)
    rows, counts = [], {}
    for i, (status, agency, role) in enumerate(plan):
        v = rng.choice(versions)
        person = rng.choice(applicants)
        submitted = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 20))
        due = now + timedelta(minutes=rng.randrange(-5 * 24 * 60, 15 * 24 * 60))
        d = Dossier(
            code=f"{desk_agency.code}-{day}-{50000 + i}", province_code=justice.province_code,
            procedure=v.procedure, version=v, channel=rng.choice(list(Channel)), status=status,
            applicant_id=person[0], applicant_name=person[1], applicant_id_number=person[2],
            agency=justice, receiving_agency=desk_agency, current_agency=agency,
            current_role=role, submitted_at=submitted, form_data={"bench": True},
            idempotency_key=f"{MARK}{i}",
        )
        if status != Status.SUBMITTED:
            d.received_at = submitted + timedelta(minutes=30)
            d.due_at = due
        if status in (Status.SUPPLEMENT, Status.PAYING):
            d.paused_at = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 10))
            d.resumed_status = Status.PROCESSING
        if status == Status.RETURNED:
            d.resolved_at = now - timedelta(minutes=rng.randrange(60, 120))
            d.returned_at = now - timedelta(minutes=rng.randrange(1, 50))
            d.timeliness = "on_time"
        counts[status.label] = counts.get(status.label, 0) + 1
        rows.append(d)
    with transaction.atomic():
        Dossier.objects.filter(idempotency_key__startswith=MARK).delete()
        Dossier.objects.bulk_create(rows, batch_size=2000)
    analyze()
    return counts


def analyze() -> None:
    """What autovacuum does soon after a bulk load: statistics, and the visibility map that
    lets a count read an index alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) onestop_dossier" if connection.vendor == "postgresql"
                       else "ANALYZE")


def last_page(path: str, client: Any) -> str:
    if "page=last" not in path:
        return path
    body = client.get(path.replace("?page=last", "")).content.decode()
    found = re.findall(r"Trang \d+/(\d+)", body)
    return path.replace("page=last", f"page={found[0] if found else 1}")


def measure_in_process(requests: int) -> dict[str, dict[str, float]]:
    from django.db import connection
    from django.test import Client

    from tinhso.accounts.models import User

    clients: dict[str, Client] = {}
    out = {}
    for who, label, path in PAGES:
        if who not in clients:
            clients[who] = Client()
            clients[who].force_login(User.objects.get(username=who))
        c = clients[who]
        path = last_page(path, c)
        for _ in range(3):
            assert c.get(path).status_code == 200, (label, path)
        queries = QueryCounter()
        times = []
        cpu = time.process_time()
        with connection.execute_wrapper(queries):
            for _ in range(requests):
                t = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200
        out[label] = {"queries": queries.n / requests, "db": queries.seconds * 1000 / requests,
                      "cpu": (time.process_time() - cpu) * 1000 / requests, **summary(times)}
    return out


class QueryCounter:
    """Counts the statements requests run and the time spent in them (CaptureQueriesContext
    reads Django's query log, which stops growing once full)."""

    def __init__(self) -> None:
        self.n = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.n += 1
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50": statistics.median(times), "p95": times[max(0, round(len(times) * 0.95) - 1)]}


def session_cookies() -> dict[str, str]:
    from django.test import Client

    from tinhso.accounts.models import User

    cookies = {}
    for who in {p[0] for p in PAGES}:
        c = Client()
        c.force_login(User.objects.get(username=who))
        cookies[who] = c.cookies["sessionid"].value
    return cookies


def measure_http(requests: int, port: int) -> dict[str, dict[str, float]]:
    from django.test import Client

    from tinhso.accounts.models import User

    cookies = session_cookies()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [str(BIN / "gunicorn"), "tinhso.config.wsgi:application", "-w", "1",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"], env=os.environ.copy())
    out = {}
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        for who, label, path in PAGES:
            c = Client()
            c.force_login(User.objects.get(username=who))
            path = last_page(path, c)
            req = urllib.request.Request(base + path,  # noqa: S310 - loopback
                                         headers={"Cookie": f"sessionid={cookies[who]}"})
            for _ in range(3):
                fetch(req)
            times = []
            for _ in range(requests):
                t = time.perf_counter()
                fetch(req)
                times.append((time.perf_counter() - t) * 1000)
            out[label] = summary(times)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return out


def fetch(req: urllib.request.Request) -> None:
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback
        r.read()
        if r.status != 200:
            raise SystemExit(f"{req.full_url}: {r.status}")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", DEFAULT_PG),
                        help="a PostgreSQL URL (the database is dropped and re-created) "
                             "or 'sqlite'")
    parser.add_argument("--sizes", default="1000,10000", help="open dossiers, in turn")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--scale", type=float, default=0.01, help="demo dossiers loaded first")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--no-http", action="store_true", help="only the in-process client")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the PostgreSQL database and its demo data from a previous run")
    args = parser.parse_args()
    setup(args)
    from django.db import connection

    connection.ensure_connection()
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{connection.vendor} {getattr(connection, 'pg_version', '')}",
          flush=True)
    results: dict[int, tuple[dict[str, dict[str, float]], dict[str, dict[str, float]]]] = {}
    for size in [int(s) for s in args.sizes.split(",")]:
        t = time.perf_counter()
        counts = load_open_dossiers(size)
        print(f"{size:,} open dossiers loaded in {time.perf_counter() - t:.1f} s: {counts}",
              flush=True)
        local = measure_in_process(args.requests)
        http = {} if args.no_http else measure_http(args.requests, args.port)
        results[size] = (local, http)
        report(size, local, http)
        print(f"load average after: {load()}", flush=True)
    sizes = sorted(results)
    if len(sizes) > 1:
        grew = [label for _w, label, _p in PAGES
                if results[sizes[0]][0][label]["queries"] != results[sizes[-1]][0][label]["queries"]]
        print("query counts " + (f"GREW with the data: {grew}" if grew else
                                 f"equal at {sizes[0]:,} and {sizes[-1]:,} open dossiers"))
    slow = [label for label, r in results[sizes[-1]][1 if not args.no_http else 0].items()
            if r["p95"] > LIMIT_MS]
    print(f"over {LIMIT_MS:.0f} ms at p95: {slow or 'none'}")


def report(size: int, local: dict[str, dict[str, float]], http: dict[str, dict[str, float]]) -> None:
    print(f"\n{size:,} open dossiers")
    print("| page | queries | in SQL ms | Python CPU ms | in-process p50 ms | p95 ms "
          "| HTTP p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for _w, label, _p in PAGES:
        lo, ht = local[label], http.get(label)
        tail = f"{ht['p50']:.1f} | {ht['p95']:.1f}" if ht else "– | –"
        print(f"| {label} | {lo['queries']:g} | {lo['db']:.1f} | {lo['cpu']:.1f} | {lo['p50']:.1f} | "
              f"{lo['p95']:.1f} | {tail} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
