"""Shared building blocks: domain errors, problem details, health."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"

    def ready(self) -> None:
        from apps.common import lookups  # noqa: F401 - registers the `__any` lookup
