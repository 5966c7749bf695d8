"""A release of the seeded consortium: every figure is what the raw rows give, and members see only what k allows."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.statistics.models import ImmutableError, Release
from apps.statistics.selectors import release_view
from apps.statistics.services import release_create
from apps.statistics.tasks import release_periodic
from tests.statistics.conftest import PERIOD
from tests.statistics.oracle import recompute

pytestmark = pytest.mark.django_db
K = 5


def cells(view: dict) -> dict[tuple[str, str, str], dict]:
    found = {}
    for table in view["tables"]:
        for row in [*table["rows"], *([table["total"]] if table["total"] else [])]:
            for column, cell in row["cells"].items():
                if cell is not None:
                    found[table["name"], row["key"], column] = cell
    return found


@pytest.fixture
def release(consortium) -> Release:
    return release_create(actor=SYSTEM, period=PERIOD, k=K)


def test_every_figure_is_what_the_raw_rows_give_and_none_is_published_below_k(release) -> None:
    # One independent recomputation (the dearest step of the suite) serves both checks.
    expected = recompute(PERIOD, K)
    actual = cells(release_view(release, unsuppressed=True))
    for key, (value, wallets, organisations) in expected.items():
        cell = actual[key]
        assert (cell["value"], cell["wallets"], cell["organisations"]) == (value, wallets, organisations), key
    recomputed_tables = {table for table, _, _ in expected}
    assert {key for key in actual if key[0] in recomputed_tables} == set(expected)

    member = cells(release_view(release))
    for key, (_, wallets, organisations) in expected.items():
        if key in member and not member[key]["suppressed"]:
            assert wallets is None or wallets >= K, key
            assert organisations is None or organisations >= K, key


def test_the_consortium_is_large_enough_that_most_figures_are_published_and_some_are_not(release) -> None:
    view = cells(release_view(release))
    assert view["overview", "all", "wallets"]["value"] > 1000
    published = [cell for cell in view.values() if not cell["suppressed"]]
    suppressed = [cell for cell in view.values() if cell["suppressed"]]
    assert len(published) > 50 and len(suppressed) > 20


def test_members_see_each_true_value_where_published_and_only_null_where_suppressed(release) -> None:
    member, full = cells(release_view(release)), cells(release_view(release, unsuppressed=True))
    for key, cell in member.items():
        assert set(cell) == {"value", "suppressed"}
        assert cell == {
            "value": None if full[key]["suppressed"] else full[key]["value"],
            "suppressed": full[key]["suppressed"],
        }


def test_a_currency_whose_row_is_suppressed_is_left_out_of_the_members_view(consortium) -> None:
    consortium.report(consortium.members[0], "f" * 64, PERIOD.start_at, value_amount=5, value_currency="XMR")
    release = release_create(actor=SYSTEM, period=PERIOD, k=K)
    values = {t["name"]: t for t in release_view(release)["tables"]}["values-received"]
    assert [row["key"] for row in values["rows"]] == ["BTC", "USD"]
    full = {t["name"]: t for t in release_view(release, unsuppressed=True)["tables"]}["values-received"]
    assert [row["key"] for row in full["rows"]] == ["BTC", "USD", "XMR"]


def test_a_release_is_dated_audited_and_records_its_parameters(release) -> None:
    assert (release.period_start.isoformat(), release.period_end.isoformat()) == ("2026-07-01", "2026-10-01")
    assert release.parameters["k"] == K and release.parameters["epsilon"] is None
    event = AuditEvent.objects.get(action="statistics.released")
    assert (event.organisation_id, event.object_id, event.data["period"]) == (None, str(release.pk), "2026Q3")


def test_a_release_cannot_be_changed_or_deleted(release) -> None:
    release.k = 1
    with pytest.raises(ImmutableError):
        release.save()
    with pytest.raises(ImmutableError):
        release.tables.first().delete()
    if connection.vendor == "postgresql":
        for statement in ("UPDATE statistics_release SET k = 1", "DELETE FROM statistics_releasetable"):
            with pytest.raises((InternalError, ProgrammingError)), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
    assert Release.objects.get().k == K


def test_noise_spends_the_budget_asked_for_and_records_it_per_table(consortium) -> None:
    release = release_create(actor=SYSTEM, period=PERIOD, k=K, epsilon=2.0)
    assert release.epsilon_spent == pytest.approx(2.0)
    per_table = release.parameters["epsilon_by_table"]
    assert sum(per_table.values()) == pytest.approx(2.0) and "overview" in per_table
    member, full = cells(release_view(release)), cells(release_view(release, unsuppressed=True))
    moved = [key for key, cell in member.items() if not cell["suppressed"] and cell["value"] != full[key]["value"]]
    assert moved, "noise moved no published count"
    assert all(member[key]["value"] >= 0 for key in moved)
    # Suppression is decided on the exact counts, so noise hides nothing more and reveals nothing more.
    assert [c["suppressed"] for c in member.values()] == [c["suppressed"] for c in full.values()]


def test_the_command_makes_a_release_of_the_period_named(consortium, capsys) -> None:
    call_command("statistics_release", "--period", "2026Q3", "--k", "6")
    release = Release.objects.get()
    assert (release.period_label, release.k) == ("2026Q3", 6)
    assert capsys.readouterr().out.startswith("rel_")


def test_the_command_refuses_an_unknown_period_clearly(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026Q4, 2026-11 or 2026"):
        call_command("statistics_release", "--period", "autumn")


def test_the_periodic_job_releases_the_twelve_months_to_date_with_the_hubs_budget(consortium, settings) -> None:
    settings.VIGIL_STATISTICS_EPSILON = 0.5
    with time_machine.travel(datetime(2026, 11, 30, 9, tzinfo=UTC), tick=False):
        release_periodic()
    release = Release.objects.get()
    assert (release.period_start, release.period_end) == (date(2025, 12, 1), date(2026, 12, 1))
    assert (release.k, release.epsilon, release.epsilon_spent) == (K, 0.5, pytest.approx(0.5))
