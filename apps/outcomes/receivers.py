"""Outcomes' answers to what matching announces."""

from typing import Any

from django.dispatch import receiver

from apps.matching.hooks import matches_seen, screen_answered
from apps.outcomes.reviews import reviews_open
from apps.outcomes.screening import screen_annotate


@receiver(matches_seen)
def open_reviews(sender: Any, seen: list[tuple[int, int, str]], **kwargs: Any) -> None:
    """Each participant told of a match for the first time is asked what it led to."""
    reviews_open(seen=seen)


@receiver(screen_answered)
def annotate_screening(sender: Any, organisation: Any, answers: list, **kwargs: Any) -> None:
    screen_annotate(organisation=organisation, answers=answers)
