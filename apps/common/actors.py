"""Who is acting: a user session, an API key, a hub administrator or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from apps.organisations.models import ApiKey, Organisation


@dataclass(frozen=True)
class Actor:
    organisation: Organisation | None = None
    user: AbstractBaseUser | None = None
    api_key: ApiKey | None = None
    ip: str | None = None
    session_key: str | None = None

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        return "system"


SYSTEM = Actor()
