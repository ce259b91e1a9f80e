"""Back office for documents: read-only. A document moves only through the services (the API,
and the workspace to come), so the admin never edits its status, number or history."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from tinhso.documents.models import (
    Document,
    DocumentAttachment,
    DocumentEvent,
    DocumentFile,
    DocumentVersion,
    IncomingRecord,
)


class VersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["number", "subject", "author", "at", "comment"]


class EventInline(ReadOnlyInline):
    model = DocumentEvent
    fields = ["at", "action", "from_status", "to_status", "actor_name", "agency", "comment"]


class FileInline(ReadOnlyInline):
    model = DocumentFile
    fields = ["kind", "created_at", "created_by", "certificate_serial", "sha256", "size"]


class AttachmentInline(ReadOnlyInline):
    model = DocumentAttachment
    fields = ["seq", "title", "file_name", "added_in", "removed_in", "sha256", "signed_at",
              "signed_sha256", "certificate_serial"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["notation", "subject", "agency", "doc_type", "status", "issued_on"]
    list_filter = ["status", "doc_type", "urgency", "confidentiality", "year"]
    search_fields = ["notation", "subject"]
    list_select_related = ["agency"]
    raw_id_fields = ["agency", "drafter", "signer"]
    inlines = [VersionInline, EventInline, FileInline, AttachmentInline]


@admin.register(IncomingRecord)
class IncomingRecordAdmin(ReadOnlyAdmin):
    list_display = ["number", "year", "agency", "document", "status", "assignee", "deadline"]
    list_filter = ["status", "year"]
    list_select_related = ["agency", "document", "assignee"]
    raw_id_fields = ["agency", "document", "assignee", "directed_by"]
