"""Announcements other apps act on; organisations sit at the bottom and must not import them."""

from django.dispatch import Signal

# Sent inside the status change's transaction with `actor`, `organisation` and `previous`, so that
# matching can withdraw a suspended member's reports from every match and restore them on
# reinstatement, atomically with the change itself.
organisation_status_changed = Signal()

# Sent inside the removal's or revocation's transaction with `actor` and `membership` / `api_key`,
# so that the shared record drops the member and asks for its key to be rotated, atomically.
membership_removed = Signal()
api_key_revoked = Signal()
