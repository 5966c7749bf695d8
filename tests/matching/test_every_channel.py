"""Every channel, byte for byte: another member's silent or out-of-audience reports change nothing Alpha sees.

Each test plays one story twice on the same clock — once with a hidden reporter (a police unit
whose reports Alpha may not see) acting between Alpha's steps, once without — and compares
everything Alpha can observe: API answers, lists, counts, statuses, timestamps, notifications,
webhook bodies, e-mails and audit events. Public ids are random-looking per row, so both runs
are compared with each id replaced by the order in which it first appears; that the ids are
opaque is specified separately below.
"""

import itertools
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from vigil_client import recordcrypto as rc

from apps.common.actors import Actor
from apps.common.public_ids import PATTERN
from apps.indicators.models import Report
from apps.matching.reporting import report_submit, report_withdraw
from apps.matching.screen_tallies import screen_tallies_seal
from apps.organisations.models import Organisation
from apps.records.models import Record
from apps.records.services import entries_write, record_create
from apps.routing.delivery import _email_text, webhook_body
from apps.routing.models import Notification
from tests.factories import ApiKeyFactory, OrganisationFactory, report_item, token_for

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
HIDDEN_POLICIES = {
    "silent": {"visibility": "silent"},
    "out of audience (sector)": {"visibility": "named", "audience_sectors": ["exchange", "law_enforcement"]},
    "out of audience (excluded)": {"visibility": "named", "audience_exclude": ["alpha-bank"]},
}
_PUBLIC_ID = re.compile(rf"\b{PATTERN}\b")
_CURSOR = re.compile(r"cursor=[^&\"]+")


@dataclass
class Stage:
    """The members, and a clock that each step moves on by a minute."""

    alpha: Organisation
    beta: Organisation
    police: Organisation
    key_id: str
    client: APIClient
    beta_client: APIClient
    seen: list[Any] = field(default_factory=list)
    minute: int = 0

    @contextmanager
    def at_next_minute(self) -> Iterator[None]:
        self.minute += 1
        with time_machine.travel(START + timedelta(minutes=self.minute), tick=False):
            yield

    def alpha_does(self, request: Callable[[APIClient], Any]) -> None:
        """Alpha acts through the API; its answer is part of what it observes."""
        with self.at_next_minute():
            response = request(self.client)
            self.seen.append((response.status_code, response.json()))

    def others_do(self, act: Callable[[], Any]) -> None:
        with self.at_next_minute():
            act()

    def report(self, organisation: Organisation, *tokens: str, **policy: Any) -> None:
        items = [report_item(token, self.key_id) for token in tokens]
        report_submit(actor=Actor(organisation=organisation), items=items, policy=policy)

    def withdraw(self, organisation: Organisation, *tokens: str) -> None:
        reports = list(Report.objects.filter(organisation=organisation, token__in=tokens))
        report_withdraw(actor=Actor(organisation=organisation), reports=reports)

    def alpha_observes(self) -> str:
        """Everything Alpha can read at the end, canonicalised for comparison."""
        with self.at_next_minute():
            screen_tallies_seal(now=timezone.now() + timedelta(minutes=2))  # as the sealing job would, later
            for name in ("reports", "matches", "notifications", "audit-events", "disclosures"):
                self.seen.append(self.client.get(reverse(f"api:{name}")).json())
            for match in self.client.get(reverse("api:matches")).json()["results"]:
                self.seen.append(self.client.get(reverse("api:match", args=[match["id"]])).json())
            for notification in Notification.objects.filter(organisation=self.alpha).order_by("id"):
                self.seen += [json.loads(webhook_body(notification)), _email_text(notification)]
        return canonical(self.seen)


def canonical(seen: list[Any]) -> str:
    text = _CURSOR.sub("cursor=…", json.dumps(seen, sort_keys=True, default=str, indent=1))
    names: dict[str, str] = {}
    return _PUBLIC_ID.sub(lambda found: names.setdefault(found.group(), f"<id {len(names)}>"), text)


@pytest.fixture
def stage(db, rfc_key, settings) -> Stage:
    settings.VIGIL_FLOOD_THRESHOLD = 3  # two visible reporters plus a hidden one would trip it
    alpha = OrganisationFactory(name="Alpha Bank", sector="bank", jurisdiction="GB")
    beta = OrganisationFactory(name="Beta Exchange", sector="exchange", jurisdiction="MT")
    police = OrganisationFactory(name="Police Unit", sector="law_enforcement", jurisdiction="GB")
    clients = []
    for organisation in (alpha, beta):
        _, secret = ApiKeyFactory.with_secret(organisation=organisation, scopes=["report", "screen", "read", "manage"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        clients.append(client)
    return Stage(alpha, beta, police, rfc_key.key_id, *clients)


def twice(stage: Stage, story: Callable[[Stage, Callable[[Callable[[], Any]], None]], None]) -> tuple[str, str]:
    """Alpha's observations with the hidden reporter acting, then without (the first run rolled back)."""
    observed = []
    for hidden_acts in (True, False):
        stage.seen, stage.minute = [], 0
        with transaction.atomic():
            story(stage, stage.others_do if hidden_acts else lambda act: stage.others_do(lambda: None))
            observed.append(stage.alpha_observes())
            transaction.set_rollback(True)
    return observed[0], observed[1]


def _post_reports(tokens: list[str], key_id: str) -> Callable[[APIClient], Any]:
    body = {"items": [report_item(token, key_id) for token in tokens], "policy": {"visibility": "named"}}
    return lambda client: client.post(reverse("api:reports"), body, format="json")


@pytest.fixture(params=list(HIDDEN_POLICIES))
def hidden(request) -> dict[str, Any]:
    return dict(HIDDEN_POLICIES[request.param])


def test_reporting_answers_and_matches_do_not_count_hidden_reports(stage: Stage, hidden) -> None:
    t = [token_for(f"report-{n}") for n in range(5)]

    def story(s: Stage, hidden_act) -> None:
        s.others_do(lambda: s.report(s.beta, t[0], t[3], visibility="named"))
        hidden_act(lambda: s.report(s.police, t[0], t[1], t[2], **hidden))
        # t[0]: Beta and the hidden unit; t[1], t[2]: only the hidden unit; t[4]: nobody.
        s.alpha_does(_post_reports([t[0], t[1], t[2], t[4]], s.key_id))
        hidden_act(lambda: s.withdraw(s.police, t[1]))
        s.alpha_does(lambda client: client.delete(f"{reverse('api:reports')}?token={t[1]}"))
        s.alpha_does(_post_reports([t[1]], s.key_id))
        # A hidden join of a visible match must not move its dates or status.
        s.alpha_does(_post_reports([t[3]], s.key_id))
        hidden_act(lambda: s.report(s.police, t[3], **hidden))
        hidden_act(lambda: s.report(s.police, t[2], category="trafficking", **hidden))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    assert '"matched": 1' in without  # the story does reach matches Alpha may see


def test_screening_answers_sightings_and_their_audit_do_not_count_hidden_reports(stage: Stage, hidden) -> None:
    t = [token_for(f"screen-{n}") for n in range(4)]

    def story(s: Stage, hidden_act) -> None:
        s.others_do(lambda: s.report(s.beta, t[0], t[1], visibility="anonymous"))
        hidden_act(lambda: s.report(s.police, t[1], t[2], **hidden))
        body = {"key_id": s.key_id, "tokens": t, "record_sighting": True}
        s.alpha_does(lambda client: client.post(reverse("api:screen"), body, format="json"))
        hidden_act(lambda: s.report(s.police, t[0], **hidden))
        s.alpha_does(lambda client: client.post(reverse("api:screen"), body, format="json"))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    assert '"reported": true' in without and '"screen.checked"' in without


def test_notifications_webhooks_and_email_do_not_depend_on_hidden_reports(stage: Stage, hidden) -> None:
    t = [token_for(f"notify-{n}") for n in range(3)]

    def story(s: Stage, hidden_act) -> None:
        s.alpha_does(_post_reports(t, s.key_id))
        # The hidden unit makes matches with Alpha first: Beta joining later is still news of a new match,
        # and three reporters (one hidden) must not hold the notification back as a flood.
        hidden_act(lambda: s.report(s.police, t[0], t[1], **hidden))
        s.others_do(lambda: s.report(s.beta, t[0], t[1], visibility="named"))
        hidden_act(lambda: s.withdraw(s.police, t[0]))
        hidden_act(lambda: s.report(s.police, t[2], **hidden))
        s.others_do(lambda: s.report(s.beta, t[0], visibility="named", tlp="red"))  # a correction Alpha hears of
        s.others_do(lambda: s.withdraw(s.beta, t[1]))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    assert '"match.created"' in without and '"match.retracted"' in without and '"match.corrected"' in without


def test_disclosure_and_the_audit_trail_show_alpha_only_its_own_people(stage: Stage, hidden) -> None:
    t = token_for("disclose")

    def story(s: Stage, hidden_act) -> None:
        s.others_do(lambda: s.report(s.beta, t, visibility="anonymous"))
        hidden_act(lambda: s.report(s.police, t, **hidden))
        s.alpha_does(_post_reports([t], s.key_id))
        match = s.client.get(reverse("api:matches")).json()["results"][0]
        [counterpart] = match["counterparts"]
        ask = {"match": match["id"], "participant": counterpart["participant"], "legal_basis": "safe_harbour"}
        s.alpha_does(
            lambda client: client.post(reverse("api:disclosures"), {**ask, "message": "SAR 2026-7"}, format="json")
        )
        [incoming] = s.beta_client.get(reverse("api:disclosures")).json()["results"]
        approve = reverse("api:disclosure-approve", args=[incoming["id"]])
        s.others_do(lambda: s.beta_client.post(approve, {"case_note": "our case 12"}, format="json"))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    assert '"approved"' in without


def test_a_hidden_reporter_is_never_shown_even_when_it_completes_a_match(stage: Stage, hidden) -> None:
    token = token_for("alone")
    stage.report(stage.police, token, **hidden)
    stage.alpha_does(_post_reports([token], stage.key_id))
    status, answer = stage.seen[-1]
    assert (status, answer["matched"], answer["reports"][0]["matched"]) == (201, 0, False)
    assert stage.client.get(reverse("api:matches")).json()["results"] == []
    assert not Notification.objects.filter(organisation=stage.alpha).exists()


def test_public_ids_are_opaque_and_unrelated_for_consecutive_rows(stage: Stage) -> None:
    tokens = [token_for(f"opaque-{n}") for n in range(3)]
    stage.alpha_does(_post_reports(tokens, stage.key_id))
    _, answer = stage.seen[-1]
    ids = [item["id"] for item in answer["reports"]]
    assert all(re.fullmatch(PATTERN, report_id) for report_id in ids)
    assert len({report_id[4:10] for report_id in ids}) == 3  # no shared prefix that would betray an order
    # Consecutive rows' ids differ throughout, as enciphered values do, not in a counter's last places.
    for first, second in itertools.combinations(ids, 2):
        assert sum(a != b for a, b in zip(first[4:], second[4:], strict=True)) > len(first[4:]) // 2


def test_one_members_reports_are_not_linkable_through_counterpart_handles(stage: Stage) -> None:
    named, anonymous = token_for("named"), token_for("anon")
    stage.report(stage.beta, named, visibility="named")
    stage.report(stage.beta, anonymous, visibility="anonymous")
    stage.alpha_does(_post_reports([named, anonymous], stage.key_id))
    matches = stage.client.get(reverse("api:matches")).json()["results"]
    handles = {match["counterparts"][0]["participant"] for match in matches}
    assert len(handles) == 2
    beta_view = stage.beta_client.get(reverse("api:matches")).json()["results"]
    assert handles.isdisjoint({match["counterparts"][0]["participant"] for match in beta_view})


def _record_bodies(slug: str, tokens: list[str], key_id: str) -> tuple[dict, dict]:
    """A record's creation and its entries, made once so that both runs send the same bytes."""
    public = rc.keypair()[1]
    record_key = rc.new_record_key()
    create = {
        "public_key": public.hex(),
        "wrapped_key": rc.wrap_record_key(public, record_key, organisation=slug, generation=1),
        "key_check": rc.key_check(record_key, organisation=slug, generation=1),
        "recovery_public_key": rc.keypair()[1].hex(),
        "recovery_wrapped_key": rc.wrap_record_key(public, record_key, organisation=slug, generation=1),
    }
    entries = [
        {"key_id": key_id, "token": token, "generation": 1, "ciphertext": rc.encrypt_entry(
            record_key, {"key_id": key_id, "token": token, "address": f"wallet {n}"}, organisation=slug, generation=1)}
        for n, token in enumerate(tokens)
    ]  # fmt: skip
    return create, {"entries": entries}


def test_the_shared_record_does_not_depend_on_hidden_reports_or_other_records(stage: Stage, hidden) -> None:
    t = [token_for(f"record-{n}") for n in range(3)]
    create, entries = _record_bodies(stage.alpha.slug, t, stage.key_id)
    police_create, police_entries = _record_bodies(stage.police.slug, t, stage.key_id)
    police_key, _ = ApiKeyFactory.with_secret(organisation=stage.police, scopes=["report", "read"])
    police = Actor(organisation=stage.police, api_key=police_key)

    def police_keeps_a_record() -> None:
        record_create(actor=police, organisation=stage.police, wrapped_private_key=None, **police_create)
        entries_write(actor=police, record=Record.objects.get(organisation=stage.police), **police_entries)

    def story(s: Stage, hidden_act) -> None:
        s.alpha_does(_post_reports(t, s.key_id))
        hidden_act(lambda: s.report(s.police, t[0], t[1], **hidden))
        s.alpha_does(lambda client: client.post(reverse("api:record"), create, format="json"))
        hidden_act(police_keeps_a_record)
        s.alpha_does(lambda client: client.put(reverse("api:record-entries"), entries, format="json"))
        lookup = {"items": [{"key_id": s.key_id, "token": token} for token in t]}
        s.alpha_does(lambda client: client.post(reverse("api:record-entry-lookup"), lookup, format="json"))
        for name in ("record", "record-members", "record-entries"):
            s.alpha_does(lambda client, name=name: client.get(reverse(f"api:{name}")))

    with_hidden, without = twice(stage, story)
    assert with_hidden == without
    assert entries["entries"][0]["ciphertext"] in without  # the story does read Alpha's own entries
