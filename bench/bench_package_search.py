"""CKAN `package_search` at catalogue scale (issue 5: with 100,000 datasets on PostgreSQL,
`package_search` with facets and rows=100 answers with p95 under 100 ms).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search \\
        .venv/bin/python bench/bench_package_search.py --datasets 100000 [--repeat 20]

Prepares the database first (migrate, the demo province's agencies, then synthetic datasets up
to `--datasets`: 20 publishing agencies, 9 themes, 200 tags, 3 tags + 1 theme + 2 resources of
CSV/XLSX/JSON/PDF each, 10% private to named agencies; bulk inserts, not timed; a second run
reuses them), then times each case in process with Django's test client as an anonymous
caller, after 2 warm-up requests, and prints median and p95 of the wall time, the median CPU
time of this process (`time.process_time`: Python's share; PostgreSQL's is in its own
processes) and the load average before and after each case (the machine may be shared).
`--cases words` times only the word searches, `--cases all` everything; `--sort` gives the
word searches another sort than CKAN's default (relevance, `opendata/ranking.py`), e.g.
`--sort "metadata_modified desc"` to compare. The numbers go to
docs/benchmarks.md ("package_search").

Each title draws 2 of the 12 phrases in WORDS and the notes a third, so a phrase is in ~25% of
the datasets; "giao" (giáo dục, giao thông) and "nghiep" (nông nghiệp, doanh nghiệp) in ~46%;
"so" and "du lieu" in every one (every title is "Dữ liệu ... số N").
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import uuid

CASES = {
    "all + 5 facets": {"rows": "100", "facet.field": '["organization","groups","tags",'
                                                      '"res_format","license_id"]'},
    "q=ho so + 5 facets": {"q": "ho so", "rows": "100",
                           "facet.field": '["organization","groups","tags","res_format",'
                                          '"license_id"]'},
    "fq organization, no facets": {"rows": "100"},  # fq filled in with a real agency
    "harvest page start=5000": {"rows": "100", "start": "5000", "sort": "id asc"},
}
FACETS = '["organization","groups","tags","res_format","license_id"]'
# Broad words (22-50% of the synthetic catalogue) and narrow ones, with facets and rows=100.
WORD_CASES = {
    f"q={q} + 5 facets": {"q": q, "rows": "100", "facet.field": FACETS}
    for q in ("ho so", "dat dai", "giao duc", "giao", "nghiep", "du lieu dan so",
              "dat dai y te giao thong", "bo-du-lieu-4242", "khong co gi")
}
FORMATS = ["CSV", "XLSX", "JSON", "PDF"]
WORDS = ["hồ sơ", "đất đai", "dân số", "giáo dục", "y tế", "giao thông", "nông nghiệp",
         "du lịch", "doanh nghiệp", "ngân sách", "môi trường", "lao động"]


def _load(n_wanted: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from tinhso.core.text import fold
    from tinhso.directory.demo import load_agencies
    from tinhso.directory.models import AdminUnit, Agency
    from tinhso.directory.services import units_import
    from tinhso.opendata import facets
    from tinhso.opendata.models import AccessLevel, Dataset, Group, Resource, State, Tag

    if not AdminUnit.objects.filter(province_code="38").exists():
        units_import(province_codes=["38"])
    load_agencies("38")
    have = Dataset.objects.count()
    if have >= n_wanted:
        return
    agencies = list(Agency.objects.filter(province_code="38").order_by("code")[:20])
    groups = [Group.objects.get_or_create(name=f"chu-de-{i}", defaults={"title": f"Chủ đề {i}"})[0]
              for i in range(9)]
    tags = [Tag.objects.get_or_create(name=f"tu-khoa-{i}")[0] for i in range(200)]
    rng = random.Random(5)  # noqa: S311 - synthetic data
    now = timezone.now()
    batch = 5_000
    started = time.perf_counter()
    for first in range(have, n_wanted, batch):
        rows, res, tag_links, group_links, shared = [], [], [], [], []
        seqs = iter(facets.next_seqs(min(first + batch, n_wanted) - first))
        for i in range(first, min(first + batch, n_wanted)):
            org = agencies[i % len(agencies)]
            words = rng.sample(WORDS, 3)
            title = f"Dữ liệu {words[0]} {words[1]} số {i}"
            private = rng.random() < 0.1
            ds = Dataset(
                id=uuid.uuid4(), name=f"bo-du-lieu-{i}", title=title,
                notes=f"Số liệu về {words[2]} của tỉnh.", license_id="cc-by",
                owner_org=org, province_code="38", state=State.ACTIVE,
                access_level=AccessLevel.NAMED if private else AccessLevel.OPEN,
                metadata_created=now, metadata_modified=now,
                search_folded=fold(f"bo-du-lieu-{i} {title} {words[2]} {org.name}"),
                seq=next(seqs),
            )
            rows.append(ds)
            for t in rng.sample(tags, 3):
                tag_links.append(Dataset.tags.through(dataset_id=ds.id, tag_id=t.pk))
            group_links.append(Dataset.groups.through(dataset_id=ds.id,
                                                      group_id=rng.choice(groups).pk))
            if private:
                shared.append(Dataset.shared_with.through(
                    dataset_id=ds.id, agency_id=agencies[(i + 1) % len(agencies)].pk))
            for position in range(2):
                res.append(Resource(id=uuid.uuid4(), dataset=ds, url="https://example.vn/f",
                                    name=f"Tệp {position + 1}", format=rng.choice(FORMATS),
                                    position=position, created=now, metadata_modified=now))
        with transaction.atomic():
            Dataset.objects.bulk_create(rows)
            Dataset.tags.through.objects.bulk_create(tag_links)
            Dataset.groups.through.objects.bulk_create(group_links)
            Dataset.shared_with.through.objects.bulk_create(shared)
            Resource.objects.bulk_create(res)
        print(f"  {min(first + batch, n_wanted):,} datasets ({time.perf_counter() - started:.0f} s)",
              flush=True)
    with transaction.atomic():  # loaded around the services: every process rebuilds its index
        facets.touch_all()
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _backend_cpu_ms(pid: int | None) -> float:
    """CPU time used so far by the PostgreSQL backend `pid` (user + system), or 0."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cases", choices=("base", "words", "all"), default="all")
    parser.add_argument("--sort", default="",
                        help='sort of the word searches (default CKAN\'s, "score desc, '
                             'metadata_modified desc": by relevance)')
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.config.settings")
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tinhso.config.runtime import tune_gc
    from tinhso.opendata.models import Dataset

    call_command("migrate", verbosity=0, interactive=False)
    _load(args.datasets)
    from tinhso.opendata.dictize import org_name

    first = Dataset.objects.select_related("owner_org").first()
    CASES["fq organization, no facets"]["fq"] = f"organization:{org_name(first.owner_org)}"
    words = {name: {**params, "sort": args.sort} if args.sort else params
             for name, params in WORD_CASES.items()}
    cases = {**(CASES if args.cases != "words" else {}),
             **(words if args.cases != "base" else {})}
    client = Client()
    tune_gc()  # as config/wsgi.py does after start-up
    print(f"python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{connection.vendor}; {Dataset.objects.count():,} datasets; "
          f"load average {os.getloadavg()[0]:.1f}")
    backend = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    print("| case | median ms | p95 ms | Python CPU ms (median) | DB CPU ms (mean) | count "
          "| load before/after |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name, params in cases.items():
        times, cpu, count = [], [], None
        load_before = os.getloadavg()[0]
        db_cpu = 0.0
        for i in range(args.repeat + 2):
            if i == 2:
                db_cpu = _backend_cpu_ms(backend)
            t, c = time.perf_counter(), time.process_time()
            response = client.get("/api/3/action/package_search", params)
            elapsed = (time.perf_counter() - t) * 1000
            used = (time.process_time() - c) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} {response.content[:300]!r}")
            count = response.json()["result"]["count"]
            if i >= 2:
                times.append(elapsed)
                cpu.append(used)
        db_cpu = (_backend_cpu_ms(backend) - db_cpu) / len(times)
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(f"| {name} | {statistics.median(times):.1f} | {p95:.1f} | "
              f"{statistics.median(cpu):.1f} | {db_cpu:.1f} | {count:,} | "
              f"{load_before:.1f}/{os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
