"""Password sign-in by user name or e-mail, for hub administrators and members of active organisations."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

from apps.accounts.selectors import user_for_login
from apps.organisations.auth import ActiveOrganisationBackend


class MemberBackend(ActiveOrganisationBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> AbstractBaseUser | None:
        if username:
            user = user_for_login(login=username)
            # An unknown name goes on unchanged: ModelBackend still hashes the password, so it takes as long.
            username = user.get_username() if user is not None else username
        return super().authenticate(request, username=username, password=password, **kwargs)
