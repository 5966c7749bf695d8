"""What matches led to: each participant's review, disputes of reports, per-source precision, STIX export."""

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "apps.outcomes"

    def ready(self) -> None:
        from apps.outcomes import receivers  # noqa: F401  (connects the receivers)
