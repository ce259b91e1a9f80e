from django.contrib import admin

from tinhso.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "subject", "state", "attempts", "sent_at"]
    list_filter = ["channel", "state"]
    search_fields = ["recipient", "reference", "subject"]
    readonly_fields = [f.name for f in Notification._meta.fields]
