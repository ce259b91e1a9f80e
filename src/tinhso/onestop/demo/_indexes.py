"""Secondary indexes set aside while a load fills nearly empty tables: now
`tinhso.core.bulk_indexes` (shared with the documents demo)."""

from tinhso.core.bulk_indexes import (  # noqa: F401 - re-exported for the one-stop demo
    Deferred,
    declared,
    indexes_deferred,
    indexes_restore,
)
