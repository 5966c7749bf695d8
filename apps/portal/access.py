"""Who may open a portal page: members by the scopes their role grants (as the API), hub administrators.

`member_required(roles=...)` and `hub_admin_required` have the names the accounts app will provide;
these small versions stand in until then and can be swapped for them without touching the views.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from apps.organisations.models import ROLE_SCOPES, Membership, Role

View = Callable[..., HttpResponse]


def roles_with(*scopes: str) -> frozenset[str]:
    """The roles whose scopes include any of `scopes`: a page needing them opens for exactly the people
    whose API calls with the same scopes would pass."""
    return frozenset(role for role, granted in ROLE_SCOPES.items() if granted & set(scopes))


def membership_of(request: HttpRequest) -> Membership | None:
    return getattr(request.user, "membership", None) if request.user.is_authenticated else None


def is_hub_admin(request: HttpRequest) -> bool:
    return request.user.is_authenticated and request.user.is_staff and membership_of(request) is None


def member_required(*, roles: Iterable[str] = tuple(Role.values)) -> Callable[[View], View]:
    """A signed-in member of an active organisation holding one of `roles`; anyone else signed in is refused."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_of(request)
            if membership is None or not membership.organisation.is_active or membership.role not in allowed:
                raise PermissionDenied("This page is not open to your role.")
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def hub_admin_required(view: View) -> View:
    """A hub administrator: staff, and a member of no organisation."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_hub_admin(request):
            raise PermissionDenied("This page is for hub administrators.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)
