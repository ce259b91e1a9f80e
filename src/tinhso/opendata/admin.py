"""Back office for open data. Datasets change only through the services (the CKAN API and the
publisher pages to come), so that every change keeps a version: the admin reads them. Themes
(CKAN groups) are managed here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.opendata.models import Dataset, DatasetVersion, Group, Resource


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ResourceInline(_ReadOnly, admin.TabularInline):
    model = Resource
    fields = ["position", "name", "format", "url", "state", "revision"]
    extra = 0


class VersionInline(_ReadOnly, admin.TabularInline):
    model = DatasetVersion
    fields = ["number", "action", "actor", "at"]
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["name", "title", "owner_org", "state", "access_level", "metadata_modified"]
    list_filter = ["state", "access_level", "frequency"]
    search_fields = ["name", "title"]
    list_select_related = ["owner_org"]
    raw_id_fields = ["owner_org", "creator"]
    exclude = ["search_folded", "spatial_units", "shared_with", "tags", "groups"]
    inlines = [ResourceInline, VersionInline]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "is_active"]
    search_fields = ["name", "title"]
