"""Routing: notifications (an outbox), e-mail and signed webhooks, sighting alerts, disclosure."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "apps.routing"
