"""Audit every sign-in, failure, lockout and sign-out, second-factor change and failure, password change or
reset, and e-mail address change (Django, axes and allauth announce them as signals); end a suspended
organisation's sessions."""

from typing import Any

from allauth.account.signals import (
    email_added,
    email_changed,
    email_confirmed,
    email_removed,
    password_changed,
    password_reset,
    password_set,
)
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authentication_failed, authenticator_added, authenticator_removed, authenticator_reset
from axes.handlers.proxy import AxesProxyHandler
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from apps.accounts.lockout import cool_off_minutes
from apps.accounts.selectors import user_for_login
from apps.accounts.services import sessions_end_for_organisation
from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.organisations.context import client_ip
from apps.organisations.hooks import organisation_status_changed
from apps.organisations.models import Organisation, OrganisationStatus


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


# What each change to a person's authenticators is called in the audit trail.
_ADDED = {
    Authenticator.Type.TOTP: "auth.mfa.totp_activated",
    Authenticator.Type.WEBAUTHN: "auth.mfa.webauthn_added",
    Authenticator.Type.RECOVERY_CODES: "auth.mfa.recovery_codes_generated",
}
_REMOVED = {
    Authenticator.Type.TOTP: "auth.mfa.totp_deactivated",
    Authenticator.Type.WEBAUTHN: "auth.mfa.webauthn_removed",
    Authenticator.Type.RECOVERY_CODES: "auth.mfa.recovery_codes_removed",
}


def audit_person(request: HttpRequest | None, user: Any, action: str, data: dict[str, Any] | None = None) -> None:
    audit_log(actor=_person(request, user), action=action, organisation_id=_organisation_id(user), data=data)


def _authenticator_data(authenticator: Authenticator) -> dict[str, Any]:
    # A security key's own name helps its owner tell keys apart; its credential never enters the trail.
    name = authenticator.data.get("name") if authenticator.type == Authenticator.Type.WEBAUTHN else None
    return {"type": authenticator.type, **({"name": str(name)[:100]} if name else {})}


@receiver(authenticator_added)
def audit_authenticator_added(sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator,
                              **kwargs: Any) -> None:  # fmt: skip
    audit_person(request, user, _ADDED[authenticator.type], _authenticator_data(authenticator))


@receiver(authenticator_removed)
def audit_authenticator_removed(sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator,
                                **kwargs: Any) -> None:  # fmt: skip
    audit_person(request, user, _REMOVED[authenticator.type], _authenticator_data(authenticator))


@receiver(authenticator_reset)
def audit_authenticator_reset(sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator,
                              **kwargs: Any) -> None:  # fmt: skip
    # Only recovery codes are reset: a fresh set replaces the old, which stop working.
    audit_person(request, user, "auth.mfa.recovery_codes_generated", {"type": authenticator.type, "replaced": True})


@receiver(authentication_failed)
def audit_second_factor_failed(sender: Any, request: HttpRequest | None, user: Any, authenticator: Authenticator,
                               reauthentication: bool = False, **kwargs: Any) -> None:  # fmt: skip
    audit_person(
        request, user, "auth.mfa.failed", {"type": authenticator.type, "reauthentication": bool(reauthentication)}
    )
    if request is not None:
        # A wrong code counts towards the same lockout as a wrong password, so six digits cannot be guessed
        # at leisure by someone who has the password; reaching the limit is audited as auth.locked_out.
        AxesProxyHandler.user_login_failed(
            sender=sender, credentials={"username": user.get_username()}, request=request
        )


@receiver(password_changed)
def audit_password_changed(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_person(request, user, "auth.password_changed")


@receiver(password_set)
def audit_password_set(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_person(request, user, "auth.password_set")


@receiver(password_reset)
def audit_password_reset(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Whoever followed the e-mailed link is not signed in; the person whose password changed is the subject.
    audit_person(request, user, "auth.password_reset")


# A password reset goes to these addresses: adding, removing or switching one is a security-relevant act.
@receiver(email_added)
def audit_email_added(sender: Any, request: HttpRequest | None, user: Any, email_address: Any, **kwargs: Any) -> None:
    audit_person(request, user, "auth.email_added", {"email": email_address.email})


@receiver(email_removed)
def audit_email_removed(sender: Any, request: HttpRequest | None, user: Any, email_address: Any, **kwargs: Any) -> None:
    audit_person(request, user, "auth.email_removed", {"email": email_address.email})


@receiver(email_changed)
def audit_primary_email_changed(sender: Any, request: HttpRequest | None, user: Any, from_email_address: Any,
                                to_email_address: Any, **kwargs: Any) -> None:  # fmt: skip
    old = from_email_address.email if from_email_address is not None else None
    audit_person(request, user, "auth.email_changed", {"from": old, "to": to_email_address.email})


@receiver(email_confirmed)
def audit_email_confirmed(sender: Any, request: HttpRequest | None, email_address: Any, **kwargs: Any) -> None:
    audit_person(request, email_address.user, "auth.email_confirmed", {"email": email_address.email})


@receiver(organisation_status_changed)
def end_sessions_of_suspended_organisation(sender: Any, organisation: Organisation, **kwargs: Any) -> None:
    if organisation.status == OrganisationStatus.SUSPENDED:
        sessions_end_for_organisation(organisation=organisation)
