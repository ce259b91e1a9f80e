from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tinhso.core.models import AuditEvent, CalendarDay, ProvinceSchedule


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that change only through the services (which keep versions, events and the
    audit log): the admin shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only: the log is append-only, and the database refuses edits anyway."""

    list_display = ["at", "actor_label", "action", "object_type", "object_id", "seq", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "action"]
    date_hierarchy = "at"
    list_per_page = 50


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "reason", "province_code"]
    list_filter = ["kind", "province_code"]
    date_hierarchy = "date"


@admin.register(ProvinceSchedule)
class ProvinceScheduleAdmin(admin.ModelAdmin):
    list_display = ["province_code", "office_hours"]
