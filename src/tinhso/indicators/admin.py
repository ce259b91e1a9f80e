"""Back office for indicators: read-only. Entries, reviews, targets, locks and the DX
framework change only through the services (the API), which check rights and write the audit
log."""

from __future__ import annotations

from django.contrib import admin

from tinhso.core.admin import ReadOnlyAdmin, ReadOnlyInline
from tinhso.indicators.models import (
    Assignment,
    DxAssessment,
    DxCriterion,
    DxFramework,
    Entry,
    EntryRevision,
    Evidence,
    Target,
    TargetDecision,
    YearLock,
)


class RevisionInline(ReadOnlyInline):
    model = EntryRevision
    fk_name = "entry"
    fields = ["number", "value", "numerator", "denominator", "status", "created_by",
              "created_at", "reviewed_by", "reviewed_at", "reason"]


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["indicator_code", "unit", "period", "agency", "status", "revision",
                    "updated_at"]
    list_filter = ["status", "indicator_code", "year"]
    list_select_related = ["unit", "agency"]
    inlines = [RevisionInline, EvidenceInline]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["indicator_code", "agency", "created_at"]
    list_select_related = ["agency"]


class TargetInline(ReadOnlyInline):
    model = Target
    fields = ["indicator_code", "unit", "year", "comparator", "value"]


@admin.register(TargetDecision)
class TargetDecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "agency", "title"]
    search_fields = ["number", "title"]
    inlines = [TargetInline]


@admin.register(YearLock)
class YearLockAdmin(ReadOnlyAdmin):
    list_display = ["province_code", "year", "locked_at", "locked_by"]


class CriterionInline(ReadOnlyInline):
    model = DxCriterion
    fields = ["pillar", "code", "name", "rule", "max_points", "mandatory", "params"]


@admin.register(DxFramework)
class DxFrameworkAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "pass_score", "regulation"]
    inlines = [CriterionInline]


@admin.register(DxAssessment)
class DxAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["unit", "year", "framework", "score", "attained", "updated_at"]
    list_filter = ["year", "attained", "framework"]
    list_select_related = ["unit", "framework"]
