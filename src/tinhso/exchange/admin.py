from django.contrib import admin

from tinhso.exchange.models import OutboxItem, Package, Peer


@admin.register(Peer)
class PeerAdmin(admin.ModelAdmin):
    list_display = ("organ_prefix", "name", "base_url", "trusted")
    search_fields = ("organ_prefix", "name")


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    list_display = ("message_id", "direction", "kind", "from_organ", "to_organ", "status_code",
                    "result", "last_status", "created_at")
    list_filter = ("direction", "kind", "result")
    search_fields = ("message_id", "from_organ", "to_organ")
    exclude = ("raw", "answer")
    readonly_fields = [f.name for f in Package._meta.fields if f.name not in ("raw", "answer")]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboxItem)
class OutboxItemAdmin(admin.ModelAdmin):
    list_display = ("package", "peer", "attempts", "next_attempt_at", "delivered_at",
                    "failed_at", "last_error")
    list_filter = ("peer",)
    readonly_fields = ("package", "peer", "created_at", "delivered_at", "attempts")
