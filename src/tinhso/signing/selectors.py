"""Which certificate signs: the one in force now for an officer, or for an agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from tinhso.directory.models import Agency
from tinhso.signing.models import Certificate, CertKind


def _in_force(at: dt.datetime | None) -> QuerySet[Certificate]:
    at = at or timezone.now()
    return (Certificate.objects.filter(not_before__lte=at, not_after__gt=at)
            .filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=at)).exclude(pem="")
            .order_by("-not_after", "-pk"))


def personal_certificate(user: Any, agency: Agency | None = None,
                         at: dt.datetime | None = None) -> Certificate | None:
    """The officer's personal certificate in force (issued for `agency`, when given)."""
    qs = _in_force(at).filter(kind=CertKind.PERSONAL, user=user)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return qs.first()


def agency_certificate(agency: Agency, at: dt.datetime | None = None) -> Certificate | None:
    """The agency's organization certificate in force."""
    return _in_force(at).filter(kind=CertKind.ORGANIZATION, agency=agency).first()


def image_certificates(user: Any) -> list[Certificate]:
    """The certificates in force whose signature image `user` may set: their own personal
    ones, and the organization ones of the agencies they administer (or of their province)."""
    from tinhso.directory.permissions import agency_scope
    from tinhso.signing.services import SEAL_MANAGE

    qs = _in_force(None).defer("signature_image").select_related("agency")
    own = list(qs.filter(kind=CertKind.PERSONAL, user=user))
    scope = agency_scope(user, SEAL_MANAGE)
    if scope.empty:
        return own
    return own + list(qs.filter(Q(kind=CertKind.ORGANIZATION) & scope.q("agency")))
