"""Demo dossier generator benchmark: dossiers written a second by `load_dossiers`.

Plain script:

    .venv/bin/python bench/bench_demo.py --scale 0.1            # SQLite file in a fresh temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo_bench_db \\
        .venv/bin/python bench/bench_demo.py --scale 0.1        # PostgreSQL (database must exist)

Prepares the database first (migrate, the demo province's units, agencies and catalog, and
removes the window's demo dossiers of an earlier run: not timed), then times one
`load_dossiers(scale=...)` call: generation, inserts, day counters and rollups, everything a
`tinhso demo` user waits for. The numbers go to docs/benchmarks.md, section "Demo dossiers".
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time


def _postgres_cpu() -> float | None:
    """CPU seconds of every PostgreSQL server process on this machine, ended ones included
    (the postmaster's children's times), or None where /proc does not show them."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            if not name.startswith("postgres"):
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
            total += int(fields[13]) + int(fields[14])  # cutime, cstime (reaped children)
    except OSError:
        return None
    return total / tick


def _own_cpu() -> float:
    """CPU seconds of this process and of the demo's worker processes it waited for."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="1.0 = the report's year")
    parser.add_argument("--year", type=int, default=None,
                        help="a calendar year (default: the 365 days up to now)")
    parser.add_argument("--seed", type=int, default=38)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    on_pg = bool(os.environ.get("DATABASE_URL"))
    if not on_pg and "TINHSO_VAR_DIR" not in os.environ:
        os.environ["TINHSO_VAR_DIR"] = tempfile.mkdtemp(prefix="tinhso-bench-demo-")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tinhso.catalog.demo import load_catalog
    from tinhso.directory.demo import demo_agency_roles, load_agencies
    from tinhso.directory.models import AdminUnit
    from tinhso.directory.services import units_import
    from tinhso.onestop.demo import load_dossiers, unload_dossiers
    from tinhso.onestop.models import Dossier, DossierEvent, DossierStat, Payment

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    if not AdminUnit.objects.filter(province_code="38").exists():
        units_import(province_codes=["38"])
    load_agencies("38")
    load_catalog(agencies=demo_agency_roles("38"))
    unload_dossiers(province_code="38", year=args.year)  # an earlier run's, if any
    prepared = time.perf_counter() - t0

    before = {m: m.objects.count() for m in (Dossier, DossierEvent, Payment, DossierStat)}
    t = time.perf_counter()
    cpu = _own_cpu()
    server = _postgres_cpu() if on_pg else None
    created = load_dossiers(province_code="38", year=args.year, scale=args.scale,
                            seed=args.seed)
    elapsed = time.perf_counter() - t
    cpu = _own_cpu() - cpu
    if server is not None:
        after_server = _postgres_cpu()
        server = after_server - server if after_server is not None else None
    after = {m: m.objects.count() for m in before}

    db = connection.vendor
    if db == "sqlite":
        db += f" {connection.settings_dict['NAME']}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            db += f" {cursor.fetchone()[0]} ({connection.settings_dict['NAME']})"
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs; {db}")
    print(f"prepared (migrate, units, agencies, catalog, old demo dossiers gone) in "
          f"{prepared:.1f} s")
    print(f"scale {args.scale}: {created:,} dossiers in {elapsed:.2f} s "
          f"= {created / elapsed:,.0f} dossiers/s")
    print(f"  CPU of this process and its demo workers (generating, encoding rows): {cpu:.1f} s; "
          + (f"PostgreSQL server processes (all databases): {server:.1f} s; "
             if server is not None else "")
          + f"load average {os.getloadavg()[0]:.1f}")
    rows = 0
    for model, n in after.items():
        written = n - before[model]
        rows += written
        print(f"  {model._meta.db_table:<24} {written:>10,} rows")
    print(f"  all rows                 {rows:>10,} = {rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main()
