from django.contrib import admin

from tinhso.core.models import AuditEvent, CalendarDay, ProvinceSchedule


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the log is append-only, and the database refuses edits anyway."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "seq", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "action"]
    date_hierarchy = "at"
    list_per_page = 50

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "reason", "province_code"]
    list_filter = ["kind", "province_code"]
    date_hierarchy = "date"


@admin.register(ProvinceSchedule)
class ProvinceScheduleAdmin(admin.ModelAdmin):
    list_display = ["province_code", "office_hours"]
