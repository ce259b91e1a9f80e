"""HTTP benchmarks of the one-stop system: public tracking lookups and online submissions
with two small files, measured with wrk over loopback against gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tinhso_bench \\
        .venv/bin/python bench/bench_http.py [--seconds 20] [--workers 3] [--threads 1]
            [--connections 32] [--only submit|tracking]

It prepares the database (migrate, the demo province with its dossiers), starts gunicorn,
runs wrk with the Lua scripts in bench/wrk/, and prints requests/s and latency percentiles.
Needs Debian's `wrk`. Results go to docs/benchmarks.md by hand, with the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def sh(*args: str, env: dict[str, str], capture: bool = False) -> str:
    result = subprocess.run(args, env=env, check=True, text=True,  # noqa: S603 - our own tools
                            capture_output=capture)
    return result.stdout if capture else ""


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def wrk(script: str, url: str, seconds: int, connections: int, env: dict[str, str],
        watch: tuple[int, str] | None = None) -> dict[str, float]:
    """Run wrk; with `watch` (gunicorn's pid, the database name) also the CPU the server and
    the database spent per request (ms), whatever else the machine was doing."""
    pids = _processes(*watch) if watch else []
    before = _cpu_seconds(pids)
    out = sh("wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s",
             str(ROOT / "bench" / "wrk" / script), url, env=env, capture=True)
    match = re.search(r"RESULT (.*)", out)
    if not match:
        raise SystemExit(out)
    values = dict(kv.split("=") for kv in match.group(1).split())
    result = {k: float(v) for k, v in values.items()}
    result["rps"] = result["requests"] / result["seconds"]
    result["cpu_ms"] = 1000 * (_cpu_seconds(pids) - before) / max(result["requests"], 1)
    return result


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes (from /proc; 0 for one that has gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _processes(parent: int, database: str) -> list[int]:
    """gunicorn's workers (children of `parent`) and the PostgreSQL backends serving
    `database` (their title names it)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        if ppid == parent or (database and cmdline.startswith("postgres:") and database in cmdline):
            found.append(int(stat.parent.name))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (gthread): overlap fsync and commit waits")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--only", choices=("tracking", "submit"), default="")
    parser.add_argument("--submit-connections", type=int, default=0,
                        help="connections for submissions (default: min(--connections, 16))")
    parser.add_argument("--scale", default="0.01", help="demo dossiers to load first")
    parser.add_argument("--var", default="", help="TINHSO_VAR_DIR (default: one per database "
                        "under the temporary directory, kept for reruns)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    # One var directory per database, kept: a rerun finds the demo's PKI keys where the first
    # run left them (the database holds their certificates).
    name = os.environ.get("DATABASE_URL", "sqlite").rstrip("/").rsplit("/", 1)[-1]
    var = Path(args.var or Path(tempfile.gettempdir()) / f"tinhso-bench-{name}")
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tinhso.config.settings",
           "TINHSO_VAR_DIR": str(var), "TINHSO_ADMIN_PASSWORD": "bench-admin-2026",
           "TINHSO_DEMO_PASSWORD": "bench-demo-2026", "TINHSO_TASKS_BACKEND":
           "django_tasks.backends.dummy.DummyBackend"}
    print(f"database: {env.get('DATABASE_URL', 'SQLite in ' + str(var))}", flush=True)
    sh(str(BIN / "tinhso"), "migrate", "--no-input", "-v0", env=env)
    sh(str(BIN / "tinhso"), "demo", "--quiet-progress", "--scale", args.scale, env=env)
    token = sh(str(BIN / "tinhso"), "token", "--user", "congdan1", env=env, capture=True).strip()
    prep = sh(str(BIN / "python"), "-c", PREP, env=env, capture=True).split()
    procedure, doc1, doc2, codes_file = prep[0], prep[1], prep[2], prep[3]

    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "gunicorn"), "tinhso.config.wsgi:application", "-w", str(args.workers),
         "--threads", str(args.threads), "-b", f"127.0.0.1:{args.port}",
         "--log-level", "warning"], env=env)
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_for(f"{base}/healthz")
        wenv = {**env, "CODES_FILE": codes_file, "TOKEN": token, "PROCEDURE": procedure,
                "DOC1": doc1, "DOC2": doc2, "RUN": str(int(time.time()))}
        wrk("tracking.lua", base, 3, args.connections, wenv)  # warm-up
        results = []
        watch = (server.pid, name if "postgres" in env.get("DATABASE_URL", "") else "")
        if args.only in ("", "tracking"):
            results.append(("public tracking lookup",
                            wrk("tracking.lua", base, args.seconds, args.connections, wenv,
                                watch)))
        if args.only in ("", "submit"):
            results.append(("online submission, two small files",
                            wrk("submit.lua", base, args.seconds,
                                args.submit_connections or min(args.connections, 16), wenv,
                                watch)))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"gunicorn: {args.workers} workers x {args.threads} threads")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print("| operation | requests/s | p50 ms | p95 ms | p99 ms | errors | non-2xx | "
          "server + database CPU ms/request |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, r in results:
        print(f"| {label} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['p99_ms']:.1f} | {r['errors']:.0f} | {r['non2xx']:.0f} | {r['cpu_ms']:.2f} |")
    sys.stdout.flush()


PREP = r"""
import django, tempfile
django.setup()
from tinhso.catalog.models import ProcedureVersion
from tinhso.onestop.models import Dossier
from django.utils import timezone
version = (ProcedureVersion.objects.filter(procedure__code="1.001193", effective_from__lte=timezone.localdate())
           .order_by("-effective_from", "-number").first())
docs = list(version.documents.filter(is_mandatory=True).order_by("position").values_list("pk", flat=True))
docs = (docs + docs)[:2]
codes = list(Dossier.objects.order_by("-pk").values_list("code", flat=True)[:5000])
path = tempfile.mktemp(suffix=".txt")
open(path, "w").write("\n".join(codes) + "\n")
print(version.procedure.code, docs[0], docs[1], path)
"""

if __name__ == "__main__":
    main()
