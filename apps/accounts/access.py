"""Who may open a page: decorators for portal views, each also requiring a second factor.

    from apps.accounts.access import hub_admin_required, member_required, second_factor_required

    @member_required()                                   # any member of an active organisation
    def inbox(request): ...

    @member_required(roles=[Role.ADMIN, Role.ANALYST])   # only these roles; anyone else signed in gets 403
    def report(request): ...

    @hub_admin_required                                  # staff without a membership; anyone else gets 403
    def organisations(request): ...

    @second_factor_required                              # anyone signed in who holds a second factor
    def profile(request): ...

Each one, in order: someone not signed in is sent to the sign-in page (`login_required`, coming back
after); someone signed in without an authenticator app or security key is sent to set one up
(`/accounts/2fa/totp/activate/?next=...`); someone with the wrong role, a member of an organisation that
is not active, or (for `hub_admin_required`) anyone who is not a hub administrator gets 403
(PermissionDenied). SessionGuardMiddleware already sends the unenrolled to set-up on every page; the
decorators hold the rule where the view is, so a page stays guarded whatever the middleware list says.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from apps.accounts.middleware import mfa_setup_url
from apps.accounts.selectors import user_has_second_factor
from apps.organisations.models import Membership, Role

View = Callable[..., HttpResponse]


def membership_of(request: HttpRequest) -> Membership | None:
    return getattr(request.user, "membership", None) if request.user.is_authenticated else None


def is_hub_admin(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff and membership_of(request) is None)


def second_factor_required(view: View) -> View:
    """Signed in and holding a second factor."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_has_second_factor(user=request.user):
            return HttpResponseRedirect(mfa_setup_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def member_required(*, roles: Iterable[str] = tuple(Role.values)) -> Callable[[View], View]:
    """A member of an active organisation holding one of `roles`, with a second factor."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = membership_of(request)
            if membership is None or not membership.organisation.is_active or membership.role not in allowed:
                raise PermissionDenied("This page is not open to your role.")
            return view(request, *args, **kwargs)

        return second_factor_required(wrapped)

    return decorator


def hub_admin_required(view: View) -> View:
    """A hub administrator (staff, and a member of no organisation), with a second factor."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_hub_admin(request):
            raise PermissionDenied("This page is for hub administrators.")
        return view(request, *args, **kwargs)

    return second_factor_required(wrapped)
