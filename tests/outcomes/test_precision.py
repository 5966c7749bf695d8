"""Per-source precision and time-to-action for the source itself, and the sector's figure under suppression."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.common.actors import Actor
from apps.outcomes.models import Review
from apps.outcomes.precision import sector_precision
from apps.outcomes.reviews import review_record
from tests.factories import ApiKeyFactory, OrganisationFactory, token_for
from tests.outcomes.conftest import report

pytestmark = pytest.mark.django_db
PRECISION = reverse("api:outcomes-precision")


def _record(organisation, token: str, outcome: str, **fields: str) -> None:
    review = Review.objects.get(organisation=organisation, match__token=token)
    review_record(actor=Actor(organisation=organisation), review=review, outcome=outcome, **fields)


def test_precision_is_the_share_of_matched_reports_no_visible_counterpart_called_false(world, rfc_key) -> None:
    tokens = [token_for(f"p{n}") for n in range(4)]
    report(world.org_a, rfc_key.key_id, *tokens, visibility="named")
    report(world.org_b, rfc_key.key_id, *tokens, visibility="named")
    _record(world.org_b, tokens[0], "false_positive", reason="hot wallet")
    _record(world.org_b, tokens[1], "sar_filed")
    figures = world.client_a.get(PRECISION).json()
    assert (figures["matched_reports"], figures["false_positives"], figures["precision"]) == (4, 1, 0.75)
    assert (figures["reviews_open"], figures["reviews_recorded"]) == (4, 0)


def test_a_silent_reviewers_false_positive_does_not_count(world, rfc_key, police) -> None:
    report(world.org_a, rfc_key.key_id, token_for("s"), visibility="named")
    report(world.org_b, rfc_key.key_id, token_for("s"), visibility="named")
    report(police, rfc_key.key_id, token_for("s"), visibility="silent")
    _record(police, token_for("s"), "false_positive", reason="not ours")
    assert world.client_a.get(PRECISION).json()["precision"] == 1.0


def test_time_to_action_is_the_median_from_being_told_to_recording(world, rfc_key) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        report(world.org_a, rfc_key.key_id, token_for("t1"), token_for("t2"), visibility="named")
        report(world.org_b, rfc_key.key_id, token_for("t1"), token_for("t2"), visibility="named")
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        _record(world.org_a, token_for("t1"), "no_action")
    with time_machine.travel(start + timedelta(hours=6), tick=False):
        _record(world.org_a, token_for("t2"), "account_restricted")
    assert world.client_a.get(PRECISION).json()["time_to_action_hours_median"] == 4.0


def test_a_sector_figure_needs_five_organisations_and_then_pools_them(world, rfc_key, settings) -> None:
    settings.VIGIL_STATISTICS_K = 5
    checker = OrganisationFactory(name="Checker", sector="ngo")
    exchanges = [world.org_b] + [OrganisationFactory(name=f"Exchange {n}", sector="exchange") for n in range(3)]
    for n, exchange in enumerate(exchanges):
        report(exchange, rfc_key.key_id, token_for(f"x{n}"), visibility="named")
        report(checker, rfc_key.key_id, token_for(f"x{n}"), visibility="named")
    _record(checker, token_for("x0"), "false_positive", reason="wrong")
    assert sector_precision(sectors={"exchange"}) == {"exchange": None}  # four organisations: suppressed
    fifth = OrganisationFactory(name="Exchange 4", sector="exchange")
    report(fifth, rfc_key.key_id, token_for("x4"), visibility="named")
    report(checker, rfc_key.key_id, token_for("x4"), visibility="named")
    assert sector_precision(sectors={"exchange"}) == {"exchange": 0.8}
    screened = world.client_a.post(
        reverse("api:screen"), {"key_id": rfc_key.key_id, "tokens": [token_for("x1")]}, format="json"
    ).json()["results"][0]
    by_sector = {c["sector"]: c["sector_precision"] for c in screened["counterparts"]}
    assert by_sector == {"exchange": 0.8, "ngo": None}  # one NGO: suppressed


def test_precision_needs_a_reading_scope(world) -> None:
    _, secret = ApiKeyFactory.with_secret(organisation=world.org_a, scopes=["screen"])
    assert world.client_for(secret).get(PRECISION).status_code == 403


def test_a_silent_reporter_neither_counts_in_nor_moves_its_sectors_figure(world, rfc_key, settings) -> None:
    settings.VIGIL_STATISTICS_K = 2
    named, watcher = (OrganisationFactory(name=name, sector="law_enforcement") for name in ("Unit", "Watch"))
    report(named, rfc_key.key_id, token_for("n"), visibility="named")
    report(world.org_a, rfc_key.key_id, token_for("n"), token_for("w"), visibility="named")
    before = sector_precision(sectors={"law_enforcement"})
    assert before == {"law_enforcement": None}  # one organisation with figures: suppressed

    report(watcher, rfc_key.key_id, token_for("w"), visibility="silent")
    assert Review.objects.filter(organisation=watcher).exists()  # told of its match, as any reporter is
    assert sector_precision(sectors={"law_enforcement"}) == before
