from django.contrib import admin

from tinhso.directory.models import AdminUnit, Agency, Grant, UnitSuccession


class SuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "predecessor"
    extra = 0
    raw_id_fields = ["successor"]


@admin.register(AdminUnit)
class AdminUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "province_code", "valid_from", "valid_to"]
    list_filter = ["level", "province_code"]
    search_fields = ["code", "name", "name_folded"]
    raw_id_fields = ["parent"]
    inlines = [SuccessionInline]
    list_per_page = 50


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "kind", "province_code", "is_active"]
    list_filter = ["kind", "province_code", "is_active"]
    search_fields = ["code", "name", "short_name"]
    raw_id_fields = ["parent", "unit"]
    list_per_page = 50


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "province_code"]
    list_filter = ["role", "province_code"]
    search_fields = ["user__username", "user__full_name", "agency__name", "agency__code"]
    raw_id_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]
