"""Matches between organisations' reports, who may see them, and real-time screening."""

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "apps.matching"

    def ready(self) -> None:
        from apps.matching import receivers  # noqa: F401  (connects the receivers)
