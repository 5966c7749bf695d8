"""Member organisations, their people, and the API keys of their systems."""

from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "apps.organisations"

    def ready(self) -> None:
        from apps.organisations import schema  # noqa: F401  (OpenAPI scheme)
