"""Audit every sign-in, failed sign-in, lockout and sign-out (Django and axes announce them as signals)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from apps.accounts.lockout import cool_off_minutes
from apps.accounts.selectors import user_for_login
from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.organisations.context import client_ip


def _organisation_id(user: Any) -> int | None:
    membership = getattr(user, "membership", None) if user is not None else None
    return membership.organisation_id if membership is not None else None


def _person(request: HttpRequest | None, user: Any) -> Actor:
    membership = getattr(user, "membership", None)
    session = getattr(request, "session", None)
    return Actor(
        organisation=membership.organisation if membership is not None else None,
        user=user,
        ip=client_ip(request) if request is not None else None,
        session_key=session.session_key if session is not None else None,
    )


@receiver(user_logged_in)
def audit_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_log(actor=_person(request, user), action="auth.login", organisation_id=_organisation_id(user))


@receiver(user_logged_out)
def audit_sign_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out without a session
        return
    audit_log(actor=_person(request, user), action="auth.logout", organisation_id=_organisation_id(user))


@receiver(user_login_failed)
def audit_failed_sign_in(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Credentials arrive with the password already masked by Django; keep only the name typed.
    username = str(credentials.get("username", ""))[:150]
    user = user_for_login(login=username)
    # Nobody is signed in, so the actor is the address alone; an unknown name goes to the hub's own log.
    audit_log(
        actor=Actor(ip=client_ip(request) if request is not None else None),
        action="auth.login_failed",
        organisation_id=_organisation_id(user),
        data={"username": username, "known_user": user is not None},
    )


@receiver(user_locked_out)
def audit_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    user = user_for_login(login=username or "")
    audit_log(
        actor=Actor(ip=ip_address),
        action="auth.locked_out",
        organisation_id=_organisation_id(user),
        data={
            "username": username or "",
            "known_user": user is not None,
            "failures": getattr(request, "axes_failures_since_start", None),
            "cool_off_minutes": cool_off_minutes(),
        },
    )
