"""Statistics: de-duplicated counts of flagged wallets, published with suppression, and the transparency report."""

from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "apps.statistics"
