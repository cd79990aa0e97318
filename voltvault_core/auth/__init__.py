"""Users, password hashes and project roles, enforced inside the core services."""

from voltvault_core.auth.permissions import (
    ROLE_RANK,
    PermissionDenied,
    require_role,
    role_of,
    write_service,
)

__all__ = ["ROLE_RANK", "PermissionDenied", "require_role", "role_of", "write_service"]
