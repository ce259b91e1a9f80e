"""What counting use costs (issue 5: "counted asynchronously so search never slows down").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_usage TINHSO_VAR_DIR=/tmp/bench-var \\
        .venv/bin/python bench/bench_usage.py [--requests 400]

Prepares the database (migrate, one agency, one dataset with two resources, through the
services), then measures in process:

1. `usage_count` alone (the only work a counted request does): a million calls, ns per call;
2. `package_show` through Django's test client with counting on and with `usage_count`
   replaced by a no-op, interleaved, `--requests` each after warm-up: median and p95;
3. `flush` of a batch of 1,000 distinct keys (1,000 datasets x 1 kind): the write a request
   finds due every FLUSH_HITS hits, made after its response.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")


def _p95(xs: list[float]) -> float:
    return sorted(xs)[int(len(xs) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from tinhso.accounts.tests.factories import AgencyFactory, officer
    from tinhso.directory.models import Role
    from tinhso.opendata import ckan, facets, usage
    from tinhso.opendata.dictize import org_name
    from tinhso.opendata.models import Dataset, DatasetUsageMonth
    from tinhso.opendata.services import dataset_create

    name = "bench-usage"
    ds = Dataset.objects.filter(name=name).first()
    if ds is None:
        agency = AgencyFactory()
        ds = dataset_create(
            actor=officer(Role.SPECIALIST, agency),
            data={
                "name": name,
                "title": "Bench",
                "owner_org": org_name(agency),
                "resources": [{"url": "https://x.vn/a.csv"}, {"url": "https://x.vn/b.pdf"}],
            },
        )

    n = 1_000_000
    per_call = timeit.timeit(lambda: usage.usage_count(ds.pk, "api"), number=n) / n
    usage.discard()
    print(f"usage_count: {per_call * 1e9:.0f} ns a call")

    client = Client()
    real = ckan.usage_count
    usage.FLUSH_HITS = 10**9  # measure the request path alone; the flush is timed below
    usage.FLUSH_SECONDS = 10.0**9
    times: dict[str, list[float]] = {"counted": [], "not counted": []}
    for _ in range(20):
        client.get("/api/3/action/package_show", {"id": name})
    for i in range(2 * args.requests):
        case = "counted" if i % 2 == 0 else "not counted"
        ckan.usage_count = real if case == "counted" else (lambda *a, **k: None)  # type: ignore[assignment]
        t0 = time.perf_counter()
        r = client.get("/api/3/action/package_show", {"id": name})
        times[case].append(time.perf_counter() - t0)
        assert r.status_code == 200
    ckan.usage_count = real  # type: ignore[assignment]
    for case, xs in times.items():
        print(
            f"package_show {case}: median {statistics.median(xs) * 1e3:.2f} ms, "
            f"p95 {_p95(xs) * 1e3:.2f} ms ({len(xs)} requests)"
        )
    usage.discard()

    ids = [ds.pk] + [uuid.uuid4() for _ in range(999)]
    seqs = iter(facets.next_seqs(len(ids) - 1))  # numbered for the facet index
    Dataset.objects.bulk_create(
        [
            Dataset(
                id=i,
                seq=next(seqs),
                name=f"bench-u-{i.hex[:12]}",
                title="x",
                owner_org_id=ds.owner_org_id,
                province_code="38",
                metadata_created=ds.metadata_created,
                metadata_modified=ds.metadata_modified,
            )
            for i in ids[1:]
        ],
        ignore_conflicts=True,
    )
    for i in ids:
        usage.usage_count(i, "view")
    t0 = time.perf_counter()
    written = usage.flush()
    print(f"flush of 1,000 keys: {(time.perf_counter() - t0) * 1e3:.1f} ms ({written} hits)")
    Dataset.objects.filter(name__startswith="bench-u-").delete()
    DatasetUsageMonth.objects.filter(dataset=ds).delete()
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")


if __name__ == "__main__":
    main()
