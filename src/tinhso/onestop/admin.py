"""Back office for dossiers: read-only. A dossier moves only through the transition services
(the officer workspace and the API), so the admin never edits status or history."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from tinhso.onestop.models import (
    Apology,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierStat,
    Handover,
    OutboxMessage,
    Payment,
)


class EventInline(ReadOnlyInline):
    model = DossierEvent
    fields = ["at", "action", "from_status", "to_status", "actor_name", "agency", "comment"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only


class HandoverInline(ReadOnlyInline):
    model = Handover
    fk_name = "dossier"
    fields = ["step", "step_name", "from_agency", "to_agency", "to_role", "at", "step_due_at",
              "done_at", "timeliness"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only


class FileInline(ReadOnlyInline):
    model = DossierFile
    fields = ["kind", "name", "content_type", "size", "sha256", "is_digitized", "uploaded_at"]
    readonly_fields = fields  # type: ignore[assignment]  # the same names, shown read-only


@admin.register(Dossier)
class DossierAdmin(ReadOnlyAdmin):
    list_display = ["code", "status", "channel", "agency", "receiving_agency", "submitted_at",
                    "due_at", "timeliness"]
    list_filter = ["status", "channel", "timeliness"]
    search_fields = ["code"]
    date_hierarchy = "submitted_at"
    list_select_related = ["agency", "receiving_agency"]
    raw_id_fields = ["applicant", "submitted_by", "current_officer", "result_file"]
    inlines = [EventInline, HandoverInline, FileInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "amount", "stage", "state", "online", "paid_at"]
    list_filter = ["state", "online", "stage"]
    search_fields = ["reference", "gateway_transaction"]


@admin.register(Apology)
class ApologyAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "new_due_at", "drafted_at", "approved_at", "sent_at"]
    raw_id_fields = ["dossier"]


@admin.register(OutboxMessage)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ["dossier", "created_at", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["delivered_at"]
    raw_id_fields = ["dossier"]


@admin.register(DossierStat)
class DossierStatAdmin(ReadOnlyAdmin):
    list_display = ["day", "agency", "procedure", "channel", "online_level", "submitted",
                    "received", "resolved_early", "resolved_on_time", "resolved_late"]
    list_filter = ["channel", "online_level"]
    date_hierarchy = "day"
