"""Reads of the shared record, always through the calling organisation: another's record is not found."""

from django.db.models import Count, Q, QuerySet

from apps.common.actors import Actor
from apps.common.errors import NotFound
from apps.organisations.models import Organisation
from apps.records.models import Entry, KeyGeneration, MemberKind, Record, RecordMember


def record_get_for(*, organisation: Organisation) -> Record:
    try:
        return Record.objects.get(organisation=organisation)
    except Record.DoesNotExist:
        raise NotFound("The organisation has no shared record yet: create it with `vigil record init`.") from None


def record_exists(*, organisation: Organisation) -> bool:
    return Record.objects.filter(organisation=organisation).exists()


def member_of_actor(*, record: Record, actor: Actor) -> RecordMember | None:
    """The caller's own member: its API key's if it calls with one, else its person's."""
    members = record.members.filter(removed_at__isnull=True)
    if actor.api_key is not None:
        return members.filter(kind=MemberKind.CLIENT, api_key=actor.api_key).first()
    membership = getattr(actor.user, "membership", None) if actor.user is not None else None
    if membership is None:
        return None
    return members.filter(kind=MemberKind.PERSON, membership=membership).first()


def member_list(*, record: Record) -> QuerySet[RecordMember]:
    """The record's current members (the recovery kit included), with the generations each holds."""
    return (
        record.members.filter(removed_at__isnull=True)
        .select_related("membership__user", "api_key")
        .prefetch_related("keys")
        .order_by("id")
    )


def member_get(*, record: Record, member_id: int) -> RecordMember:
    try:
        return member_list(record=record).exclude(kind=MemberKind.RECOVERY).get(pk=member_id)
    except RecordMember.DoesNotExist:
        raise NotFound("No such record member.") from None


def key_checks(*, record: Record) -> dict[int, str]:
    return dict(KeyGeneration.objects.filter(record=record).values_list("generation", "key_check"))


def entry_lookup(*, record: Record, items: list[tuple[str, str]]) -> list[Entry]:
    """The entries stored under these (key id, token) pairs; pairs without one are simply absent."""
    if not items:
        return []
    wanted = Q()
    for key_id, token in items:
        wanted |= Q(key_id=key_id, token=token)
    return list(record.entries.filter(wanted).order_by("id"))


def entry_list(*, record: Record, below_generation: int | None = None) -> QuerySet[Entry]:
    entries = record.entries.all()
    if below_generation is not None:
        entries = entries.filter(generation__lt=below_generation)
    return entries


def entry_progress(*, record: Record) -> dict[str, int]:
    """How many entries there are, and how many are under the current key (the re-wrap's progress)."""
    counts = record.entries.aggregate(total=Count("id"), current=Count("id", filter=Q(generation=record.generation)))
    return {"total": counts["total"], "current": counts["current"]}
