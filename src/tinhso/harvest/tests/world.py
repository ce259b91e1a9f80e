"""An upstream portal and a harvesting one, in one database: agency `upstream` publishes on
the live server (the remote catalog), the source harvests it for agency `local`. A source
limits itself to the upstream agency (CKAN `fq`), so the copies it makes here are not
harvested again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinhso.accounts.tests.factories import AgencyFactory
from tinhso.directory.models import Agency
from tinhso.harvest.models import Frequency, Kind, Source
from tinhso.opendata.dictize import org_name
from tinhso.opendata.tests.world import dataset, publisher, theme


@dataclass
class World:
    url: str
    upstream: Agency
    local: Agency
    author: Any

    def ckan_source(self, **kw: Any) -> Source:
        kw.setdefault("name", "thuong-nguon")
        kw.setdefault("frequency", Frequency.MANUAL)
        return Source.objects.create(
            url=self.url,
            kind=Kind.CKAN,
            agency=self.local,
            remote_filter=f"organization:{org_name(self.upstream)}",
            **kw,
        )

    def dcat_source(self, **kw: Any) -> Source:
        kw.setdefault("name", "danh-muc")
        kw.setdefault("frequency", Frequency.MANUAL)
        return Source.objects.create(
            url=f"{self.url}/catalog.ttl", kind=Kind.DCAT, agency=self.local, **kw
        )

    def publish(self, name: str, **fields: Any) -> Any:
        return dataset(self.author, self.upstream, name, **fields)


def make_world(url: str) -> World:
    upstream = AgencyFactory(name="Sở Y tế tỉnh Thượng Nguồn")
    local = AgencyFactory(name="Sở Thông tin và Truyền thông")
    theme("y-te", "Y tế")
    return World(url=url, upstream=upstream, local=local, author=publisher(upstream))


def three_datasets(w: World) -> dict[str, Any]:
    return {
        "benh-vien": w.publish(
            "benh-vien",
            title="Danh sách bệnh viện",
            notes="Các bệnh viện trong tỉnh.",
            tags=[{"name": "y tế"}],
            groups=[{"name": "y-te"}],
            license_id="cc-by-4.0",
            frequency="monthly",
            resources=[{"url": "https://x.vn/benh-vien.csv", "name": "Bảng bệnh viện"}],
        ),
        "tram-y-te": w.publish(
            "tram-y-te", title="Trạm y tế xã", resources=[{"url": "https://x.vn/tram.json"}]
        ),
        "vac-xin": w.publish(
            "vac-xin",
            title="Tiêm chủng vắc xin",
            access_level="agencies",
            resources=[{"url": "https://x.vn/vac-xin.xlsx"}],
        ),
        "rieng": w.publish(
            "ho-so-rieng",
            title="Hồ sơ nội bộ",
            private=True,
            resources=[{"url": "https://x.vn/rieng.csv"}],
        ),
    }
