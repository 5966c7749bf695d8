"""What every portal view shares: rendering with navigation, the acting member, service errors on forms."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from apps.common.actors import Actor
from apps.common.errors import NotFound, PermissionRefused, VigilError
from apps.oprf.selectors import trustee_origins_in_use
from apps.organisations.context import actor_scopes, request_actor
from apps.portal.access import membership_of
from apps.portal.navigation import navigation_for

T = TypeVar("T")
PAGE_SIZE = 50


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    membership = membership_of(request)
    base = {
        "nav": navigation_for(request),
        "membership": membership,
        "organisation": membership.organisation if membership else None,
        "query": _query_without_page(request),
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def _query_without_page(request: HttpRequest) -> str:
    """The page's filters, ready to prefix a pager link's `page=`, so turning a page keeps them."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


def actor(request: HttpRequest) -> Actor:
    return request_actor(request)


def scopes(request: HttpRequest) -> frozenset[str]:
    return actor_scopes(request, request_actor(request))


def paginate(request: HttpRequest, queryset: QuerySet, size: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def attempt(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Run a service for a valid form; a refusal it raises (other than not-found) becomes a form error."""
    try:
        return action()
    except NotFound:
        raise
    except VigilError as exc:
        form.add_error(None, exc.detail)
        for error in exc.errors:
            form.add_error(None, f"{error.get('pointer', '').lstrip('/')}: {error.get('detail', '')}")
        return None


def http_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A domain not-found is a 404 page, a refusal a 403, as the API answers them."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.detail) from None
        except PermissionRefused as exc:
            raise PermissionDenied(exc.detail) from None

    return wrapped


def reaches_trustees(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page that tokenises in the browser may also connect to the trustees of a split key, read per
    request so a new split or re-shared set applies at once; with none, the policy stays the hub's."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        origins = trustee_origins_in_use() if response.status_code == 200 else []
        if origins:
            response._csp_update = {"connect-src": ["'self'", *origins]}  # type: ignore[attr-defined]
        return response

    return wrapped
