"""A member's own reports, matches, sightings and outcomes as a STIX 2.1 bundle (built with `stix2`).

Reports are indicators whose pattern names the token (`[x-vigil-token:value = '…']`) and which carry it,
its key id and namespace in the `x-vigil-token` property extension; the member's client swaps in the
address from its own record. The hub knows no address, so none is here. Everything else comes from
the same selectors as the API: matches and counterparts' outcomes as visibility allows, sightings
from the member's own inbox.
"""

import json
import uuid
from datetime import datetime
from typing import Any

import stix2
from vigil_client.contract import STIX_TOKEN_EXTENSION, STIX_TOKEN_OBJECT

from apps.audit.services import audit_log
from apps.common.actors import Actor
from apps.common.public_ids import internal_id, public_id
from apps.indicators.models import Report, ReportStatus
from apps.matching.selectors import match_list_visible_to
from apps.organisations.models import Organisation
from apps.outcomes.models import OutcomeKind, Review
from apps.outcomes.selectors import review_view
from apps.routing.models import Event, Notification

_NAMESPACE = uuid.UUID("6c1d6f0e-4b0a-5d59-9a0e-2f7c1b1f9a55")
_TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The OASIS TLP 2.0 marking definitions (cti-stix-common-objects), used as published.
_TLP_IDS = {
    "clear": "94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_CONFIDENCE = {"low": 15, "medium": 50, "high": 85}
_OPINION = {OutcomeKind.FALSE_POSITIVE: "strongly-disagree", OutcomeKind.NO_ACTION: "neutral"}


def _id(kind: str, *parts: object) -> str:
    """Stable ids: exporting twice gives the same objects, so a platform updates rather than duplicates."""
    return f"{kind}--{uuid.uuid5(_NAMESPACE, ':'.join(str(part) for part in parts))}"


def tlp_marking(tlp: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(
        id=f"marking-definition--{_TLP_IDS[tlp]}",
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{tlp.upper()}",
        extensions={_TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
    )


def _hub_identity() -> stix2.Identity:
    return stix2.Identity(
        id=_id("identity", "vigil-hub"),
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        name="Vigil",
        identity_class="system",
        description="The Vigil hub, which defines the x-vigil-token extension.",
    )


def _token_extension(hub: stix2.Identity) -> stix2.ExtensionDefinition:
    return stix2.ExtensionDefinition(
        id=STIX_TOKEN_EXTENSION,
        created_by_ref=hub.id,
        created="2026-01-01T00:00:00.000Z",
        modified="2026-01-01T00:00:00.000Z",
        name=STIX_TOKEN_OBJECT,
        description="A Vigil wallet token (RFC 9497 VOPRF output) with its key id, namespace and report id.",
        schema="Vigil README, section 'STIX 2.1 export'",
        version="1.0.0",
        extension_types=["property-extension"],
    )


def _organisation_identity(organisation: Organisation) -> stix2.Identity:
    return stix2.Identity(
        id=_id("identity", "organisation", organisation.slug),
        created=organisation.created_at,
        modified=organisation.created_at,
        name=organisation.name,
        identity_class="organization",
        description=f"{organisation.get_sector_display()}, {organisation.jurisdiction}",
    )


def _counterpart_label(counterpart: dict[str, Any]) -> str:
    who = counterpart["organisation"]["name"] if counterpart["organisation"] else "An anonymous member"
    return f"{who} ({counterpart['sector']}, {counterpart['jurisdiction']})"


def _indicator(report: Report, author: stix2.Identity) -> stix2.Indicator:
    rid = public_id("report", report.pk)
    valid_from = report.first_seen or report.created_at
    return stix2.Indicator(
        id=_id("indicator", rid),
        created_by_ref=author.id,
        created=report.created_at,
        modified=max(report.updated_at, report.created_at),
        name=f"Wallet reported to Vigil ({report.namespace})",
        description=f"Reported as {report.get_category_display()}; Vigil report {rid}, status {report.status}.",
        indicator_types=["malicious-activity"],
        pattern=f"[{STIX_TOKEN_OBJECT}:value = '{report.token}']",
        pattern_type="stix",
        valid_from=valid_from,
        valid_until=report.expires_at if report.expires_at > valid_from else None,
        revoked=report.status != ReportStatus.ACTIVE,
        confidence=_CONFIDENCE[report.confidence],
        labels=[report.category],
        object_marking_refs=[f"marking-definition--{_TLP_IDS[report.tlp]}"],
        extensions={
            STIX_TOKEN_EXTENSION: {
                "extension_type": "property-extension",
                "token": report.token,
                "key_id": report.key_id,
                "namespace": report.namespace,
                "report": rid,
            }
        },
    )


def stix_bundle_for(*, organisation: Organisation) -> dict[str, Any]:
    """The organisation's own export, as STIX 2.1 JSON."""
    hub = _hub_identity()
    me = _organisation_identity(organisation)
    reports = list(Report.objects.filter(organisation=organisation).order_by("id"))
    indicators = {report.pk: _indicator(report, me) for report in reports}
    by_rid = {public_id("report", report.pk): report for report in reports}
    objects: list[Any] = [hub, _token_extension(hub), me, *indicators.values()]
    tlps = {report.tlp for report in reports}

    for view in match_list_visible_to(organisation=organisation):
        own = by_rid[view["own_report"]["id"]]
        review = Review.objects.filter(organisation=organisation, match_id=internal_id("match", view["id"])).first()
        outcomes = review_view(review, organisation)["counterparts"] if review else []
        told = {item["participant"]: item for item in outcomes}
        lines = [
            f"- {_counterpart_label(c)}: {c['category']}, TLP:{c['tlp'].upper()}"
            + (f"; outcome {told[c['participant']]['outcome']}" if c["participant"] in told else "")
            for c in view["counterparts"]
        ]
        objects.append(
            stix2.Note(
                id=_id("note", view["id"]),
                created_by_ref=me.id,
                created=view["created_at"],
                modified=max(view["updated_at"], view["created_at"]),
                abstract=f"Vigil match {view['id']}" + (" (quarantined)" if view["quarantined"] else ""),
                content="Also reported by:\n" + "\n".join(lines),
                object_refs=[indicators[own.pk].id],
                object_marking_refs=[f"marking-definition--{_TLP_IDS[own.tlp]}"],
            )
        )
        if review is not None and not review.is_open:
            objects.append(_opinion(review, own, indicators[own.pk], me))

    for notification in Notification.objects.filter(organisation=organisation, event=Event.SIGHTING).order_by("id"):
        report = by_rid.get(notification.payload.get("report", ""))
        if report is None:
            continue
        seen_at = datetime.fromisoformat(notification.payload["at"])
        screener = notification.payload["screened_by"]
        name = screener.get("organisation", {}).get("name") if screener.get("organisation") else None
        objects.append(
            stix2.Sighting(
                id=_id("sighting", public_id("notification", notification.pk)),
                created_by_ref=me.id,
                created=notification.created_at,
                modified=notification.created_at,
                sighting_of_ref=indicators[report.pk].id,
                first_seen=seen_at,
                last_seen=seen_at,
                count=1,
                description=f"Screened by {name or 'an anonymous member'} "
                f"({screener['sector']}, {screener['jurisdiction']}).",
                object_marking_refs=[f"marking-definition--{_TLP_IDS[report.tlp]}"],
            )
        )
    objects += [tlp_marking(tlp) for tlp in sorted(tlps)]
    # A bundle is one export: its id is new each time, unlike the objects it carries.
    bundle = stix2.Bundle(objects=objects)
    return json.loads(bundle.serialize())


def _opinion(review: Review, report: Report, indicator: stix2.Indicator, me: stix2.Identity) -> stix2.Opinion:
    outcome = review.get_outcome_display()
    if review.outcome == OutcomeKind.FUNDS_FROZEN:
        outcome += f" ({review.amount.normalize()} {review.currency})"
    if review.outcome == OutcomeKind.FALSE_POSITIVE:
        outcome += f": {review.reason}"
    return stix2.Opinion(
        id=_id("opinion", public_id("review", review.pk)),
        created_by_ref=me.id,
        created=review.recorded_at,
        modified=review.updated_at or review.recorded_at,
        opinion=_OPINION.get(review.outcome, "strongly-agree"),
        explanation=f"Outcome of Vigil match {public_id('match', review.match_id)}: {outcome}",
        object_refs=[indicator.id],
        object_marking_refs=[f"marking-definition--{_TLP_IDS[report.tlp]}"],
    )


def stix_export(*, actor: Actor) -> dict[str, Any]:
    """The calling member's bundle; exporting is audited with how many objects left the hub."""
    bundle = stix_bundle_for(organisation=actor.organisation)
    audit_log(actor=actor, action="export.stix", data={"objects": len(bundle["objects"])})
    return bundle
