"""The Vigil hub: Django project package."""

from hub.celery import app as celery_app

__all__ = ["celery_app"]
