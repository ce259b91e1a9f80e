"""How a long-running process of the platform sets up Python's garbage collector: the web
server's (config/wsgi.py) and the benchmarks that stand for it.

- `gc.freeze()` once start-up is done: the objects loaded at start (Django, the apps, the URL
  and schema registries) live as long as the process, and a full collection no longer walks
  them (it cost 60 ms and more in one request out of several).
- Full (oldest-generation) collections ten times less often: they walk every object the
  requests have left behind, 40-60 ms at a time with the open data portal's 100,000 datasets,
  every ~6 searches (most of package_search's p95), and a third of validating a signed PDF.
  The youngest generations, which free a request's own cycles, keep their default pace.

Measured in docs/benchmarks.md ("One-stop HTTP", "package_search", "Signing")."""

from __future__ import annotations

import gc

GC_THRESHOLDS = (700, 10, 100)


def tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
