"""The member portal: server-rendered pages over the same selectors and services as the API."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "apps.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"
