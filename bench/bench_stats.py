"""One-stop statistics benchmark: `dossier_stats` for whole-month and arbitrary periods.

Plain script, on a database that already holds a demo year (`tinhso demo --scale 1.0`):
`DATABASE_URL=... .venv/bin/python bench/bench_stats.py [--user banchidao] [--runs 9]`.
Times each period in one process, warm (one call first), as the given user (the demo's
Steering Committee observer by default: the province-wide view), and prints the range, the
median and the number of queries of each. The numbers go to docs/benchmarks.md, section
"One-stop statistics at national-report scale".
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, timedelta


def periods(last: date) -> list[tuple[str, date, date]]:
    """Periods of the demo window, which ends on `last`."""
    month = last.replace(day=1)
    months_ago = [month]
    while len(months_ago) < 12:
        months_ago.append((months_ago[-1] - timedelta(days=1)).replace(day=1))
    end_of_month = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    mid = months_ago[5]
    end_of_mid = (mid + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return [
        ("twelve whole months", months_ago[-1], end_of_month),
        ("any 365 days", last - timedelta(days=364), last),
        ("one whole month", mid, end_of_mid),
        ("inside one month (5th to 25th)", mid.replace(day=5), mid.replace(day=25)),
        ("one day (the 15th)", mid.replace(day=15), mid.replace(day=15)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--user", default="banchidao", help="username of the viewer")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tinhso.accounts.models import User
    from tinhso.onestop.models import DossierStatAgencyDay
    from tinhso.onestop.stats import dossier_stats

    last = DossierStatAgencyDay.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        raise SystemExit("No rollup rows: load a demo year first (tinhso demo --scale 1.0).")
    pk = User.objects.get(username=args.user).pk
    print(f"{'period':32s} {'from':>10s} {'to':>10s}   min-max ms  median  queries")
    for label, first, end in periods(last):
        dossier_stats(user=User.objects.get(pk=pk), date_from=first, date_to=end)
        times = []
        for _ in range(args.runs):
            user = User.objects.get(pk=pk)
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                dossier_stats(user=user, date_from=first, date_to=end)
                times.append((time.perf_counter() - t) * 1000)
        print(f"{label:32s} {first} {end} {min(times):6.1f}-{max(times):6.1f} "
              f"{statistics.median(times):6.1f} {len(queries):8d}")


if __name__ == "__main__":
    main()
