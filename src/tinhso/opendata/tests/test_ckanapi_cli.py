"""The real `ckanapi` command line (`dump`, `load`) and the requests ckanext-harvest's CKAN
harvester sends, against a live server: what other CKAN tools do with a portal works here."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from django.utils import timezone

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.opendata.dictize import org_name
from tinhso.opendata.models import Dataset
from tinhso.opendata.services import dataset_patch
from tinhso.opendata.tests.world import dataset, publisher, token

pytestmark = pytest.mark.django_db(transaction=True)

BIN = Path(sys.executable).parent
CKANAPI = BIN / "ckanapi"


@pytest.fixture
def site(live_server):
    health = AgencyFactory(name="Sở Y tế")
    author = publisher(health)
    dataset(author, health, "benh-vien", title="Danh sách bệnh viện",
            resources=[{"url": "https://x.vn/benh-vien.csv", "name": "Bệnh viện"}])
    dataset(author, health, "tram-y-te", title="Trạm y tế xã", tags=[{"name": "y tế"}])
    dataset(author, health, "rieng-tu", title="Hồ sơ riêng", private=True)
    return {"url": live_server.url, "health": health, "author": author, "key": token(author)}


def _ckanapi(*args: str, ok: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run the command line (expecting success unless `ok` is false); its workers are
    `ckanapi` processes found on PATH."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(CKANAPI), *args], capture_output=True, env=env,  # noqa: S603
                          timeout=120, check=False)
    assert (done.returncode == 0) is ok, done.stderr.decode()
    return done


def _lines(raw: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]


def test_dump_gives_every_public_dataset_as_json_lines(site):
    dumped = _lines(_ckanapi("dump", "datasets", "--all", "-q", "-r", site["url"]).stdout)
    assert sorted(d["name"] for d in dumped) == ["benh-vien", "tram-y-te"]
    hospital = next(d for d in dumped if d["name"] == "benh-vien")
    assert hospital["resources"][0]["url"] == "https://x.vn/benh-vien.csv"
    assert hospital["organization"]["name"] == org_name(site["health"])
    one = _lines(_ckanapi("dump", "datasets", "tram-y-te", "-q", "-r", site["url"]).stdout)
    assert one[0]["tags"][0]["name"] == "y tế"


def test_load_creates_then_updates(site, tmp_path):
    org = org_name(site["health"])
    rows = [
        {"name": "nha-thuoc", "title": "Nhà thuốc", "owner_org": org,
         "resources": [{"url": "https://x.vn/nha-thuoc.csv", "name": "Nhà thuốc"}]},
        {"name": "phong-kham", "title": "Phòng khám", "owner_org": org},
    ]
    jsonl = tmp_path / "load.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    args = ("load", "datasets", "-I", str(jsonl), "-q", "-r", site["url"], "-a", site["key"])
    _ckanapi(*args)
    created = Dataset.objects.get(name="nha-thuoc")
    assert created.title == "Nhà thuốc" and created.revision == 1
    assert created.resources.get().url == "https://x.vn/nha-thuoc.csv"
    assert Dataset.objects.filter(name="phong-kham").exists()

    rows[0]["title"], rows[1]["notes"] = "Nhà thuốc đạt chuẩn", "Cập nhật hằng tháng"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    _ckanapi(*args)
    updated = Dataset.objects.get(pk=created.pk)
    assert updated.title == "Nhà thuốc đạt chuẩn" and updated.revision == 2
    assert Dataset.objects.get(name="phong-kham").notes == "Cập nhật hằng tháng"
    assert Dataset.objects.count() == 5

    # What `dump` wrote loads back as updates of the same datasets.
    dumped = _ckanapi("dump", "datasets", "--all", "-q", "-r", site["url"]).stdout
    jsonl.write_bytes(dumped)
    _ckanapi(*args)
    assert Dataset.objects.count() == 5
    assert Dataset.objects.get(pk=created.pk).resources.filter(state="active").count() == 1


def test_load_without_a_key_creates_nothing(site, tmp_path):
    jsonl = tmp_path / "load.jsonl"
    jsonl.write_text(json.dumps({"name": "khong-duoc", "owner_org": org_name(site["health"])}))
    done = _ckanapi("load", "datasets", "-I", str(jsonl), "-r", site["url"], ok=False)
    assert b"create NotAuthorized" in done.stderr
    assert not Dataset.objects.filter(name="khong-duoc").exists()


def _harvest(base: str, since: str, rows: int) -> tuple[list[dict[str, Any]], int]:
    """What ckanext-harvest's CKANHarvester._search_for_datasets sends: package_search sorted
    by id with `fq` on metadata_modified, paged by rows/start until an empty page."""
    params = {"rows": str(rows), "start": "0", "sort": "id asc",
              "fq": f"metadata_modified:[{since}Z TO *]"}
    found: list[dict[str, Any]] = []
    previous, pages = None, 0
    while True:
        got = requests.get(f"{base}/api/3/action/package_search", params=params, timeout=30)
        assert got.status_code == 200, got.text
        assert got.text != previous, "paging does not work"
        previous, pages = got.text, pages + 1
        page = got.json()["result"]["results"]
        found.extend(page)
        if not page:
            return found, pages
        params["start"] = str(int(params["start"]) + rows)


def test_the_ckan_harvesters_requests(site):
    base, author, health = site["url"], site["author"], site["health"]
    everything, pages = _harvest(base, "2000-01-01T00:00:00", rows=1)
    assert sorted(d["name"] for d in everything) == ["benh-vien", "tram-y-te"]
    assert pages == 3 and [d["id"] for d in everything] == sorted(d["id"] for d in everything)
    time.sleep(0.01)
    since = timezone.now().replace(tzinfo=None)  # UTC, as the harvester's gather_started
    time.sleep(0.01)
    for name in ("nha-thuoc", "phong-kham", "tiem-chung"):
        dataset(author, health, name)
    dataset_patch(actor=author, data={"id": "benh-vien", "notes": "Thêm giường bệnh"})
    changed, pages = _harvest(base, since.isoformat(), rows=2)
    assert sorted(d["name"] for d in changed) == [
        "benh-vien", "nha-thuoc", "phong-kham", "tiem-chung"]
    assert pages == 3 and len({d["id"] for d in changed}) == 4
    for d in changed:  # then each one, as a harvester fetching by id does
        shown = requests.get(f"{base}/api/3/action/package_show", params={"id": d["id"]},
                             timeout=30).json()["result"]
        assert shown["metadata_modified"] == d["metadata_modified"] >= since.isoformat()
        org = requests.get(f"{base}/api/3/action/organization_show",
                           params={"id": shown["organization"]["name"]}, timeout=30)
        assert org.json()["result"]["title"] == "Sở Y tế"
    future = (timezone.now() + dt.timedelta(days=1)).replace(tzinfo=None).isoformat()
    assert _harvest(base, future, rows=2) == ([], 1)
