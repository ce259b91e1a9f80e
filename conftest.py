"""Suite-wide test setup. The test database may purge the audit log between tests."""

from tinhso.core import db as core_db

core_db.AUDIT_PURGE_ALLOWED = True
