from django.contrib import admin

from tinhso.harvest.models import HarvestedObject, Job, Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "title",
        "kind",
        "url",
        "agency",
        "frequency",
        "active",
        "watermark",
        "next_run_at",
    )
    list_filter = ("kind", "frequency", "active")
    search_fields = ("name", "title", "url")
    readonly_fields = ("watermark", "created_at")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "status",
        "started_at",
        "finished_at",
        "fetched",
        "created",
        "updated",
        "deleted",
        "unchanged",
        "errors",
    )
    list_filter = ("status", "source")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(HarvestedObject)
class HarvestedObjectAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "remote_id",
        "remote_name",
        "dataset",
        "remote_modified",
        "deleted",
        "harvested_at",
    )
    list_filter = ("source", "deleted")
    search_fields = ("remote_id", "remote_name")
    readonly_fields = [f.name for f in HarvestedObject._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
