"""Per-connection setup: the SQLite function the audit triggers ask, and on PostgreSQL the
session setting they read. Purging the audit log is allowed only where AUDIT_PURGE_ALLOWED is
set, which only the test suite does (it empties the database between tests)."""

from __future__ import annotations

from typing import Any

AUDIT_PURGE_ALLOWED = False


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "tinhso_audit_purge_allowed", 0, lambda: 1 if AUDIT_PURGE_ALLOWED else 0,
            deterministic=False,
        )
    elif connection.vendor == "postgresql" and AUDIT_PURGE_ALLOWED:
        with connection.cursor() as cursor:
            cursor.execute("SET tinhso.audit_purge = 'on'")
