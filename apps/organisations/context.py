"""Resolve the acting organisation, person or key, and its scopes, from a request."""

from django.http import HttpRequest

from apps.common.actors import Actor
from apps.organisations.models import ROLE_SCOPES, ApiKey


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def request_actor(request: HttpRequest) -> Actor:
    """The actor behind an API key or a member's session; hub staff without membership act alone."""
    api_key = getattr(request, "auth", None)
    ip = client_ip(request)
    if isinstance(api_key, ApiKey):
        return Actor(organisation=api_key.organisation, api_key=api_key, ip=ip)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return Actor(ip=ip)
    membership = getattr(user, "membership", None)
    session_key = request.session.session_key if hasattr(request, "session") else None
    return Actor(
        organisation=membership.organisation if membership else None,
        user=user,
        ip=ip,
        session_key=session_key,
    )


def actor_scopes(request: HttpRequest, actor: Actor) -> frozenset[str]:
    api_key = getattr(request, "auth", None)
    if isinstance(api_key, ApiKey):
        return frozenset(api_key.scopes)
    membership = getattr(actor.user, "membership", None) if actor.user else None
    return ROLE_SCOPES.get(membership.role, frozenset()) if membership else frozenset()
