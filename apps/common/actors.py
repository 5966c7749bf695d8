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
    def anonymous(self) -> bool:
        """A request from someone not signed in: it has an address but no person, key or organisation."""
        return self.ip is not None and self.organisation is None and self.user is None and self.api_key is None

    @property
    def label(self) -> str:
        if self.api_key is not None:
            return f"api-key:{self.api_key.prefix}"
        if self.user is not None:
            return f"user:{self.user.get_username()}"
        return "anonymous" if self.anonymous else "system"


SYSTEM = Actor()
