"""Reads scoped to one organisation: another organisation's object is simply not found."""

from functools import cache

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from apps.common.errors import AuthenticationRefused, NotFound
from apps.common.rows import model_columns, model_from_row
from apps.organisations.keys import key_matches, key_parse_prefix
from apps.organisations.models import (
    ApiKey,
    Application,
    Invitation,
    InvitationStatus,
    Membership,
    Organisation,
)


def organisation_get_by_slug(*, slug: str) -> Organisation:
    try:
        return Organisation.objects.get(slug=slug)
    except Organisation.DoesNotExist:
        raise NotFound(f"No organisation with slug {slug!r}.") from None


def organisation_list() -> QuerySet[Organisation]:
    """Every organisation, for hub administrators (who belong to none)."""
    return Organisation.objects.order_by("name")


def membership_list_visible_to(*, organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user").order_by("id")


def membership_get_visible_to(*, organisation: Organisation, membership_id: int) -> Membership:
    try:
        return membership_list_visible_to(organisation=organisation).get(pk=membership_id)
    except Membership.DoesNotExist:
        raise NotFound("No such member.") from None


def api_key_list_visible_to(*, organisation: Organisation) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisation=organisation).order_by("id")


def api_key_get_visible_to(*, organisation: Organisation, api_key_id: int) -> ApiKey:
    try:
        return api_key_list_visible_to(organisation=organisation).get(pk=api_key_id)
    except ApiKey.DoesNotExist:
        raise NotFound("No such API key.") from None


@sensitive_variables()
def api_key_authenticate(*, full_key: str) -> ApiKey:
    """The key behind a presented secret, or AuthenticationRefused saying why not."""
    prefix = key_parse_prefix(full_key)
    if prefix is None:
        raise AuthenticationRefused("Malformed API key: expected vigil_<id>_<secret>.")
    api_key = _api_key_with_organisation(prefix)
    if api_key is None or not key_matches(full_key, api_key.secret_hash):
        raise AuthenticationRefused("Unknown or wrong API key.")
    # Only the holder of the full secret gets past this line, so naming the state leaks nothing.
    if api_key.revoked_at is not None:
        raise AuthenticationRefused("This API key has been revoked.")
    if api_key.expires_at is not None and api_key.expires_at <= timezone.now():
        raise AuthenticationRefused("This API key has expired.")
    return api_key


@cache
def _api_key_sql() -> str:
    # Written out rather than compiled per request: `ApiKey.objects.select_related("organisation")
    # .filter(prefix=prefix)`, which tests/organisations/test_auth.py holds it to.
    return (
        f"SELECT {model_columns(ApiKey, 'k')}, {model_columns(Organisation, 'o')} "  # noqa: S608 - names from the models
        f"FROM {ApiKey._meta.db_table} k JOIN {Organisation._meta.db_table} o ON o.id = k.organisation_id "
        "WHERE k.prefix = %s"
    )


def _api_key_with_organisation(prefix: str) -> ApiKey | None:
    with connection.cursor() as cursor:
        cursor.execute(_api_key_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    width = len(ApiKey._meta.concrete_fields)
    api_key = model_from_row(ApiKey, row[:width])
    api_key.organisation = model_from_row(Organisation, row[width:])
    return api_key


def application_list(*, status: str | None = None) -> QuerySet[Application]:
    """Applications to join, newest first, for hub administrators; `status` narrows them."""
    applications = Application.objects.select_related("organisation", "decided_by")
    return applications.filter(status=status) if status else applications


def application_get(*, application_id: int) -> Application:
    try:
        return application_list().get(pk=application_id)
    except Application.DoesNotExist:
        raise NotFound("No such application.") from None


def invitation_list_visible_to(*, organisation: Organisation, pending_only: bool = True) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(organisation=organisation).select_related("invited_by")
    return invitations.filter(status=InvitationStatus.PENDING) if pending_only else invitations


def invitation_get_visible_to(*, organisation: Organisation, invitation_id: int) -> Invitation:
    try:
        return Invitation.objects.filter(organisation=organisation).get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise NotFound("No such invitation.") from None
