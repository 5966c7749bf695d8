"""The OPRF key service: keys encrypted at rest, metered blind evaluation with proofs."""

from django.apps import AppConfig


class OprfConfig(AppConfig):
    name = "apps.oprf"
