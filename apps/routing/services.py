"""Writing notifications (in the transaction that caused them) and their deliveries: the outbox."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.errors import ValidationFailed
from apps.indicators.models import Report, ReportStatus
from apps.matching.locks import TokenPair
from apps.matching.models import Match, MatchStatus
from apps.matching.selectors import match_view, match_with_participants
from apps.matching.services import MatchChanges
from apps.matching.visibility import counterpart_view
from apps.organisations.models import Organisation
from apps.routing.crypto import webhook_secret_encrypt, webhook_secret_generate
from apps.routing.models import (
    Channel,
    ChannelChoice,
    Delivery,
    Event,
    Notification,
    ToldAbout,
    WebhookEndpoint,
)
from apps.routing.ssrf import webhook_target

DEFAULT_CHANNELS = [Channel.EMAIL, Channel.WEBHOOK]
_SILENCED = (MatchStatus.QUARANTINED, MatchStatus.DISMISSED)


def _channels_for(organisation_ids: set[int]) -> dict[tuple[int, str], list[str]]:
    return {
        (choice.organisation_id, choice.event): choice.channels
        for choice in ChannelChoice.objects.filter(organisation_id__in=organisation_ids)
    }


def deliver_notifications(notifications: list[Notification]) -> None:
    """Create a delivery per chosen channel and enqueue them once the transaction commits."""
    if not notifications:
        return
    organisation_ids = {notification.organisation_id for notification in notifications}
    choices = _channels_for(organisation_ids)
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in WebhookEndpoint.objects.filter(organisation_id__in=organisation_ids, enabled=True):
        endpoints[endpoint.organisation_id].append(endpoint)
    deliveries = []
    for notification in notifications:
        channels = choices.get((notification.organisation_id, notification.event), DEFAULT_CHANNELS)
        # Webhooks first: member systems act on them in real time; e-mail only says "look".
        if Channel.WEBHOOK in channels:
            deliveries += [
                Delivery(notification=notification, channel=Channel.WEBHOOK, endpoint=endpoint)
                for endpoint in endpoints[notification.organisation_id]
                if endpoint.wants(notification.event)
            ]
        if Channel.EMAIL in channels:
            deliveries.append(Delivery(notification=notification, channel=Channel.EMAIL))
    created = Delivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in created]
    if ids:
        from apps.routing.tasks import enqueue_deliveries

        transaction.on_commit(lambda: enqueue_deliveries(ids))


def _notify(organisation_id: int, event: str, match: Match | None, payload: dict[str, Any]) -> Notification:
    return Notification(organisation_id=organisation_id, event=event, match=match, payload=payload)


def notify_match_changes(*, changes: MatchChanges) -> int:
    """Tell each participant what it may now see that it had not been told; returns notifications written."""
    match_ids = set(changes.created) | set(changes.joined)
    if not match_ids:
        return 0
    matches = Match.objects.filter(pk__in=match_ids).exclude(status__in=_SILENCED)
    created = set(changes.created)
    return _notify_matches(
        matches, event_for=lambda match: Event.MATCH_CREATED if match.pk in created else Event.MATCH_JOINED
    )


def notify_match_released(*, match: Match) -> int:
    """After a quarantine is released, the notifications it held back go out."""
    return _notify_matches(Match.objects.filter(pk=match.pk), event_for=lambda _: Event.MATCH_CREATED)


def _notify_matches(matches: Iterable[Match], event_for: Callable[[Match], str]) -> int:
    matches = list(match_with_participants().filter(pk__in=[match.pk for match in matches]))
    told = defaultdict(set)
    for recipient_id, report_id in ToldAbout.objects.filter(match__in=matches).values_list("recipient_id", "report_id"):
        told[recipient_id].add(report_id)
    notifications: list[Notification] = []
    told_rows: list[ToldAbout] = []
    for match in matches:
        for participant in match.participants.all():
            if not participant.active:
                continue
            viewer = participant.report.organisation
            view = match_view(match, viewer)
            if view is None:
                continue
            new = [c for c in view["counterparts"] if c["participant"] not in told[viewer.pk]]
            if not new:
                continue
            notifications.append(_notify(viewer.pk, event_for(match), match, {**view, "new_counterparts": new}))
            told_rows += [ToldAbout(recipient_id=viewer.pk, report_id=c["participant"], match=match) for c in new]
            told[viewer.pk].update(c["participant"] for c in new)
    Notification.objects.bulk_create(notifications)
    ToldAbout.objects.bulk_create(told_rows, ignore_conflicts=True)
    deliver_notifications(notifications)
    return len(notifications)


def notify_reports_ended(*, report_ids: Iterable[int], reason: str) -> int:
    """Every party told of these reports hears that they no longer stand."""
    rows = list(ToldAbout.objects.filter(report_id__in=list(report_ids)).select_related("report"))
    notifications = [
        _notify(
            row.recipient_id,
            Event.MATCH_RETRACTED,
            row.match,
            {"match": row.match_id, "participant": row.report_id, "reason": reason, "category": row.report.category},
        )
        for row in rows
    ]
    Notification.objects.bulk_create(notifications)
    # A later re-report is news again.
    ToldAbout.objects.filter(pk__in=[row.pk for row in rows]).delete()
    deliver_notifications(notifications)
    return len(notifications)


def notify_reports_corrected(*, report_ids: Iterable[int]) -> int:
    """Parties told of a report hear when its reporter changes it (category, dates, policy)."""
    rows = list(
        ToldAbout.objects.filter(report_id__in=list(report_ids)).select_related(
            "report__organisation", "recipient", "match"
        )
    )
    notifications = []
    for row in rows:
        view = counterpart_view(row.report, row.recipient)
        if view is None:  # the new policy hides it from this party: for them it is withdrawn
            payload = {"match": row.match_id, "participant": row.report_id, "reason": "policy changed"}
            notifications.append(_notify(row.recipient_id, Event.MATCH_RETRACTED, row.match, payload))
            row.delete()
            continue
        payload = {"match": row.match_id, "counterpart": view.as_dict()}
        notifications.append(_notify(row.recipient_id, Event.MATCH_CORRECTED, row.match, payload))
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(notifications)


def notify_sightings(*, screener: Organisation, pairs: Iterable[TokenPair], visibility: str) -> int:
    """Alert the reporters of screened tokens who asked for it; the screener shows itself only as it chose."""
    pairs = set(pairs)
    reports = Report.objects.filter(
        key_id__in={key for key, _ in pairs},
        token__in={token for _, token in pairs},
        status=ReportStatus.ACTIVE,
        sighting_alerts=True,
    ).exclude(organisation=screener)
    screener_view: dict[str, Any] = {"sector": screener.sector, "jurisdiction": screener.jurisdiction}
    if visibility == "named":
        screener_view["organisation"] = {"name": screener.name, "slug": screener.slug}
    now = timezone.now().isoformat()
    notifications = [
        _notify(
            report.organisation_id,
            Event.SIGHTING,
            None,
            {
                "report": report.pk,
                "key_id": report.key_id,
                "token": report.token,
                "screened_by": screener_view,
                "at": now,
            },
        )
        for report in reports
        if (report.key_id, report.token) in pairs
    ]
    Notification.objects.bulk_create(notifications)
    deliver_notifications(notifications)
    return len(notifications)


@transaction.atomic
def notification_mark(*, actor: Actor, notification: Notification, read: bool) -> Notification:
    notification.read_at = timezone.now() if read else None
    notification.save(update_fields=["read_at"])
    audit_log(actor=actor, action="notification.read" if read else "notification.unread", target=notification)
    return notification


@transaction.atomic
def channels_set(*, actor: Actor, organisation: Organisation, choices: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = set(choices) - set(Event.values)
    bad_channels = {channel for channels in choices.values() for channel in channels} - set(Channel.values)
    if unknown or bad_channels:
        raise ValidationFailed(f"Unknown event(s) {sorted(unknown)} or channel(s) {sorted(bad_channels)}.")
    for event, channels in choices.items():
        ChannelChoice.objects.update_or_create(
            organisation=organisation, event=event, defaults={"channels": sorted(set(channels))}
        )
    audit_log(actor=actor, action="notification.channels_set", data=choices)
    return channels_get(organisation=organisation)


def channels_get(*, organisation: Organisation) -> dict[str, list[str]]:
    chosen = {choice.event: choice.channels for choice in ChannelChoice.objects.filter(organisation=organisation)}
    return {event: chosen.get(event, list(DEFAULT_CHANNELS)) for event in Event.values}


def _check_events(events: list[str]) -> list[str]:
    unknown = set(events) - set(Event.values)
    if unknown:
        raise ValidationFailed(f"Unknown event(s): {', '.join(sorted(unknown))}; known: {', '.join(Event.values)}.")
    return sorted(set(events))


@transaction.atomic
def webhook_create(*, actor: Actor, url: str, events: list[str], enabled: bool = True) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; the returned `whsec_` secret is shown once."""
    webhook_target(url)
    secret = webhook_secret_generate()
    endpoint = WebhookEndpoint(organisation=actor.organisation, url=url, events=_check_events(events), enabled=enabled)
    endpoint.secret_ciphertext = webhook_secret_encrypt(secret, endpoint_label=str(endpoint.uid))
    endpoint.save()
    audit_log(actor=actor, action="webhook.created", target=endpoint, data={"url": url, "events": endpoint.events})
    return endpoint, secret


@transaction.atomic
def webhook_update(*, actor: Actor, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    if "url" in changes:
        webhook_target(changes["url"])
        endpoint.url = changes["url"]
    if "events" in changes:
        endpoint.events = _check_events(changes["events"])
    if "enabled" in changes:
        endpoint.enabled = changes["enabled"]
        if endpoint.enabled:
            endpoint.consecutive_failures, endpoint.disabled_at, endpoint.disabled_reason = 0, None, ""
    endpoint.save()
    audit_log(actor=actor, action="webhook.updated", target=endpoint, data={k: str(v) for k, v in changes.items()})
    return endpoint


@transaction.atomic
def webhook_delete(*, actor: Actor, endpoint: WebhookEndpoint) -> None:
    """Disable for good rather than delete: its delivery log stays for the audit."""
    endpoint.enabled = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = "deleted by the organisation"
    endpoint.save()
    audit_log(actor=actor, action="webhook.deleted", target=endpoint, data={"url": endpoint.url})
