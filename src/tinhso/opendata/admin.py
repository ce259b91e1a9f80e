"""Back office for open data. Datasets change only through the services (the CKAN API and the
publisher pages to come), so that every change keeps a version: the admin reads them. Themes
(CKAN groups) are managed here."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from tinhso.opendata.models import Dataset, DatasetVersion, Group, Resource


class ResourceInline(ReadOnlyInline):
    model = Resource
    fields = ["position", "name", "format", "url", "state", "revision"]
    extra = 0


class VersionInline(ReadOnlyInline):
    model = DatasetVersion
    fields = ["number", "action", "actor", "at"]
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
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
