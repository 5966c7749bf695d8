"""The demo: a first report of a demo wallet matches the exchange, and the police unit's silent watch stays unseen."""

from io import StringIO

import pytest
from django.core.management import call_command

from apps.common.actors import Actor
from apps.matching.demo import DEMO_WALLETS, demo_tokens
from apps.matching.reporting import report_submit
from apps.matching.selectors import match_list_visible_to
from apps.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_load_demo_lists_the_reported_wallets_and_a_first_report_of_one_matches_the_exchange_only() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert all(wallet.address in out.getvalue() for wallet in DEMO_WALLETS)
    bank = Organisation.objects.get(name="Northbridge Bank")
    wallet = DEMO_WALLETS[0]
    [(key_id, token)] = demo_tokens(Actor(organisation=bank), [wallet])  # as the portal makes it
    items = [{"token": token, "key_id": key_id, "namespace": wallet.namespace, "category": wallet.category}]
    assert report_submit(actor=Actor(organisation=bank), items=items).matched == 1
    [match] = match_list_visible_to(organisation=bank)
    assert [counterpart["organisation"]["name"] for counterpart in match["counterparts"]] == ["Coinharbor Exchange"]


def test_rerunning_load_demo_reports_nothing_twice() -> None:
    call_command("load_demo", stdout=StringIO())
    exchange = Organisation.objects.get(name="Coinharbor Exchange")
    updated = list(exchange.reports.values_list("updated_at", flat=True))
    call_command("load_demo", stdout=StringIO())
    assert list(exchange.reports.values_list("updated_at", flat=True)) == updated
