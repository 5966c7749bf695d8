"""API session authentication for people: only those who hold a second factor (CSRF enforced as DRF does)."""

from django.contrib.auth.models import AbstractBaseUser
from drf_spectacular.authentication import SessionScheme
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from apps.accounts.selectors import user_has_second_factor


class MemberSessionAuthentication(SessionAuthentication):
    # A suspended organisation's member or a deactivated account never gets here: the authentication
    # backend no longer resolves their session to a user, so the request is anonymous (401).
    def authenticate(self, request: Request) -> tuple[AbstractBaseUser, None] | None:
        result = super().authenticate(request)
        if result is not None and not user_has_second_factor(user=result[0]):
            raise exceptions.PermissionDenied("Set up a second factor at /accounts/2fa/ before using the API.")
        return result


class MemberSessionScheme(SessionScheme):
    """Documents the session in the OpenAPI schema as DRF's own session authentication."""

    target_class = "apps.accounts.api_auth.MemberSessionAuthentication"
