"""Authentication: Bearer API keys for member systems, sessions for people; suspended members refused."""

from datetime import timedelta

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps.common.errors import AuthenticationRefused
from apps.organisations.models import ApiKey
from apps.organisations.selectors import api_key_authenticate

# Recording every use would turn each API read into a write; a minute's precision is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _touch(api_key: ApiKey) -> None:
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    # Every frame below holds the raw key; none of them may reach a debug page or error report.
    @sensitive_variables()
    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <API key>'.")
        try:
            api_key = api_key_authenticate(full_key=parts[1].decode("latin-1"))
        except AuthenticationRefused as exc:
            raise exceptions.AuthenticationFailed(exc.detail) from None
        _touch(api_key)
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="vigil"'


class ActiveOrganisationBackend(ModelBackend):
    """Password login for hub administrators and for members of active organisations only."""

    def user_can_authenticate(self, user: AbstractBaseUser) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if user.is_staff:
            return True
        membership = getattr(user, "membership", None)
        return membership is not None and membership.organisation.is_active
