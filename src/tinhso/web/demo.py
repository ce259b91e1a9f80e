"""The open data step of `tinhso demo`: the departments' demo datasets
(`opendata.demo.load_datasets`), then the province's public indicators as a real installation
publishes them, by `tinhso indicators publish` (`indicators.publish.indicators_publish`), so the
demo shows the dataset that command makes and keeps, not a copy of it. `opendata` sits below
`indicators` in the layers and may not import it; `web`, which may import both, puts the two
together. The snapshots (`opendata.demo.load_snapshots`, the indicators' CSV among them) are
taken by the command at its end, once the dossiers and documents are in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tinhso.core.errors import DomainError
from tinhso.indicators.publish import Published, indicators_publish
from tinhso.opendata.demo import load_datasets


@dataclass(frozen=True)
class OpenDataLoaded:
    created: int  # demo datasets created (0 on a second run)
    indicators: Published | None  # None when the indicators could not be published
    problem: str = ""  # why not, in the publishing command's words


def open_data_load(*, actor: Any, province_code: str, site_url: str = "") -> OpenDataLoaded:
    """Load the demo datasets as `actor` (the province administrator) without their snapshots,
    then publish the indicators' dataset (created the first time, then left unchanged, or its
    links brought to `site_url`). Publishing refuses a province other than the installation's
    (the live exports are of TINHSO_PROVINCE_CODE) or a dataset deleted on the portal: the demo
    goes on without it and says why. Each of the two is one transaction."""
    created = load_datasets(actor=actor, province_code=province_code, site_url=site_url,
                            snapshots=False)
    try:
        published = indicators_publish(province_code=province_code, site_url=site_url)
    except DomainError as e:
        return OpenDataLoaded(created, None, e.message)
    return OpenDataLoaded(created, published)
