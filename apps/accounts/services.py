"""Ending sessions: a person's own "sign out everywhere", and everyone's in an organisation that is suspended."""

from allauth.usersessions.models import UserSession
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.organisations.models import Organisation


def _end(sessions: "list[UserSession]") -> int:
    for session in sessions:
        session.end()  # deletes the session itself from the session store, then its record
    return len(sessions)


@transaction.atomic
def sessions_end_all(*, actor: Actor, user: AbstractBaseUser) -> int:
    """End every session `user` has, on any device (the caller's own included); return how many.

    Every signed-in request is recorded against its user (allauth.usersessions), so none is missed."""
    ended = _end(list(UserSession.objects.filter(user_id=user.pk)))
    membership = getattr(user, "membership", None)
    audit_log(
        actor=actor,
        action="auth.sessions_ended",
        organisation_id=membership.organisation_id if membership is not None else None,
        data={"sessions": ended},
    )
    return ended


def sessions_end_for_organisation(*, organisation: Organisation) -> int:
    """End the sessions of everyone in `organisation`. Called inside the suspension's transaction, so a
    reinstated organisation's people sign in afresh rather than find their old sessions revived."""
    return _end(list(UserSession.objects.filter(user__membership__organisation=organisation)))
