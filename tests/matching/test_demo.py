"""The demo: a first report of a demo wallet matches the exchange, and the police unit's silent watch stays unseen."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.common.actors import Actor
from apps.indicators.models import Report
from apps.matching.demo import DEMO_WALLETS, demo_tokens
from apps.matching.models import Match
from apps.matching.reporting import report_submit
from apps.matching.selectors import match_list_visible_to
from apps.organisations.demo import DEMO_CONSORTIUM
from apps.organisations.models import Organisation
from apps.outcomes.models import Dispute, Review
from apps.statistics.models import Release

pytestmark = pytest.mark.django_db


def test_load_demo_lists_the_reported_wallets_and_a_first_report_of_one_matches_the_exchange_only() -> None:
    out = StringIO()
    call_command("load_demo", "--wallets", "0", stdout=out)
    assert all(wallet.address in out.getvalue() for wallet in DEMO_WALLETS)
    bank = Organisation.objects.get(name="Northbridge Bank")
    wallet = DEMO_WALLETS[0]
    [(key_id, token)] = demo_tokens(Actor(organisation=bank), [wallet])  # as the portal makes it
    items = [{"token": token, "key_id": key_id, "namespace": wallet.namespace, "category": wallet.category}]
    assert report_submit(actor=Actor(organisation=bank), items=items).matched == 1
    [match] = match_list_visible_to(organisation=bank)
    assert [counterpart["organisation"]["name"] for counterpart in match["counterparts"]] == ["Coinharbor Exchange"]


def test_rerunning_load_demo_reports_nothing_twice() -> None:
    call_command("load_demo", "--wallets", "20", stdout=StringIO())
    exchange = Organisation.objects.get(name="Coinharbor Exchange")
    updated = list(exchange.reports.values_list("updated_at", flat=True))
    counts = [model.objects.count() for model in (Organisation, Report, Match, Review, Dispute, Release)]
    out = StringIO()
    call_command("load_demo", "--wallets", "20", stdout=out)
    assert list(exchange.reports.values_list("updated_at", flat=True)) == updated
    assert [model.objects.count() for model in (Organisation, Report, Match, Review, Dispute, Release)] == counts
    assert "loaded before" in out.getvalue()


def test_the_consortium_history_spans_months_and_each_match_forms_when_its_second_member_reported() -> None:
    call_command("load_demo", "--wallets", "20", stdout=StringIO())
    consortium = [name for name, *_ in DEMO_CONSORTIUM]
    months = {f"{at:%Y-%m}" for at in Report.objects.filter(organisation__name__in=consortium).values_list(
        "created_at", flat=True)}  # fmt: skip
    assert len(months) >= 6
    matches = Match.objects.filter(participants__organisation__name__in=consortium).distinct()
    assert matches.exists()
    for match in matches.prefetch_related("participants__report"):
        arrivals = sorted(p.report.active_since for p in match.participants.all())
        assert match.created_at == arrivals[1]
        assert all(p.joined_at == p.report.active_since for p in match.participants.all())
