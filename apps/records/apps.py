"""The organisation's shared record: end-to-end-encrypted token → address entries, and who holds the key."""

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "apps.records"

    def ready(self) -> None:
        from apps.records import receivers  # noqa: F401  (connects the receivers)
