"""Periodic jobs of the organisations app: closing invitations nobody used in time."""

from celery import shared_task

from apps.organisations.services import invitations_expire


@shared_task(ignore_result=True)
def expire_invitations() -> int:
    return invitations_expire()
