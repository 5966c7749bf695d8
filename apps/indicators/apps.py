"""Reports: the tokens members submit, each with its sharing policy."""

from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "apps.indicators"
