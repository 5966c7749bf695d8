"""Announcements other apps act on; organisations sit at the bottom and must not import them."""

from django.dispatch import Signal

# Sent inside the status change's transaction with `actor`, `organisation` and `previous`, so that
# matching can withdraw a suspended member's reports from every match and restore them on
# reinstatement, atomically with the change itself.
organisation_status_changed = Signal()
