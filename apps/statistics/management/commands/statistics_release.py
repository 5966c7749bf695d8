"""manage.py statistics_release [--period 2026Q4] [--k 5] [--epsilon 1.0]: compute and store a release now."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.common.actors import SYSTEM
from apps.common.errors import ValidationFailed
from apps.common.public_ids import public_id
from apps.statistics.periods import period_parse
from apps.statistics.services import release_create


class Command(BaseCommand):
    help = "Compute an immutable statistics release (the twelve months to date unless --period is given)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--period", help="2026Q4, 2026-11 or 2026")
        parser.add_argument("--k", type=int, help="smallest published cell (default VIGIL_STATISTICS_K)")
        parser.add_argument("--epsilon", type=float, help="privacy budget for OpenDP noise (default: no noise)")

    def handle(self, *args: Any, period: str | None, k: int | None, epsilon: float | None, **options: Any) -> None:
        try:
            release = release_create(
                actor=SYSTEM, period=period_parse(period) if period else None, k=k, epsilon=epsilon
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join([exc.detail, *(e["detail"] for e in exc.errors)])) from None
        spent = "no noise" if release.epsilon_spent is None else f"epsilon spent {release.epsilon_spent:.4g}"
        self.stdout.write(f"{public_id('release', release.pk)} {release.period_label} k={release.k} {spent}")
