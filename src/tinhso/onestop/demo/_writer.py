"""Writing generated rows fast: now `tinhso.core.bulk` (shared with the documents demo)."""

from tinhso.core.bulk import (  # noqa: F401 - re-exported for the one-stop demo
    _RAW,
    _Background,
    _big_cache,
    _Ids,
    _plain,
    _Table,
    _triggers_skippable,
)
