"""Suppression holds against subtraction, and a silent report that stays below k changes nothing a member sees."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.common.actors import SYSTEM
from apps.common.public_ids import public_id
from apps.organisations.models import Role
from apps.statistics.selectors import release_view
from apps.statistics.services import release_create
from tests.factories import ApiKeyFactory, MembershipFactory, OrganisationFactory, token_for
from tests.portal.conftest import give_second_factor
from tests.statistics.conftest import PERIOD, Consortium

pytestmark = pytest.mark.django_db
K = 5
OUTCOMES = ("pending", "complied", "partly", "refused")


def attack(view: dict, k: int) -> list[str]:
    """Everything a member could pin down by subtracting published cells from published totals: a lone hidden
    cell, or hidden cells that together hold (at least) a positive number below k."""
    tables = {table["name"]: table for table in view["tables"]}
    lines = []
    for table in view["tables"]:
        if table["total"] is None:
            continue
        for column in table["columns"]:
            total = table["total"]["cells"].get(column["name"])
            lines.append(
                (f"{table['name']}/{column['name']}", [r["cells"][column["name"]] for r in table["rows"]], total)
            )
    months = tables["wallets-by-month"]
    for row in [*months["rows"], months["total"]]:
        cells = row["cells"]
        lines.append((f"wallets-by-month/{row['key']}", [cells["new"], cells["recurring"]], cells["wallets"]))
    for row in tables["categories-by-month"]["rows"]:
        wallets = {r["key"]: r for r in months["rows"]}[row["key"]]["cells"]["wallets"]
        lines.append((f"categories-by-month/{row['key']}", list(row["cells"].values()), wallets))
    requests = tables["government-requests"]
    for row in [*requests["rows"], requests["total"]]:
        cells = row["cells"]
        lines.append((f"government-requests/{row['key']}", [cells[o] for o in OUTCOMES], cells["received"]))
    found = []
    for name, cells, total in lines:
        hidden = [cell for cell in cells if cell["suppressed"]]
        if total is None or total["suppressed"] or not hidden:
            continue
        remainder = total["value"] - sum(cell["value"] for cell in cells if not cell["suppressed"])
        if len(hidden) == 1:
            found.append(f"{name}: the one hidden cell is about {remainder}")
        elif 0 < remainder < k:
            found.append(f"{name}: the hidden cells hold {remainder} or more together")
    return found


def small_world(consortium_members: list, at: datetime) -> None:
    """72 wallets of eight members: 40 on btc, 30 on evm, 2 on xmr (from two members only)."""
    world = Consortium(consortium_members, consortium_members[0])
    for n in range(72):
        namespace = "btc" if n < 40 else "evm" if n < 70 else "xmr"
        count = len(consortium_members)
        reporters = [consortium_members[(n + i) % count] for i in range(2)] if n < 70 else consortium_members[:2]
        for organisation in reporters:
            world.report(organisation, token_for(f"small-{n}"), at, namespace=namespace)


@pytest.fixture
def members(db) -> list:
    sectors = ["bank", "bank", "exchange", "exchange", "ngo", "law_enforcement", "bank", "exchange"]
    return [OrganisationFactory(sector=s, jurisdiction="GB") for s in sectors]


def test_a_lone_small_cell_takes_the_next_smallest_with_it_so_the_total_gives_neither_away(members) -> None:
    small_world(members, PERIOD.start_at + timedelta(days=3))
    release = release_create(actor=SYSTEM, period=PERIOD, k=K)
    member = {t["name"]: t for t in release_view(release)["tables"]}["wallets-by-namespace"]
    full = {t["name"]: t for t in release_view(release, unsuppressed=True)["tables"]}["wallets-by-namespace"]
    shown = {row["key"]: row["cells"]["wallets"]["value"] for row in member["rows"]}
    reasons = {row["key"]: row["cells"]["wallets"]["reason"] for row in full["rows"]}
    assert shown["btc"] == 40 and member["total"]["cells"]["wallets"]["value"] == 72
    # Without evm hidden too, 72 - 40 - 30 = 2 would be the xmr cell, from two members.
    assert (shown["evm"], reasons["evm"], reasons["xmr"]) == (None, "complementary", "primary")
    assert attack(release_view(release), K) == []


def test_no_published_table_or_total_of_the_consortium_gives_a_suppressed_cell_away(consortium) -> None:
    release = release_create(actor=SYSTEM, period=PERIOD, k=K)
    view = release_view(release)
    assert attack(view, K) == []
    suppressed = [c for t in view["tables"] for r in t["rows"] for c in r["cells"].values() if c and c["suppressed"]]
    assert suppressed, "nothing was suppressed: the attack proved nothing"


def observed(release, api: APIClient, portal: Client) -> str:
    """Everything the member reads of a release: the API's answer, its portal page and every CSV."""
    release_id = public_id("release", release.pk)
    seen = [api.get(reverse("api:statistics-release", args=[release_id])).json()]
    seen.append(api.get(reverse("api:statistics")).json()["results"])
    seen.append(portal.get(reverse("portal:statistics")).content.decode())
    for table in seen[0]["tables"]:
        seen.append(portal.get(reverse("portal:statistics-csv", args=[release_id, table["name"]])).content.decode())
    text = json.dumps(seen, sort_keys=True).replace(release_id, "<release>")
    return re.sub(r'name=\\"csrfmiddlewaretoken\\" value=\\"[^"\\]+', "<csrf>", text)


def test_a_silent_report_below_k_leaves_a_members_statistics_byte_for_byte_unchanged(members) -> None:
    at = PERIOD.start_at + timedelta(days=3)
    small_world(members, at)
    police = OrganisationFactory(sector="law_enforcement", jurisdiction="GB")
    _, secret = ApiKeyFactory.with_secret(organisation=members[0], scopes=["read"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    analyst = MembershipFactory(organisation=members[0], role=Role.VIEWER).user
    give_second_factor(analyst)
    portal = Client()
    portal.force_login(analyst)
    world = Consortium(members, members[0])
    world.report(members[2], token_for("watched-before"), at, visibility="silent")
    seen = []
    for silent_report_made in (True, False):
        with transaction.atomic():
            if silent_report_made:
                # On a wallet others reported, and on a new one: the silent aggregate stays below k either way.
                world.report(police, token_for("small-3"), at + timedelta(days=1), visibility="silent")
                world.report(police, token_for("new-watch"), at + timedelta(days=2), visibility="silent")
            with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
                release = release_create(actor=SYSTEM, period=PERIOD, k=K)
                seen.append((observed(release, api, portal), release_view(release, unsuppressed=True)))
            transaction.set_rollback(True)
    assert "plot-months" in seen[0][0] and "<csrf>" in seen[0][0]
    assert seen[0][0] == seen[1][0]
    # The hub administrators' view does count it: the test above could have failed.
    silent = [{t["name"]: t for t in full["tables"]}["silent-watch"] for _, full in seen]
    assert [s["rows"][0]["cells"]["wallets"]["value"] for s in silent] == [3, 1]
