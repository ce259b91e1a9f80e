"""Who may enter, review and see entered figures, and manage targets.

The roles are kept here rather than in `directory.permissions.PERMISSIONS` for now (that table
and its hand-written matrix belong to the directory); the rules follow the same shape: an
agency-bound grant acts for that agency only, a province-wide grant for its province.

- enter: specialists, leaders and the agency administrator of an agency the province assigned
  the indicator to (`Assignment`), for that agency's entries only;
- review (verify, reject), lock a year, assign indicators, issue targets: the province
  administrator (province-wide), never on a revision they entered themselves;
- see entries: the entering agency's officers (above) and the reviewers of the province;
- see targets and attainment: whoever holds `indicators.view`.
"""

from __future__ import annotations

from typing import Any

from tinhso.directory.models import Agency, Role
from tinhso.directory.permissions import AgencyScope, agency_scope, grants_of

ENTER_ROLES = frozenset({Role.SPECIALIST, Role.LEADER, Role.AGENCY_ADMIN})
REVIEW_ROLES = frozenset({Role.PROVINCE_ADMIN})
VIEW = "indicators.view"


def entering_agencies(user: Any) -> frozenset[int]:
    return frozenset(g.agency_id for g in grants_of(user)
                     if g.role in ENTER_ROLES and g.agency_id is not None)


def review_provinces(user: Any) -> frozenset[str]:
    return frozenset(g.province_code for g in grants_of(user)
                     if g.role in REVIEW_ROLES and g.agency_id is None)


def can_enter(user: Any, agency: Agency) -> bool:
    return agency.pk in entering_agencies(user)


def can_review(user: Any, province_code: str) -> bool:
    return province_code in review_provinces(user)


def entry_scope(user: Any) -> AgencyScope:
    """The agencies whose entries the user sees."""
    return AgencyScope(review_provinces(user), entering_agencies(user))


def view_scope(user: Any) -> AgencyScope:
    return agency_scope(user, VIEW)
