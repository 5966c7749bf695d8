"""API permission: an active organisation's key or member, holding a scope the view asks for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:  # rest_framework.views imports this module through the settings
    from rest_framework.request import Request
    from rest_framework.views import APIView

from apps.organisations.context import actor_scopes, request_actor


class IsOrganisationMember(BasePermission):
    """Views declare `required_scopes` (any one suffices), or a dict of them by HTTP method.

    The resolved actor is left on `request.actor` for the view.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        actor = request_actor(request)
        if actor.api_key is None and actor.user is None:
            raise exceptions.NotAuthenticated("Send 'Authorization: Bearer <API key>' or log in.")
        if actor.organisation is None:
            raise exceptions.PermissionDenied("Only members of an organisation can use this endpoint.")
        if not actor.organisation.is_active:
            raise exceptions.PermissionDenied(f"Organisation {actor.organisation.slug} is {actor.organisation.status}.")
        required = getattr(view, "required_scopes", None)
        if isinstance(required, dict):
            required = required.get("GET" if request.method in ("HEAD", "OPTIONS") else request.method)
        if required is None:
            raise exceptions.PermissionDenied("This endpoint declares no scope.")
        granted = actor_scopes(request, actor)
        if required and not granted & set(required):
            raise exceptions.PermissionDenied(f"This needs one of the scopes: {', '.join(sorted(required))}.")
        request.actor = actor
        return True
