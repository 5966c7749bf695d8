"""The visibility rules as a table: every visibility x audience x sector, from both sides."""

import pytest
from django.urls import reverse

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.models import Match, MatchStatus
from apps.matching.reporting import report_submit
from apps.matching.selectors import match_candidates_for, match_view, matched_pairs_visible_to
from apps.matching.visibility import counterpart_view, counterpart_views
from apps.organisations.models import Organisation, OrganisationStatus
from tests.factories import OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db

# Org A (bank, GB) reports under POLICY; org B (exchange, MT) reports the same token, named.
# AUDIENCE is resolved against org B: who is "the other side" of A's report.
AUDIENCES = {
    "everyone": {},
    "viewer's sector": {"audience_sectors": ["exchange"]},
    "another sector": {"audience_sectors": ["ngo", "law_enforcement"]},
    "viewer included": {"audience_sectors": ["ngo"], "audience_include": ["beta-exchange"]},
    "viewer excluded": {"audience_exclude": ["beta-exchange"]},
    "sector but excluded": {"audience_sectors": ["exchange"], "audience_exclude": ["beta-exchange"]},
}
IN_AUDIENCE = {"everyone", "viewer's sector", "viewer included"}
CASES = [(visibility, audience) for visibility in ("named", "anonymous", "silent") for audience in AUDIENCES]


def _expected_view_of_a(visibility: str, audience: str) -> dict | None:
    """What B may see of A's report; None means B must not learn the match exists."""
    if visibility == "silent" or audience not in IN_AUDIENCE:
        return None
    named = visibility == "named"
    return {
        "organisation": {"name": "Alpha Bank", "slug": "alpha-bank"} if named else None,
        "sector": "bank",
        "jurisdiction": "GB",
        "visibility": visibility,
    }


def _report_both(world, rfc_key, visibility: str, audience: str) -> str:
    token = token_for(f"{visibility}-{audience}")
    policy = {"visibility": visibility, **AUDIENCES[audience]}
    report_submit(actor=Actor(organisation=world.org_a), items=[report_item(token, rfc_key.key_id)], policy=policy)
    report_submit(
        actor=Actor(organisation=world.org_b),
        items=[report_item(token, rfc_key.key_id, category="sextortion")],
        policy={"visibility": "named"},
    )
    return token


def _pick(view: dict) -> dict:
    return {key: view[key] for key in ("organisation", "sector", "jurisdiction", "visibility")}


@pytest.mark.parametrize(("visibility", "audience"), CASES)
def test_matches_show_the_counterpart_only_as_its_policy_allows(world, rfc_key, visibility, audience) -> None:
    _report_both(world, rfc_key, visibility, audience)
    seen_by_b = world.client_b.get(reverse("api:matches")).json()["results"]
    expected = _expected_view_of_a(visibility, audience)
    if expected is None:
        assert seen_by_b == []
    else:
        assert [_pick(counterpart) for match in seen_by_b for counterpart in match["counterparts"]] == [expected]
    # From A's side: B's named report is visible whatever A's own policy, silent included.
    seen_by_a = world.client_a.get(reverse("api:matches")).json()["results"]
    assert [_pick(counterpart) for counterpart in seen_by_a[0]["counterparts"]] == [
        {
            "organisation": {"name": "Beta Exchange", "slug": "beta-exchange"},
            "sector": "exchange",
            "jurisdiction": "MT",
            "visibility": "named",
        }
    ]
    assert seen_by_a[0]["own_report"]["visibility"] == visibility


@pytest.mark.parametrize(("visibility", "audience"), CASES)
def test_screening_follows_the_same_rules(world, rfc_key, visibility, audience) -> None:
    token = _report_both(world, rfc_key, visibility, audience)
    response = world.client_b.post(reverse("api:screen"), {"key_id": rfc_key.key_id, "tokens": [token]}, format="json")
    [result] = response.json()["results"]
    expected = _expected_view_of_a(visibility, audience)
    assert result["reported_by_you"] is True
    assert result["reported"] is (expected is not None)
    assert [_pick(counterpart) for counterpart in result["counterparts"]] == ([expected] if expected else [])
    if expected is None:
        assert result["categories"] == []
        assert result["match_status"] is None


def test_many_counterparts_at_once_read_as_each_one_alone(world, rfc_key) -> None:
    policies = [{"visibility": "named"}, {"visibility": "anonymous"}, {"visibility": "silent"}]
    policies += [{"audience_sectors": ["ngo"]}, {"audience_exclude": ["beta-exchange"]}]
    for n, policy in enumerate(policies):
        report_submit(
            actor=Actor(organisation=world.org_a), items=[report_item(token_for(n), rfc_key.key_id)], policy=policy
        )
    report_submit(actor=Actor(organisation=world.org_b), items=[report_item(token_for(0), rfc_key.key_id)])
    reports = list(Report.objects.select_related("organisation").order_by("-pk"))
    alone = [counterpart_view(report, world.org_b) for report in reports]
    # B sees A's named and anonymous reports; its own, the silent and the out-of-audience ones are left out.
    assert counterpart_views(reports, world.org_b) == [view.as_dict() for view in alone if view is not None]
    assert [view["visibility"] for view in counterpart_views(reports, world.org_b)] == ["anonymous", "named"]


def test_the_tokens_a_batch_answers_as_matched_are_those_whose_match_view_shows(world, rfc_key) -> None:
    # Every policy of A's, a reporter suspended after matching, and a dismissed match, against B's reports.
    tokens = [_report_both(world, rfc_key, visibility, audience) for visibility, audience in CASES]
    suspended = OrganisationFactory(sector="exchange")
    for organisation in (suspended, world.org_b):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token_for("c"), rfc_key.key_id)])
    Organisation.objects.filter(pk=suspended.pk).update(status=OrganisationStatus.SUSPENDED)
    Match.objects.filter(token=tokens[0]).update(status=MatchStatus.DISMISSED)
    pairs = {(rfc_key.key_id, token) for token in [*tokens, token_for("c"), token_for("never")]}
    for viewer in Organisation.objects.all():
        candidates = match_candidates_for(organisation=viewer)
        shown = {(m.key_id, m.token) for m in candidates if match_view(m, viewer) is not None}
        assert matched_pairs_visible_to(organisation=viewer, pairs=pairs) == shown & pairs
