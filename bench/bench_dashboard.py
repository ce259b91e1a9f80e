"""The DX dashboard, the indicator API and the Steering Committee report (issue 6: the
dashboard and any indicator query under 200 ms, the report under 10 s).

On a database that holds a demo year (`tinhso demo --scale 1.0`):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tinhso_stats \\
        .venv/bin/python bench/bench_dashboard.py [--runs 9] [--provinces 34]

`--provinces N` first copies the province's monthly and daily-by-agency rollups (what the
dashboard and the indicators read; never the dossiers) to N-1 other provinces' agencies, so the
rollup tables hold as many rows as a national year would (34 provinces), then times, in one
process, warm: the dashboard page (public and as the Steering Committee observer), every
registered indicator's values API for the province and the year, the public indicator table,
and `report_build` + rendering the report as docx, xlsx and pdf. It prints the range, the
median and the number of queries of each. The numbers go to docs/benchmarks.md ("Dashboard,
indicators and report").
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def _copy_rollups(provinces: int) -> None:
    """Copies of the demo province's rollup summaries for provinces 90, 91, ... (their own
    agencies), so a province's queries run among national-size tables. Idempotent."""
    from django.db import connection, transaction

    from tinhso.directory.models import Agency
    from tinhso.onestop.models import DossierStatAgencyDay, DossierStatMonth

    source = "38"
    agencies = list(Agency.objects.filter(province_code=source).order_by("pk"))
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(1, provinces):
            code = str(89 + i)
            if DossierStatMonth.objects.filter(province_code=code).exists():
                continue
            mapping = {}
            for n, a in enumerate(agencies):
                copy = Agency.objects.create(  # the unit stays the source's: a stand-in
                    code=f"{code}.{n:05d}", name=a.name, short_name=a.short_name,
                    kind=a.kind, unit=a.unit, province_code=code)
                mapping[a.pk] = copy.pk
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS agency_map (old bigint, new bigint)")
            cursor.execute("TRUNCATE agency_map")
            cursor.executemany("INSERT INTO agency_map VALUES (%s, %s)", list(mapping.items()))
            for model in (DossierStatMonth, DossierStatAgencyDay):
                table = model._meta.db_table
                cols = [f.column for f in model._meta.concrete_fields
                        if f.column not in ("id", "agency_id", "province_code")]
                names = ", ".join(cols)
                cursor.execute(
                    f"INSERT INTO {table} (agency_id, province_code, {names}) "  # noqa: S608
                    f"SELECT m.new, %s, {names} FROM {table} s JOIN agency_map m "
                    f"ON m.old = s.agency_id WHERE s.province_code = %s", [code, source])
            print(f"  province {code}: rollups copied", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _time(label: str, fn, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
    print(f"| {label} | {min(times):.0f}–{max(times):.0f} | {statistics.median(times):.0f} "
          f"| {len(ctx.captured_queries)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--provinces", type=int, default=1)
    parser.add_argument("--user", default="banchidao")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    import gc

    from django.test import Client

    from tinhso.accounts.models import User
    from tinhso.indicators.periods import Period
    from tinhso.indicators.registry import all_indicators
    from tinhso.indicators.report.data import report_build
    from tinhso.indicators.report.render import to_docx, to_pdf, to_xlsx
    from tinhso.onestop.models import DossierStatMonth

    if args.provinces > 1:
        _copy_rollups(args.provinces)
    last = DossierStatMonth.objects.order_by("-month").values_list("month", flat=True).first()
    if last is None:
        raise SystemExit("No rollup rows: load a demo year first (tinhso demo --scale 1.0).")
    year = str(last.year)
    print(f"{DossierStatMonth.objects.count():,} monthly rollup rows; year {year}; "
          f"load average {os.getloadavg()[0]:.1f}")
    gc.freeze()
    anonymous, observer = Client(), Client()
    observer.force_login(User.objects.get(username=args.user))

    def get(client: Client, path: str, params: dict[str, str] | None = None) -> None:
        response = client.get(path, params or {})
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")

    print("| what | min–max ms | median ms | queries |")
    print("|---|---:|---:|---:|")
    _time("dashboard, public", lambda: get(anonymous, "/chi-so/", {"period": year}), args.runs)
    _time(f"dashboard, {args.user}", lambda: get(observer, "/chi-so/", {"period": year}),
          args.runs)
    _time("dashboard, one month", lambda: get(anonymous, "/chi-so/",
                                              {"period": f"{year}-06"}), args.runs)
    worst = ("", 0.0)
    for indicator in all_indicators(public_only=True):
        path = f"/api/v1/indicators/{indicator.code}/values"
        started = time.perf_counter()
        for _ in range(3):
            get(anonymous, path, {"period": year, "unit": "38"})
        ms = (time.perf_counter() - started) * 1000 / 3
        worst = max(worst, (indicator.code, ms), key=lambda w: w[1])
    print(f"| slowest indicator values API ({worst[0]}) | | {worst[1]:.0f} | |")
    _time("indicator table (all public, all units)",
          lambda: get(anonymous, "/api/v1/indicators/table", {"period": year}), args.runs)
    period = Period.parse(year)
    _time("report_build (data)", lambda: report_build(period), max(3, args.runs // 3))
    report = report_build(period)
    for name, render in (("docx", to_docx), ("xlsx", to_xlsx), ("pdf", to_pdf)):
        _time(f"report render {name}", lambda render=render: render(report), 3)


if __name__ == "__main__":
    main()
