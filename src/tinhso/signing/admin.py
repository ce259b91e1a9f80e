"""Back office for certificates: read-only. Issuing and revoking go through the services
(`tinhso pki ...`), which check permissions, keep the PKI consistent and audit."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin
from tinhso.signing.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["label", "kind", "subject_dn", "serial", "not_after", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["subject_dn", "label", "fingerprint"]
    exclude = ["key_ref"]
