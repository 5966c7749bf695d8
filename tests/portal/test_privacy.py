"""The portal keeps the every-channel rule: another member's silent or out-of-audience reports leave the
matches list, each match's page and the dashboard of a member byte for byte as they would be without them.

Each story runs twice on the same clock, with and without the hidden reporter acting, and the HTML the
member's browser receives is compared after public ids are replaced by their order of appearance (they are
opaque per row) and CSRF tokens (fresh per response) are masked.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from apps.common.actors import Actor
from apps.common.public_ids import PATTERN
from apps.indicators.models import Report
from apps.matching.reporting import report_submit, report_withdraw
from apps.organisations.models import Role
from tests.factories import MembershipFactory, OrganisationFactory, report_item, token_for
from tests.portal.conftest import give_second_factor

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HIDDEN_POLICIES = {
    "silent": {"visibility": "silent"},
    "out of audience (sector)": {"visibility": "named", "audience_sectors": ["exchange", "law_enforcement"]},
    "out of audience (excluded)": {"visibility": "named", "audience_exclude": ["alpha-bank"]},
}
_PUBLIC_ID = re.compile(rf"\b{PATTERN}\b")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def canonical(pages: list[str]) -> str:
    text = _CSRF.sub('name="csrfmiddlewaretoken" value="…"', "\n".join(pages))
    names: dict[str, str] = {}
    return _PUBLIC_ID.sub(lambda found: names.setdefault(found.group(), f"<id {len(names)}>"), text)


class Stage:
    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self.alpha = OrganisationFactory(name="Alpha Bank", sector="bank", jurisdiction="GB")
        self.beta = OrganisationFactory(name="Beta Exchange", sector="exchange", jurisdiction="MT")
        self.police = OrganisationFactory(name="Police Unit", sector="law_enforcement", jurisdiction="GB")
        self.analyst = MembershipFactory(organisation=self.alpha, role=Role.ANALYST, user__username="ana").user
        give_second_factor(self.analyst)
        self.minute = 0

    @contextmanager
    def at_next_minute(self) -> Iterator[None]:
        self.minute += 1
        with time_machine.travel(START + timedelta(minutes=self.minute), tick=False):
            yield

    def act(self, action: Callable[[], Any]) -> None:
        with self.at_next_minute():
            action()

    def report(self, organisation: Any, *tokens: str, **policy: Any) -> None:
        items = [report_item(token, self.key_id) for token in tokens]
        report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)

    def withdraw(self, organisation: Any, *tokens: str) -> None:
        reports = list(Report.objects.filter(organisation=organisation, token__in=tokens))
        report_withdraw(actor=Actor(organisation=organisation), reports=reports)

    def alpha_sees(self) -> str:
        """The HTML of Alpha's dashboard, matches list and every match page it links to."""
        with self.at_next_minute():
            client = Client()
            client.force_login(self.analyst)
            pages = [client.get("/"), client.get(reverse("portal:matches"))]
            for match in pages[1].context["matches"]:
                pages.append(client.get(reverse("portal:match", args=[match["id"]])))
            assert all(page.status_code == 200 for page in pages)
            return canonical([page.content.decode() for page in pages])


def twice(stage: Stage, story: Callable[[Stage, Callable[[Callable[[], Any]], None]], None]) -> tuple[str, str]:
    seen = []
    for hidden_acts in (True, False):
        stage.minute = 0
        with transaction.atomic():
            story(stage, stage.act if hidden_acts else lambda action: stage.act(lambda: None))
            seen.append(stage.alpha_sees())
            transaction.set_rollback(True)
    return seen[0], seen[1]


@pytest.fixture(params=list(HIDDEN_POLICIES))
def hidden(request) -> dict[str, Any]:
    return dict(HIDDEN_POLICIES[request.param])


@pytest.fixture
def stage(rfc_key, settings) -> Stage:
    settings.VIGIL_FLOOD_THRESHOLD = 3  # two visible reporters plus a hidden one would trip it
    return Stage(rfc_key.key_id)


def test_hidden_reports_leave_the_dashboard_matches_and_match_pages_unchanged(stage: Stage, hidden) -> None:
    t = [token_for(f"portal-{n}") for n in range(5)]

    def story(s: Stage, hidden_act: Callable[[Callable[[], Any]], None]) -> None:
        s.act(lambda: s.report(s.beta, t[0], t[3], visibility="named"))
        s.act(lambda: s.report(s.beta, t[4], visibility="anonymous"))
        hidden_act(lambda: s.report(s.police, t[0], t[1], t[2], **hidden))
        s.act(lambda: s.report(s.alpha, t[0], t[1], t[2], t[4], visibility="named"))
        hidden_act(lambda: s.withdraw(s.police, t[1]))
        s.act(lambda: s.report(s.alpha, t[3], visibility="named"))
        # A hidden join of a visible match must not move its dates, status or counterparts.
        hidden_act(lambda: s.report(s.police, t[3], **hidden))
        hidden_act(lambda: s.report(s.police, t[4], category="trafficking", **hidden))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    # The story does reach what Alpha may see: three matches, one named and one anonymous counterpart.
    assert without.count("Match <code>") == 3
    assert "Beta Exchange" in without and "Anonymous exchange (MT)" in without
    assert "Police Unit" not in without and "law_enforcement" not in without
