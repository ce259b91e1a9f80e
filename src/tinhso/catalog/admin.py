"""Back office for the catalog. Versions are history: the admin shows them read-only; a change
is made through the services (import, or procedure_update), which add a version."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.catalog.models import Fee, Procedure, ProcedureVersion, RequiredDocument
from tinhso.core.admin import ReadOnlyInline


class VersionInline(ReadOnlyInline):
    model = ProcedureVersion
    fields = ["number", "effective_from", "name", "agency", "online_level", "change_note"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only
    show_change_link = True


class DocumentInline(ReadOnlyInline):
    model = RequiredDocument
    fields = ["position", "name", "is_mandatory", "file_types", "copies"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only


class FeeInline(ReadOnlyInline):
    model = Fee
    fields = ["position", "amount", "description"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "is_generated", "created_at"]
    list_filter = ["is_generated"]
    search_fields = ["code", "versions__name"]
    readonly_fields = ["code", "is_generated", "created_at"]
    inlines = [VersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ["procedure", "number", "name", "agency", "online_level", "government_level",
                    "effective_from"]
    list_filter = ["online_level", "government_level", "legacy_level", "is_joint"]
    search_fields = ["procedure__code", "name_folded", "field"]
    list_select_related = ["procedure", "agency"]
    inlines = [DocumentInline, FeeInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in ProcedureVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
