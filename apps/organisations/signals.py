"""Audit logins and failed logins (Django announces them as signals; we only record them)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.organisations.context import client_ip


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    membership = getattr(user, "membership", None)
    actor = Actor(
        organisation=membership.organisation if membership else None,
        user=user,
        ip=client_ip(request) if request else None,
        session_key=request.session.session_key if request else None,
    )
    audit_log(actor=actor, action="auth.login", target=user)


@receiver(user_login_failed)
def audit_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Credentials arrive with the password already masked by Django; keep only the user name.
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username__iexact=username).select_related("membership__organisation").first()
    membership = getattr(user, "membership", None) if user else None
    audit_log(
        actor=Actor(ip=client_ip(request) if request else None),
        action="auth.login_failed",
        organisation_id=membership.organisation_id if membership else None,
        data={"username": username, "known_user": user is not None},
    )
