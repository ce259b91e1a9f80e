"""Who may do what, in one place.

Each permission names the roles that hold it. A grant in an agency gives the permission for
that agency only; the province-wide roles (province admin, observer) give it for every agency
of their province. Selectors use `agency_scope` to filter reads; services call `ensure_can`
before they write. No view decides permissions on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from tinhso.core.errors import NotAllowed
from tinhso.directory.models import Agency, Grant, Role

R = Role
PERMISSIONS: dict[str, frozenset[Role]] = {
    # Procedure catalog: the agency that performs a procedure keeps its entry.
    "catalog.procedure.view_draft": frozenset({R.AGENCY_ADMIN, R.PROVINCE_ADMIN, R.ONESTOP_OFFICER,
                                               R.SPECIALIST, R.LEADER, R.OBSERVER}),
    "catalog.procedure.manage": frozenset({R.AGENCY_ADMIN, R.PROVINCE_ADMIN}),
    "catalog.import": frozenset({R.PROVINCE_ADMIN}),
    # Directory: agencies and who works in them.
    "directory.agency.manage": frozenset({R.PROVINCE_ADMIN}),
    "directory.grant.manage": frozenset({R.AGENCY_ADMIN, R.PROVINCE_ADMIN}),
    # Personal data of applicants (ID numbers, addresses): the officers who handle dossiers.
    "accounts.personal_data.view": frozenset({R.ONESTOP_OFFICER, R.SPECIALIST, R.LEADER,
                                              R.PROVINCE_ADMIN}),
    # Audit log and API tokens.
    "core.audit.view": frozenset({R.AGENCY_ADMIN, R.PROVINCE_ADMIN}),
    "accounts.token.manage": frozenset({R.PROVINCE_ADMIN}),
    # Dashboards and reports: read-only for the Steering Committee.
    "indicators.view": frozenset({R.OBSERVER, R.LEADER, R.PROVINCE_ADMIN, R.AGENCY_ADMIN}),
    # One-stop dossiers: the desk receives and returns; specialists and leaders process; leaders
    # approve results and stop processing; the others only look.
    "onestop.dossier.receive": frozenset({R.ONESTOP_OFFICER}),
    "onestop.dossier.process": frozenset({R.SPECIALIST, R.LEADER, R.ONESTOP_OFFICER}),
    "onestop.dossier.approve": frozenset({R.LEADER}),
    "onestop.dossier.view": frozenset({R.ONESTOP_OFFICER, R.SPECIALIST, R.LEADER, R.AGENCY_ADMIN,
                                       R.PROVINCE_ADMIN, R.OBSERVER}),
    "onestop.stats.view": frozenset({R.OBSERVER, R.LEADER, R.PROVINCE_ADMIN, R.AGENCY_ADMIN,
                                     R.ONESTOP_OFFICER, R.SPECIALIST}),
    # Official documents: an agency's own officers only (no province-wide reading of another
    # agency's correspondence). Specialists draft, leaders review, approve and direct incoming
    # documents, the clerk numbers, registers and sends; specialists and leaders handle.
    "documents.view": frozenset({R.SPECIALIST, R.LEADER, R.CLERK}),
    "documents.draft": frozenset({R.SPECIALIST, R.LEADER}),
    "documents.review": frozenset({R.LEADER}),
    "documents.approve": frozenset({R.LEADER}),
    "documents.register": frozenset({R.CLERK}),
    "documents.direct": frozenset({R.LEADER}),
    "documents.handle": frozenset({R.SPECIALIST, R.LEADER}),
    # Signing certificates (issue to officers and agencies, revoke): the province's PKI
    # operators only.
    "signing.certificate.manage": frozenset({R.PROVINCE_ADMIN}),
    # an agency's own seal image (signing.services.certificate_set_image)
    "signing.seal.manage": frozenset({R.AGENCY_ADMIN, R.PROVINCE_ADMIN}),
    # Open data: an agency's specialists, leaders and administrator publish its datasets; its
    # officers see its private and draft datasets and those other agencies share with it; any
    # officer downloads data restricted to state agencies.
    "opendata.dataset.publish": frozenset({R.SPECIALIST, R.LEADER, R.AGENCY_ADMIN,
                                           R.PROVINCE_ADMIN}),
    "opendata.dataset.view_private": frozenset({R.ONESTOP_OFFICER, R.SPECIALIST, R.LEADER,
                                                R.CLERK, R.AGENCY_ADMIN, R.PROVINCE_ADMIN}),
    "opendata.resource.download_restricted": frozenset({R.ONESTOP_OFFICER, R.SPECIALIST,
                                                        R.LEADER, R.CLERK, R.AGENCY_ADMIN,
                                                        R.PROVINCE_ADMIN, R.OBSERVER}),
}


@dataclass(frozen=True)
class AgencyScope:
    """The agencies in which a user holds a permission: all of some provinces, and some."""

    provinces: frozenset[str] = field(default_factory=frozenset)
    agency_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.provinces and not self.agency_ids

    def q(self, prefix: str = "") -> Q:
        """A filter for rows whose agency (reached through `prefix`) is in scope."""
        if self.empty:
            return Q(pk__in=[])
        agency = f"{prefix}__" if prefix else ""
        cond = Q(**{f"{agency}pk__in": self.agency_ids}) if self.agency_ids else Q(pk__in=[])
        if self.provinces:
            cond |= Q(**{f"{agency}province_code__in": self.provinces})
        return cond

    def contains(self, agency: Agency) -> bool:
        return agency.pk in self.agency_ids or agency.province_code in self.provinces


def _grants(user: Any) -> list[Grant]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if getattr(user, "kind", "officer") != "officer":
        return []  # only officers hold roles (accounts.services.grant_add): no query for others
    cached = getattr(user, "_tinhso_grants", None)
    if cached is None:
        cached = list(Grant.objects.filter(user=user))
        user._tinhso_grants = cached
    return cached


def grants_in_memory(user: Any, grants: list[Grant]) -> None:
    """Let `user` act with these grants, held on this object only and never stored: a system
    account acting for one agency during one run (harvesting), so that every permission check
    applies to it unchanged."""
    user._tinhso_grants = list(grants)


def grants_of(user: Any) -> list[Grant]:
    """The user's grants (cached on the user object for the request)."""
    return _grants(user)


def roles_of(user: Any) -> set[Role]:
    return {Role(g.role) for g in _grants(user)}


def agency_scope(user: Any, perm: str) -> AgencyScope:
    roles = PERMISSIONS[perm]
    provinces, agencies = set(), set()
    for g in _grants(user):
        if g.role not in roles:
            continue
        if g.agency_id is None:
            provinces.add(g.province_code)
        else:
            agencies.add(g.agency_id)
    return AgencyScope(frozenset(provinces), frozenset(agencies))


def can(user: Any, perm: str, agency: Agency | None = None) -> bool:
    scope = agency_scope(user, perm)
    if agency is None:
        return not scope.empty
    return scope.contains(agency)


def holds_role(user: Any, role: str, agency_id: int | None) -> bool:
    """True when the user holds `role` in that very agency (a workflow step is performed by
    someone of the step's role in the step's agency; province-wide grants do not count)."""
    return any(g.role == role and g.agency_id == agency_id for g in _grants(user))


def ensure_can(user: Any, perm: str, agency: Agency | None = None) -> None:
    if not can(user, perm, agency):
        raise NotAllowed()
