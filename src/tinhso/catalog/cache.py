"""A per-process cache of catalog reads on the hot paths (submission, workflow steps).

Procedure versions are append-only: a change makes a new version, so a cached current version
is stale only when a newer version comes into effect. Writes in this process clear the cache at
once (`catalog_cache_clear`, called by the catalog services and by model signals); other
processes see the change within `TTL_SECONDS`. Cached objects are shared between requests and
must be treated as read-only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

TTL_SECONDS = 60.0
MAX_ENTRIES = 4096

_entries: dict[Hashable, tuple[float, Any]] = {}


def catalog_cached(key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s value for `key`, computed at most once a TTL in this process."""
    now = time.monotonic()
    hit = _entries.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (now + TTL_SECONDS, value)
    return value


def catalog_cache_clear(**_signal_kwargs: Any) -> None:
    """Forget every cached catalog read (also usable as a signal receiver)."""
    _entries.clear()
