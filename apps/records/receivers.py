"""A person removed or a client revoked leaves the shared record, in the same transaction."""

from typing import Any

from django.dispatch import receiver

from apps.organisations.hooks import api_key_revoked, membership_removed
from apps.records import services


@receiver(membership_removed)
def _person_removed(sender: object, *, actor: Any, membership: Any, **kwargs: Any) -> None:
    services.member_remove_person(actor=actor, membership=membership)


@receiver(api_key_revoked)
def _client_revoked(sender: object, *, actor: Any, api_key: Any, **kwargs: Any) -> None:
    services.member_remove_client(actor=actor, api_key=api_key)
