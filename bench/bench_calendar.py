"""Deadline engine benchmark: due-date computations a second in one process.

Plain script: `.venv/bin/python bench/bench_calendar.py [--n 200000] [--seed 1]`.
Random aware start instants (any minute, any day) over 2020-2027, random durations of
1-60 working days or 1-200 working hours, on the national calendar with default office hours.
The numbers go to docs/benchmarks.md, section "Deadline engine".
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from datetime import datetime, timedelta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200_000, help="computations per measurement")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()
    from tinhso.core.calendar import TZ, national_calendar

    rng = random.Random(args.seed)
    first = datetime(2020, 1, 1, tzinfo=TZ)
    span_minutes = int((datetime(2028, 1, 1, tzinfo=TZ) - first).total_seconds() // 60)
    starts = [first + timedelta(minutes=rng.randrange(span_minutes)) for _ in range(args.n)]
    day_counts = [rng.randint(1, 60) for _ in range(args.n)]
    hour_counts = [rng.randint(1, 200) for _ in range(args.n)]

    t0 = time.perf_counter()
    cal = national_calendar()
    cal.due(starts[0], working_days=1)
    build = time.perf_counter() - t0

    def measure(label: str, fn) -> None:
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t)
        print(f"{label:<48} {args.n / best:>12,.0f} ops/s  ({best * 1e6 / args.n:.2f} µs/op)")

    due = cal.due
    between = cal.working_time_between
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"calendar build (holidays 2000-2099 + working-day table): {build * 1000:.0f} ms")
    measure("due(start, working_days=n)",
            lambda: [due(s, working_days=d) for s, d in zip(starts, day_counts, strict=True)])
    measure("due(start, working_hours=n)",
            lambda: [due(s, working_hours=h) for s, h in zip(starts, hour_counts, strict=True)])
    durations = [cal.day_length * d for d in day_counts]
    add = cal.add_working_time
    measure("add_working_time(start, timedelta)",
            lambda: [add(s, d) for s, d in zip(starts, durations, strict=True)])
    ends = [s + timedelta(days=d) for s, d in zip(starts, day_counts, strict=True)]
    measure("working_time_between(start, end)",
            lambda: [between(s, e) for s, e in zip(starts, ends, strict=True)])

    explain = cal.explain
    few = list(zip(starts, day_counts, strict=True))[: max(1, args.n // 20)]
    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        for s, d in few:
            explain(s, working_days=d)
        best = min(best, time.perf_counter() - t)
    print(f"{'explain(start, working_days=n) incl. text':<48} {len(few) / best:>12,.0f} ops/s"
          f"  ({best * 1e6 / len(few):.2f} µs/op)")

    # sanity: every result is consistent with the requested duration
    for s, d in list(zip(starts, day_counts, strict=True))[:1000]:
        assert between(s, due(s, working_days=d)) == cal.day_length * d


if __name__ == "__main__":
    main()
