"""Back office for certificates: read-only. Issuing and revoking go through the services
(`tinhso pki ...`), which check permissions, keep the PKI consistent and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.signing.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "subject_dn", "serial", "not_after", "revoked_at"]
    list_filter = ["kind"]
    search_fields = ["subject_dn", "label", "fingerprint"]
    exclude = ["key_ref"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
