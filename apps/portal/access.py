"""Who may open a portal page: the accounts app's guards (sign-in, second factor, role, hub administrator),
and which roles hold a scope, so a page opens for exactly the people whose API calls with it would pass."""

from apps.accounts.access import hub_admin_required, is_hub_admin, member_required, membership_of
from apps.organisations.models import ROLE_SCOPES

__all__ = ["hub_admin_required", "is_hub_admin", "member_required", "membership_of", "roles_with"]


def roles_with(*scopes: str) -> frozenset[str]:
    """The roles whose scopes include any of `scopes` (as ROLE_SCOPES grants them to the API)."""
    return frozenset(role for role, granted in ROLE_SCOPES.items() if granted & set(scopes))
