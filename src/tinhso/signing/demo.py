"""Certificates for the demo province: the development PKI, a personal certificate for every
leader (who signs documents and results) and an organization certificate for each agency
where a leader or a clerk works (for its seal). Idempotent: what is in force is kept."""

from __future__ import annotations

from typing import Any

from tinhso.directory.models import Agency, Grant, Role
from tinhso.signing import services
from tinhso.signing.selectors import agency_certificate, personal_certificate


def load_certificates(*, actor: Any, province_code: str = "38") -> int:
    """Returns how many certificates were issued now (0 when all were there)."""
    services.pki_init()
    grants = (Grant.objects.filter(province_code=province_code, agency__isnull=False,
                                   role__in=(Role.LEADER, Role.CLERK), user__is_active=True)
              .select_related("user", "agency").order_by("agency__code", "user__username"))
    issued = 0
    agencies: dict[int, Agency] = {}
    for grant in grants:
        agency = grant.agency
        assert agency is not None  # noqa: S101 - filtered above
        agencies[agency.pk] = agency
        if grant.role == Role.LEADER and personal_certificate(grant.user, agency) is None:
            services.certificate_issue_personal(actor=actor, user=grant.user, agency=agency)
            issued += 1
    for agency in agencies.values():
        if agency_certificate(agency) is None:
            services.certificate_issue_organization(actor=actor, agency=agency)
            issued += 1
    return issued
