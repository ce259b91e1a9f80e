# Moved to tinhso.directory.permissions (roles and grants live in directory). Kept for one
# session while in-flight code moves over; remove when nothing imports it.
from tinhso.directory.permissions import *  # noqa: F403
from tinhso.directory.permissions import PERMISSIONS, AgencyScope, agency_scope, can, ensure_can, roles_of  # noqa: F401
