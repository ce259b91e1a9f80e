from __future__ import annotations

import pytest

from tinhso.harvest.tests.world import World, make_world


@pytest.fixture
def world(live_server, settings) -> World:
    """The live server is the upstream catalog. Runs ask exactly from the watermark (no
    overlap), and the change feed lists changes at once (no settling), so a test sees what
    one change does."""
    settings.TINHSO_PUBLIC_URL = live_server.url
    settings.TINHSO_HARVEST_OVERLAP_SECONDS = 0
    settings.TINHSO_HARVEST_FEED_SETTLE_SECONDS = 0
    return make_world(live_server.url)
