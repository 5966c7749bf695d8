"""Matching's answers to what other apps announce."""

from typing import Any

from django.dispatch import receiver

from apps.common.actors import Actor
from apps.matching.notify import notify_match_changes
from apps.matching.sync import matches_resync_for_organisation
from apps.organisations.hooks import organisation_status_changed
from apps.organisations.models import Organisation, OrganisationStatus


@receiver(organisation_status_changed)
def resync_on_status_change(
    sender: Any, actor: Actor, organisation: Organisation, previous: str, **kwargs: Any
) -> None:
    """A suspended member's reports leave every match at once; reinstated, they count again.

    Nobody is notified of either: the other parties' views simply change, and after reinstatement
    only what they had not been told before is news.
    """
    if OrganisationStatus.ACTIVE in (previous, organisation.status):
        changes = matches_resync_for_organisation(actor=actor, organisation_id=organisation.pk)
        notify_match_changes(changes=changes)
