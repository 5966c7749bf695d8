"""Periodic jobs: reminding of open reviews, closing disputes left unanswered."""

from celery import shared_task

from apps.outcomes.disputes import disputes_close_undefended
from apps.outcomes.reviews import reviews_remind


@shared_task(ignore_result=True)
def remind_open_reviews() -> int:
    total = 0
    while (reminded := reviews_remind()) > 0:
        total += reminded
    return total


@shared_task(ignore_result=True)
def close_undefended_disputes() -> int:
    return disputes_close_undefended()
