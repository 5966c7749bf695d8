"""Outcome pages: recording a review and disputing a report from the match page, answering a dispute on the
Outcomes page, and the organisation's own precision."""

import pytest
from django.urls import reverse

from apps.common.public_ids import public_id
from apps.indicators.models import Report
from apps.outcomes.models import Dispute, Review
from apps.routing.models import Notification
from tests.factories import token_for

pytestmark = pytest.mark.django_db


def test_an_analyst_records_an_outcome_on_the_match_page(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    answer = dora.post(reverse("portal:review-record", args=[match_id]), {"outcome": "sar_filed", "note": "SAR 7"})
    assert answer.status_code == 302
    review = Review.objects.get(organisation=portal.world.org_a)
    assert (review.outcome, review.note) == ("sar_filed", "SAR 7")
    assert "sar_filed" in dora.get(reverse("portal:match", args=[match_id])).content.decode()


def test_an_incomplete_outcome_is_refused_on_the_page(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    answer = dora.post(reverse("portal:review-record", args=[match_id]), {"outcome": "funds_frozen"})
    assert answer.status_code == 400
    assert "funds_frozen needs a positive amount" in answer.content.decode()
    assert Review.objects.get(organisation=portal.world.org_a).is_open


def test_the_match_page_shows_the_counterparts_outcome_without_the_name_of_an_anonymous_one(
    portal, dora, charlie
) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    b_match = Review.objects.get(organisation=portal.world.org_b).match
    charlie.post(reverse("portal:review-record", args=[public_id("match", b_match.pk)]), {"outcome": "account_closed"})
    html = dora.get(reverse("portal:match", args=[match_id])).content.decode()
    assert "account_closed" in html and "Beta Exchange" not in html


def test_a_viewer_sees_the_review_but_no_form_and_may_not_post(portal, bob) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    page = bob.get(reverse("portal:match", args=[match_id]))
    assert page.context["review"]["status"] == "open" and page.context["review_form"] is None
    assert bob.post(reverse("portal:review-record", args=[match_id]), {"outcome": "no_action"}).status_code == 403


def test_a_dispute_made_on_the_match_page_is_answered_on_the_outcomes_page(portal, dora, charlie) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    participant = dora.get(reverse("portal:match", args=[match_id])).context["counterparts"][0]["view"]["participant"]
    answer = dora.post(
        reverse("portal:dispute-open", args=[match_id]), {"participant": participant, "reason": "a hot wallet"}
    )
    assert answer.status_code == 302
    page = charlie.get(reverse("portal:outcomes"))
    [row] = page.context["disputes"]
    assert row["form"] is not None and "a hot wallet" in page.content.decode()
    answer = charlie.post(
        reverse("portal:dispute-resolve", args=[row["view"]["id"]]),
        {"resolution": "corrected", "category": "sextortion", "response": "recategorised"},
    )
    assert answer.status_code == 302
    assert Dispute.objects.get().state == "corrected"
    assert Report.objects.get(organisation=portal.world.org_b, token=token_for("shared")).category == "sextortion"
    assert Notification.objects.filter(organisation=portal.world.org_a, event="dispute.resolved").exists()


def test_only_the_disputed_reporter_answers_a_dispute(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    participant = dora.get(reverse("portal:match", args=[match_id])).context["counterparts"][0]["view"]["participant"]
    dora.post(reverse("portal:dispute-open", args=[match_id]), {"participant": participant, "reason": "wrong"})
    dispute_id = public_id("dispute", Dispute.objects.get().pk)
    answer = dora.post(reverse("portal:dispute-resolve", args=[dispute_id]), {"resolution": "confirmed"})
    assert answer.status_code == 400
    assert "Only the disputed report&#x27;s organisation answers" in answer.content.decode()
    assert Dispute.objects.get().state == "open"


def test_the_outcomes_page_shows_the_organisations_own_precision(portal, dora, charlie) -> None:
    match_id = portal.match_between_a_and_b(visibility="named")
    b_match = Review.objects.get(organisation=portal.world.org_b).match
    charlie.post(
        reverse("portal:review-record", args=[public_id("match", b_match.pk)]),
        {"outcome": "false_positive", "reason": "a hot wallet"},
    )
    figures = dora.get(reverse("portal:outcomes")).context["figures"]
    assert (figures["matched_reports"], figures["false_positives"], figures["precision"]) == (1, 1, 0.0)
    assert figures["sector_precision"] is None
    assert match_id
