"""Shared building blocks: domain errors, problem details, health."""

from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
