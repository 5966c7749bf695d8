"""State changes for organisations, memberships and API keys; each writes its audit event."""

import hashlib
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from apps.audit.services import audit_log
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import Conflict, NotFound, PermissionRefused, ValidationFailed
from apps.common.ratelimit import rate_consume
from apps.organisations.hooks import api_key_revoked, membership_removed, organisation_status_changed
from apps.organisations.keys import key_generate
from apps.organisations.models import (
    ROLE_SCOPES,
    ApiKey,
    Application,
    ApplicationStatus,
    Invitation,
    InvitationStatus,
    Membership,
    Organisation,
    OrganisationStatus,
    Role,
    Scope,
    Sector,
)

logger = logging.getLogger(__name__)


def _check_choice(value: str, choices: list[str], field: str) -> None:
    if value not in choices:
        raise ValidationFailed(f"{field} must be one of: {', '.join(choices)}; got {value!r}.")


def _check_jurisdiction(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValidationFailed(f"jurisdiction must be an ISO 3166-1 alpha-2 code; got {code!r}.")
    return code


def _check_email(email: str, field: str) -> None:
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(f"{field} is not a valid e-mail address: {email!r}.") from None


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    name: str,
    sector: str,
    jurisdiction: str,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    pending: bool = False,
) -> Organisation:
    name = name.strip()
    if not name:
        raise ValidationFailed("name must not be empty.")
    _check_choice(sector, Sector.values, "sector")
    jurisdiction = _check_jurisdiction(jurisdiction)
    if contact_email:
        _check_email(contact_email, "contact_email")
    slug = slugify(name)[:100]
    if not slug:
        raise ValidationFailed("name must contain letters or digits.")
    if Organisation.objects.filter(name__iexact=name).exists() or Organisation.objects.filter(slug=slug).exists():
        raise Conflict(f"An organisation named {name!r} already exists.")
    organisation = Organisation.objects.create(
        name=name,
        slug=slug,
        sector=sector,
        jurisdiction=jurisdiction,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        status=OrganisationStatus.PENDING if pending else OrganisationStatus.ACTIVE,
    )
    audit_log(
        actor=actor,
        action="organisation.created",
        organisation_id=organisation.pk,
        target=organisation,
        data={"name": name, "sector": sector, "jurisdiction": jurisdiction, "status": organisation.status},
    )
    return organisation


EDITABLE_FIELDS = ("contact_name", "contact_email", "contact_phone", "daily_evaluation_quota")


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, **changes: object) -> Organisation:
    """Change contacts or the evaluation quota; the audit event records old and new values."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Cannot change {', '.join(sorted(unknown))} here.")
    if changes.get("contact_email"):
        _check_email(str(changes["contact_email"]), "contact_email")
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    diff = {
        field: {"from": getattr(current, field), "to": value}
        for field, value in changes.items()
        if getattr(current, field) != value
    }
    for field in diff:
        setattr(current, field, changes[field])
    if diff:
        current.save(update_fields=list(diff))
        audit_log(actor=actor, action="organisation.updated", organisation_id=current.pk, target=current, data=diff)
    return current


# transition -> (statuses it may start from, resulting status, audit action)
_TRANSITIONS: dict[str, tuple[set[str], str, str]] = {
    "approve": ({OrganisationStatus.PENDING}, OrganisationStatus.ACTIVE, "organisation.approved"),
    "suspend": (
        {OrganisationStatus.PENDING, OrganisationStatus.ACTIVE},
        OrganisationStatus.SUSPENDED,
        "organisation.suspended",
    ),
    "reinstate": ({OrganisationStatus.SUSPENDED}, OrganisationStatus.ACTIVE, "organisation.reinstated"),
}


@transaction.atomic
def organisation_change_status(
    *, actor: Actor, organisation: Organisation, transition: str, reason: str = ""
) -> Organisation:
    """Approve, suspend or reinstate; the row is locked so two admins cannot race."""
    allowed_from, target_status, action = _TRANSITIONS[transition]
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status not in allowed_from:
        raise Conflict(f"Cannot {transition} an organisation that is {organisation.status}.")
    previous = organisation.status
    organisation.status = target_status
    organisation.status_changed_at = timezone.now()
    organisation.save(update_fields=["status", "status_changed_at"])
    audit_log(
        actor=actor,
        action=action,
        organisation_id=organisation.pk,
        target=organisation,
        data={"from": previous, "to": target_status, "reason": reason},
    )
    organisation_status_changed.send(sender=Organisation, actor=actor, organisation=organisation, previous=previous)
    return organisation


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    organisation: Organisation | None,
    username: str,
    email: str,
    role: str = Role.ANALYST,
    password: str | None = None,
    hub_admin: bool = False,
) -> tuple[AbstractBaseUser, str]:
    """Create a person; returns the user and the password (generated when none is given)."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationFailed("username must not be empty.")
    if "@" in username:
        # Sign-in takes a user name or an e-mail address: a user name shaped like an address could
        # capture another person's e-mail sign-in (and their failures would land in its audit log).
        raise ValidationFailed("username must not contain @; people may also sign in with their e-mail address.")
    _check_email(email, "email")
    if hub_admin == (organisation is not None):
        raise ValidationFailed("A user is either a hub administrator or a member of one organisation.")
    if organisation is not None:
        _check_choice(role, Role.values, "role")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"A user named {username!r} already exists.")
    password = password or secrets.token_urlsafe(18)
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        raise ValidationFailed("password is too weak: " + " ".join(exc.messages)) from None
    user = User.objects.create_user(
        username=username, email=email, password=password, is_staff=hub_admin, is_superuser=hub_admin
    )
    if organisation is not None:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    audit_log(
        actor=actor,
        action="user.created",
        organisation_id=organisation.pk if organisation else None,
        target=user,
        data={"username": username, "role": role if organisation else "hub_admin"},
    )
    return user, password


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    _check_choice(role, Role.values, "role")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    previous = membership.role
    if previous == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log(
        actor=actor,
        action="membership.role_changed",
        organisation_id=membership.organisation_id,
        target=membership,
        data={"user": membership.user.get_username(), "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def user_set_active(*, actor: Actor, user: AbstractBaseUser, active: bool, reason: str = "") -> AbstractBaseUser:
    """Deactivate (no sign-in, sessions refused) or reactivate a person; a no-op when already so."""
    User = get_user_model()
    user = User.objects.select_for_update(of=("self",)).select_related("membership").get(pk=user.pk)
    if user.pk == getattr(actor.user, "pk", None) and not active:
        raise PermissionRefused("You cannot deactivate yourself.")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        membership = getattr(user, "membership", None)
        audit_log(
            actor=actor,
            action="user.reactivated" if active else "user.deactivated",
            organisation_id=membership.organisation_id if membership else None,
            target=user,
            data={"username": user.get_username(), "reason": reason},
        )
    return user


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> Membership:
    """Take a person out of the organisation: they can no longer sign in, and their sessions are refused.

    The membership row stays (the audit trail and their API keys' history refer to it); a removed
    person is an inactive user, and reinstating them is a hub administrator's reactivation.
    """
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.user_id == getattr(actor.user, "pk", None):
        raise PermissionRefused("You cannot remove yourself.")
    if membership.role == Role.ADMIN:
        _keep_an_admin(membership)
    user = membership.user
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_log(
            actor=actor,
            action="membership.removed",
            organisation_id=membership.organisation_id,
            target=membership,
            data={"user": user.get_username(), "role": membership.role},
        )
        membership_removed.send(sender=Membership, actor=actor, membership=membership)
    return membership


def _keep_an_admin(membership: Membership) -> None:
    """Refuse to leave an organisation without an active admin: nobody could then manage its people or keys."""
    admins = Membership.objects.select_for_update().filter(
        organisation_id=membership.organisation_id, role=Role.ADMIN, user__is_active=True
    )
    if not admins.exclude(pk=membership.pk).exists():
        raise Conflict("An organisation keeps at least one admin: make someone else an admin first.")


def scopes_parse(scopes: list[str] | str) -> list[str]:
    items = scopes.split(",") if isinstance(scopes, str) else scopes
    cleaned = sorted({item.strip() for item in items if item.strip()})
    if not cleaned:
        raise ValidationFailed(f"Give at least one scope: {', '.join(Scope.values)}.")
    unknown = [item for item in cleaned if item not in Scope.values]
    if unknown:
        raise ValidationFailed(f"Unknown scope(s) {', '.join(unknown)}; known: {', '.join(Scope.values)}.")
    return cleaned


def scopes_grantable_by(actor: Actor) -> frozenset[str] | None:
    """The scopes an actor may put on a new key: those of its own key or role; None means any
    (hub administrators and the system, which act for no organisation)."""
    if actor.api_key is not None:
        return frozenset(actor.api_key.scopes)
    membership = getattr(actor.user, "membership", None) if actor.user is not None else None
    if membership is not None:
        return ROLE_SCOPES.get(membership.role, frozenset())
    return None


@sensitive_variables("full")
@transaction.atomic
def api_key_create(
    *,
    actor: Actor,
    organisation: Organisation,
    name: str,
    scopes: list[str] | str,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; the returned secret is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationFailed("name must not be empty.")
    cleaned_scopes = scopes_parse(scopes)
    grantable = scopes_grantable_by(actor)
    if grantable is not None and not grantable.issuperset(cleaned_scopes):
        # Otherwise a manage-only key could mint itself a report or screen key.
        missing = ", ".join(sorted(set(cleaned_scopes) - grantable))
        raise PermissionRefused(f"A new key cannot have scopes the creator does not hold: {missing}.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed("expires_at must be in the future.")
    full, prefix, digest = key_generate()
    api_key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        secret_hash=digest,
        scopes=cleaned_scopes,
        expires_at=expires_at,
        created_by=actor.user if actor.user is not None and actor.user.pk else None,
    )
    audit_log(
        actor=actor,
        action="api_key.created",
        organisation_id=organisation.pk,
        target=api_key,
        data={"name": name, "prefix": prefix, "scopes": cleaned_scopes, "expires_at": expires_at},
    )
    return api_key, full


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key: ApiKey) -> ApiKey:
    """Revoke once; revoking a revoked key is a no-op so retries are safe."""
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor,
            action="api_key.revoked",
            organisation_id=api_key.organisation_id,
            target=api_key,
            data={"name": api_key.name, "prefix": api_key.prefix},
        )
        api_key_revoked.send(sender=ApiKey, actor=actor, api_key=api_key)
    return api_key


def _mail_on_commit(*, to: str, subject: str, template: str, context: dict[str, object]) -> None:
    """E-mail once the act is committed; a failing mail server is logged, never undoes the act."""
    text = render_to_string(template, context)

    def send() -> None:
        try:
            send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
        except Exception:  # any transport failure; the act stands and the admin can act again
            logger.exception("Could not send %r to %s", subject, to)

    transaction.on_commit(send)


# Joining: a prospective organisation applies, a hub administrator approves or refuses.

# Above this many applications a day from everywhere together, nobody more can apply until the next day,
# so a flood from many addresses fills no more than one vetting queue's page.
APPLICATIONS_PER_DAY_HUB_WIDE = 200


@transaction.atomic
def application_submit(
    *,
    ip: str | None,
    name: str,
    sector: str,
    jurisdiction: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    purpose: str,
    attested: bool,
) -> Application:
    """Record an application from someone without an account; limited per address and hub-wide."""
    name, contact_name, purpose = name.strip(), contact_name.strip(), purpose.strip()
    if not name or not contact_name or not purpose:
        raise ValidationFailed("name, contact_name and purpose must not be empty.")
    _check_choice(sector, Sector.values, "sector")
    jurisdiction = _check_jurisdiction(jurisdiction)
    _check_email(contact_email, "contact_email")
    if not attested:
        raise ValidationFailed("The applicant must attest that the application is true and made with authority.")
    rate_consume(key=f"apply:{ip or 'unknown'}", rate=settings.VIGIL_APPLICATION_RATE, what="applications")
    rate_consume(key="apply:hub", rate=f"{APPLICATIONS_PER_DAY_HUB_WIDE}/day", what="applications")
    now = timezone.now()
    application = Application.objects.create(
        name=name,
        sector=sector,
        jurisdiction=jurisdiction,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone.strip(),
        purpose=purpose,
        attested_at=now,
        submitted_at=now,
    )
    # Nobody is signed in: the hub's own log records the address it came from.
    audit_log(
        actor=Actor(ip=ip),
        action="application.submitted",
        target=application,
        data={"name": name, "sector": sector, "jurisdiction": jurisdiction, "contact_email": contact_email},
    )
    return application


def _pending_application(application: Application) -> Application:
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(f"This application was already {application.status}.")
    return application


@transaction.atomic
def application_approve(
    *, actor: Actor, application: Application, invitation_url: Callable[[str], str]
) -> Organisation:
    """Create the organisation (active), invite its contact as its first admin, and tell the applicant."""
    application = _pending_application(application)
    organisation = organisation_create(
        actor=actor,
        name=application.name,
        sector=application.sector,
        jurisdiction=application.jurisdiction,
        contact_name=application.contact_name,
        contact_email=application.contact_email,
        contact_phone=application.contact_phone,
    )
    application.status = ApplicationStatus.APPROVED
    application.decided_at = timezone.now()
    application.decided_by = actor.user if actor.user is not None and actor.user.pk else None
    application.organisation = organisation
    application.save(update_fields=["status", "decided_at", "decided_by", "organisation"])
    audit_log(
        actor=actor,
        action="application.approved",
        organisation_id=None,
        target=application,
        data={"name": application.name, "organisation": organisation.slug},
    )
    _mail_on_commit(
        to=application.contact_email,
        subject=f"Vigil hub: {application.name} is approved",
        template="organisations/email/application_approved.txt",
        context={"application": application},
    )
    invitation_send(
        actor=actor,
        organisation=organisation,
        email=application.contact_email,
        role=Role.ADMIN,
        invitation_url=invitation_url,
    )
    return organisation


@transaction.atomic
def application_refuse(*, actor: Actor, application: Application, reason: str) -> Application:
    """Refuse with a reason, which the applicant is sent."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give a reason for refusing; the applicant is sent it.")
    application = _pending_application(application)
    application.status = ApplicationStatus.REFUSED
    application.decided_at = timezone.now()
    application.decided_by = actor.user if actor.user is not None and actor.user.pk else None
    application.reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by", "reason"])
    audit_log(
        actor=actor,
        action="application.refused",
        organisation_id=None,
        target=application,
        data={"name": application.name, "reason": reason},
    )
    _mail_on_commit(
        to=application.contact_email,
        subject=f"Vigil hub: your application for {application.name}",
        template="organisations/email/application_refused.txt",
        context={"application": application},
    )
    return application


# Invitations: a single-use secret link, stored hashed, that lets one person join with a role.


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@sensitive_variables("token")
@transaction.atomic
def invitation_send(
    *,
    actor: Actor,
    organisation: Organisation,
    email: str,
    role: str,
    invitation_url: Callable[[str], str],
) -> tuple[Invitation, str]:
    """Invite `email` to join `organisation` as `role`; returns the invitation and its secret token,
    which goes out in the e-mailed link and is never stored."""
    email = email.strip()
    _check_email(email, "email")
    _check_choice(role, Role.values, "role")
    if actor.organisation is not None and actor.organisation.pk != organisation.pk:
        raise PermissionRefused("You can only invite people to your own organisation.")
    grantable = scopes_grantable_by(actor)
    if grantable is not None and not grantable.issuperset(ROLE_SCOPES[role]):
        raise PermissionRefused(f"You cannot invite someone with more rights than your own ({role}).")
    if not organisation.is_active:
        raise Conflict("Only an active organisation can invite people.")
    if Invitation.objects.filter(
        organisation=organisation, email__iexact=email, status=InvitationStatus.PENDING
    ).exists():
        raise Conflict(f"{email} already has a pending invitation; revoke it to send a new one.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=actor.user if actor.user is not None and actor.user.pk else None,
        expires_at=timezone.now() + timedelta(days=settings.VIGIL_INVITATION_DAYS),
    )
    audit_log(
        actor=actor,
        action="invitation.sent",
        organisation_id=organisation.pk,
        target=invitation,
        data={"email": email, "role": role, "expires_at": invitation.expires_at},
    )
    _mail_on_commit(
        to=email,
        subject=f"Vigil hub: you are invited to join {organisation.name}",
        template="organisations/email/invitation.txt",
        context={"invitation": invitation, "url": invitation_url(token), "days": settings.VIGIL_INVITATION_DAYS},
    )
    return invitation, token


def _invitation_close(invitation: Invitation, status: str, action: str, actor: Actor) -> bool:
    """Close a pending invitation with a conditional UPDATE, so two closers cannot both succeed."""
    now = timezone.now()
    closed = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=status, closed_at=now
    )
    if closed:
        invitation.status, invitation.closed_at = status, now
        audit_log(
            actor=actor,
            action=action,
            organisation_id=invitation.organisation_id,
            target=invitation,
            data={"email": invitation.email, "role": invitation.role},
        )
    return bool(closed)


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    if not _invitation_close(invitation, InvitationStatus.REVOKED, "invitation.revoked", actor):
        invitation.refresh_from_db()
        raise Conflict(f"This invitation is already {invitation.status}.")
    return invitation


@transaction.atomic
def invitations_expire() -> int:
    """Close every pending invitation past its expiry (the hourly beat job)."""
    due = Invitation.objects.filter(status=InvitationStatus.PENDING, expires_at__lte=timezone.now())
    return sum(
        _invitation_close(invitation, InvitationStatus.EXPIRED, "invitation.expired", SYSTEM) for invitation in due
    )


@sensitive_variables("token")
def invitation_open(*, token: str) -> Invitation:
    """The pending invitation behind a link's token; NotFound for a used, revoked or unknown one, and
    Conflict (after closing it, audited) for one past its expiry."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=invitation_token_hash(token)).first()
    )
    if invitation is None or invitation.status in (InvitationStatus.ACCEPTED, InvitationStatus.REVOKED):
        raise NotFound("This invitation link is not valid: it was used, revoked, or never existed.")
    if invitation.status == InvitationStatus.PENDING and invitation.expires_at <= timezone.now():
        with transaction.atomic():
            _invitation_close(invitation, InvitationStatus.EXPIRED, "invitation.expired", SYSTEM)
    if invitation.status == InvitationStatus.EXPIRED or not invitation.organisation.is_active:
        raise Conflict("This invitation has expired; ask your organisation's admin to invite you again.")
    return invitation


@sensitive_variables("token", "password")
def invitation_accept(*, token: str, username: str, password: str, ip: str | None) -> AbstractBaseUser:
    """Create the invited person with the invitation's organisation and role; the link then stops working."""
    invitation = invitation_open(token=token)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        if invitation.status != InvitationStatus.PENDING:
            raise NotFound("This invitation link is not valid: it was used, revoked, or never existed.")
        organisation = invitation.organisation
        user, _ = user_create(
            actor=Actor(organisation=organisation, ip=ip),
            organisation=organisation,
            username=username,
            email=invitation.email,
            role=invitation.role,
            password=password,
        )
        invitation.status = InvitationStatus.ACCEPTED
        invitation.closed_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["status", "closed_at", "user"])
        audit_log(
            actor=Actor(organisation=organisation, user=user, ip=ip),
            action="invitation.accepted",
            organisation_id=organisation.pk,
            target=invitation,
            data={"email": invitation.email, "role": invitation.role, "username": user.get_username()},
        )
    return user
