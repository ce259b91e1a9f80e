"""Reads of the exchange, scoped to what the caller may see: the packages of documents of the
agencies where the caller reads documents."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tinhso.directory.permissions import agency_scope
from tinhso.exchange.models import Package

VIEW = "documents.view"


def packages_for(user: Any, *, document_id: int | None = None) -> QuerySet[Package]:
    """Packages about documents the user may see: those its agencies sent, and those that
    came to them."""
    scope = agency_scope(user, VIEW)
    if scope.empty:
        return Package.objects.none()
    qs = (Package.objects.filter(scope.q("document__agency") | scope.q("incoming__agency"))
          .select_related("response_for"))
    if document_id is not None:
        qs = qs.filter(document_id=document_id)
    return qs.order_by("created_at", "pk")
