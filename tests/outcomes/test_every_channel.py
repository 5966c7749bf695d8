"""Every channel, byte for byte, for outcomes: a hidden reporter's reviews, disputes and their results change
nothing Alpha sees — its review, the disputes it knows of, its precision, screening, inbox, webhooks,
e-mail, STIX export and audit events (the twin-world stage of tests/matching/test_every_channel.py)."""

import contextlib
import re

import pytest
from django.urls import reverse

from apps.common.actors import Actor
from apps.common.errors import Conflict
from apps.common.public_ids import public_id
from apps.matching.models import MatchParticipant
from apps.matching.visibility import participant_handle
from apps.organisations.models import Organisation
from apps.outcomes.disputes import dispute_open
from apps.outcomes.models import Review
from apps.outcomes.reviews import review_record
from apps.outcomes.tasks import close_undefended_disputes, remind_open_reviews
from tests.factories import token_for
from tests.matching.test_every_channel import Stage, _post_reports, twice

pytestmark = pytest.mark.django_db
_STIX_ID = re.compile(r"\b[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _police_disputes(s: Stage, organisation: Organisation, token: str) -> None:
    """The hidden unit disputes `organisation`'s report; refused whenever that reporter cannot see it."""
    rows = {row.organisation_id: row for row in MatchParticipant.objects.filter(match__token=token)}
    target = rows[organisation.pk]
    with contextlib.suppress(Conflict):
        dispute_open(
            actor=Actor(organisation=s.police),
            match_id=public_id("match", target.match_id),
            participant=participant_handle(target.report_id, s.police.pk),
            reason="not ours to say",
        )


def _records(organisation: Organisation, token: str, outcome: str, **fields: str) -> None:
    review = Review.objects.get(organisation=organisation, match__token=token)
    review_record(actor=Actor(organisation=organisation), review=review, outcome=outcome, **fields)


def _alpha_reads_outcomes(s: Stage, tokens: list[str]) -> None:
    for match in s.client.get(reverse("api:matches")).json()["results"]:
        s.alpha_does(lambda client, m=match: client.get(reverse("api:match-review", args=[m["id"]])))
    for name in ("reviews", "disputes", "outcomes-precision"):
        s.alpha_does(lambda client, n=name: client.get(reverse(f"api:{n}")))
    with s.at_next_minute():
        export = s.client.get(reverse("api:export-stix"))
        s.seen.append((export.status_code, _stix_ids_in_order(export.text)))
    body = {"key_id": s.key_id, "tokens": tokens}
    s.alpha_does(lambda client: client.post(reverse("api:screen"), body, format="json"))


def _stix_ids_in_order(text: str) -> str:
    """STIX ids are derived from public ids, so like them they are compared by order of first appearance."""
    names: dict[str, str] = {}
    return _STIX_ID.sub(lambda found: names.setdefault(found.group(), f"<stix {len(names)}>"), text)


def test_a_hidden_reporters_reviews_and_disputes_change_nothing_alpha_sees(stage: Stage, hidden, settings) -> None:
    settings.VIGIL_REVIEW_DAYS = 0  # every open review is due at the next run of the reminder
    settings.VIGIL_DISPUTE_DAYS = 0  # every dispute is undefended at the next run of the closer
    t = [token_for(f"outcome-{n}") for n in range(2)]
    undefended: list[int] = []

    def story(s: Stage, hidden_act) -> None:
        s.others_do(lambda: s.report(s.beta, *t, visibility="named"))
        hidden_act(lambda: s.report(s.police, *t, **hidden))
        s.alpha_does(_post_reports(t, s.key_id))
        hidden_act(lambda: _records(s.police, t[0], "false_positive", reason="a hot wallet"))
        hidden_act(lambda: _police_disputes(s, s.beta, t[0]))
        hidden_act(lambda: _police_disputes(s, s.alpha, t[1]))
        s.others_do(lambda: _records(s.beta, t[0], "account_closed"))
        s.alpha_does(
            lambda client: client.put(
                reverse("api:match-review", args=[public_id("match", _match_pk(t[1]))]),
                {"outcome": "false_positive", "reason": "exchange hot wallet"},
                format="json",
            )
        )
        s.others_do(lambda: undefended.append(close_undefended_disputes()))
        s.others_do(remind_open_reviews)
        _alpha_reads_outcomes(s, t)

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    # Out of Alpha's audience, the unit is seen by Beta: its dispute of Beta's report stands undefended.
    assert undefended == ([0, 0] if hidden["visibility"] == "silent" else [1, 0])
    assert '"account_closed"' in without and '"review.reminder"' in without


def _match_pk(token: str) -> int:
    return MatchParticipant.objects.filter(match__token=token).values_list("match_id", flat=True).first()
