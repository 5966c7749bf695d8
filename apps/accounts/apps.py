"""People signing in to the hub: the sign-in and sign-out pages, lockout, and their audit events."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"

    def ready(self) -> None:
        from apps.accounts import signals  # noqa: F401  (sign-in auditing)
