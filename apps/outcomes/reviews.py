"""Reviews: opened when a participant is first told of a match, recorded by it, and reminded once if left open."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import SYSTEM, Actor
from apps.common.errors import ValidationFailed
from apps.common.public_ids import public_id
from apps.common.rows import rows_insert
from apps.outcomes.models import OutcomeKind, Review
from apps.outcomes.precision import SECTOR_PRECISION
from apps.routing.models import Event, Notification
from apps.routing.services import deliver_notifications


def reviews_open(*, seen: list[tuple[int, int, str]]) -> None:
    """A review for each (organisation, match, token) just told of; one per participant, however often told."""
    now = timezone.now()
    rows = [(org_id, match_id, token, now) for org_id, match_id, token in seen]
    rows_insert(Review, ["organisation", "match", "token", "opened_at"], rows, ignore_conflicts=True)
    SECTOR_PRECISION.forget()  # a new matched report moves its sector's figure


@transaction.atomic
def review_record(
    *,
    actor: Actor,
    review: Review,
    outcome: str,
    amount: Decimal | None = None,
    currency: str = "",
    reason: str = "",
    note: str = "",
) -> Review:
    """Record (or change) what the match led to; funds frozen needs an amount, a false positive a reason."""
    errors = []
    if outcome not in OutcomeKind.values:
        errors.append({"pointer": "/outcome", "detail": f"must be one of {', '.join(OutcomeKind.values)}"})
    frozen = outcome == OutcomeKind.FUNDS_FROZEN
    if frozen and (amount is None or amount <= 0 or not currency.strip()):
        errors.append({"pointer": "/amount", "detail": "funds_frozen needs a positive amount and its currency"})
    if not frozen and (amount is not None or currency.strip()):
        errors.append({"pointer": "/amount", "detail": "an amount goes only with funds_frozen"})
    if outcome == OutcomeKind.FALSE_POSITIVE and not reason.strip():
        errors.append({"pointer": "/reason", "detail": "say why it is a false positive"})
    if outcome != OutcomeKind.FALSE_POSITIVE and reason.strip():
        errors.append({"pointer": "/reason", "detail": "a reason goes only with false_positive"})
    if errors:
        raise ValidationFailed("The review did not validate; nothing was recorded.", errors=errors)
    review = Review.objects.select_for_update().get(pk=review.pk)
    now = timezone.now()
    previous = review.outcome
    review.outcome, review.amount, review.currency = outcome, amount, currency.strip().upper()
    review.reason, review.note = reason.strip(), note.strip()
    review.recorded_at = review.recorded_at or now
    review.updated_at = now
    review.save()
    SECTOR_PRECISION.forget()
    audit_log(
        actor=actor,
        action="review.recorded",
        target=review,
        data={"match": public_id("match", review.match_id), "outcome": outcome, "previous": previous or None},
    )
    return review


@transaction.atomic
def reviews_remind(*, limit: int = 1000) -> int:
    """Remind, once, each organisation of every review it has left open for VIGIL_REVIEW_DAYS."""
    now = timezone.now()
    due = list(
        Review.objects.select_for_update(skip_locked=True)
        .filter(outcome="", reminded_at=None, opened_at__lte=now - timedelta(days=settings.VIGIL_REVIEW_DAYS))
        .order_by("opened_at")[:limit]
    )
    notifications = []
    for review in due:
        review.reminded_at = now
        payload = {
            "review": public_id("review", review.pk),
            "match": public_id("match", review.match_id),
            "opened_at": review.opened_at,
        }
        notifications.append(
            Notification(
                organisation_id=review.organisation_id,
                event=Event.REVIEW_REMINDER,
                match_id=review.match_id,
                token=review.token,
                payload=payload,
            )
        )
        audit_log(actor=SYSTEM, action="review.reminded", organisation_id=review.organisation_id, target=review)
    Review.objects.bulk_update(due, ["reminded_at"])
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(due)
