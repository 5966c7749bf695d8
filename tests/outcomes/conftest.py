"""The outcomes world: Alpha Bank (A) and Beta Exchange (B) share a match; a police unit may watch silently."""

from typing import Any

import pytest
from django.urls import reverse

from apps.common.actors import Actor
from apps.matching.reporting import report_submit
from apps.organisations.models import Organisation
from tests.factories import OrganisationFactory, report_item, token_for
from tests.matching.test_every_channel import hidden, stage  # noqa: F401  (the twin-world fixtures)


def report(organisation: Organisation, key_id: str, *tokens: str, **policy: Any) -> None:
    items = [report_item(token, key_id) for token in tokens]
    report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)


@pytest.fixture
def police(db) -> Organisation:
    return OrganisationFactory(name="Police Unit", sector="law_enforcement", jurisdiction="GB")


@pytest.fixture
def shared(world, rfc_key) -> dict[str, Any]:
    """A and B (named) report one wallet: the match as A sees it."""
    report(world.org_a, rfc_key.key_id, token_for("shared"), visibility="named")
    report(world.org_b, rfc_key.key_id, token_for("shared"), visibility="named")
    return world.client_a.get(reverse("api:matches")).json()["results"][0]


def review_url(match_id: str) -> str:
    return reverse("api:match-review", args=[match_id])
