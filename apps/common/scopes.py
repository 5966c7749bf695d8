"""What an API key or a member's role lets it do; every app's views declare the scopes they need."""

from django.db import models


class Scope(models.TextChoices):
    REPORT = "report", "Report indicators"
    SCREEN = "screen", "Screen tokens"
    READ = "read", "Read matches and organisation data"
    MANAGE = "manage", "Manage keys, webhooks and settings"
