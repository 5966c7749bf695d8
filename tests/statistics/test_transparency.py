"""The transparency report: each section counts what happened in the period, under the same suppression, and
the report renders to HTML and to a PDF whose text holds every published figure."""

import io
import re
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from apps.common.actors import SYSTEM, Actor
from apps.common.public_ids import public_id
from apps.matching.models import DisclosureRequest, Match
from apps.matching.reporting import report_submit
from apps.matching.screen_tallies import screen_tallies_seal
from apps.matching.services import screen
from apps.oprf.models import EvaluationUsage
from apps.outcomes.models import Dispute, Review
from apps.statistics.models import Release
from apps.statistics.periods import period_current_quarter, period_parse
from apps.statistics.presentation import HIDDEN
from apps.statistics.report import report_context
from apps.statistics.selectors import release_view
from apps.statistics.services import government_request_record, release_create
from tests.factories import OrganisationFactory, report_item, token_for
from tests.statistics.conftest import PERIOD
from tests.statistics.test_suppression import attack

pytestmark = pytest.mark.django_db


def table(release, name: str, *, unsuppressed: bool = True) -> dict:
    return {t["name"]: t for t in release_view(release, unsuppressed=unsuppressed)["tables"]}[name]


def value(release, name: str, column: str, row: str = "all", *, unsuppressed: bool = True) -> object:
    rows = {r["key"]: r for r in table(release, name, unsuppressed=unsuppressed)["rows"]}
    return rows[row]["cells"][column]["value"]


def test_screenings_count_every_check_and_sightings_leave_out_silently_watched_wallets(world, rfc_key) -> None:
    police = OrganisationFactory(sector="law_enforcement")
    report_submit(actor=Actor(organisation=world.org_b), items=[report_item(token_for("seen"), rfc_key.key_id)])
    report_submit(actor=Actor(organisation=police), items=[report_item(token_for("watched"), rfc_key.key_id)],
                  policy={"visibility": "silent"})  # fmt: skip
    tokens = [token_for("seen"), token_for("watched"), token_for("unknown")]
    screen(actor=Actor(organisation=world.org_a), key_id=rfc_key.key_id, tokens=tokens, record_sighting=True)
    screen(actor=Actor(organisation=world.org_b), key_id=rfc_key.key_id, tokens=tokens[:1], record_sighting=False)
    period = period_current_quarter(timezone.now().date())
    release = release_create(actor=SYSTEM, period=period)
    assert (value(release, "screenings", "requests"), value(release, "screenings", "wallets")) == (2, 4)
    assert (value(release, "sightings", "sightings"), value(release, "sightings", "wallets")) == (1, 1)
    assert value(release, "key-rotations", "rotations") == 1  # the RFC key, activated now
    # Once the minute's tallies are sealed into the audit trail, they are counted there, once.
    assert screen_tallies_seal(now=timezone.now() + timedelta(minutes=2)) == 2
    sealed = release_create(actor=SYSTEM, period=period)
    assert (value(sealed, "screenings", "requests"), value(sealed, "screenings", "wallets")) == (2, 4)


def test_disclosure_requests_are_counted_by_what_became_of_them_in_the_period(world) -> None:
    match = Match.objects.create(key_id="k", token=token_for("asked"))
    report = world.org_b.reports.create(key_id="k", token=token_for("asked"), namespace="btc", category="other",
                                        visibility="anonymous", expires_at=timezone.now())  # fmt: skip
    inside = PERIOD.start_at + timedelta(days=5)
    for status in ("pending", "approved", "refused", "refused"):
        DisclosureRequest.objects.create(
            match=match, token=match.token, requester=world.org_a, target_report=report, target=world.org_b,
            legal_basis="consent", message="?", status=status, created_at=inside,
            expires_at=inside + timedelta(days=14),
            answered_at=None if status == "pending" else inside + timedelta(days=1),
        )  # fmt: skip
    release = release_create(actor=SYSTEM, period=PERIOD)
    counts = {key: value(release, "disclosures", "requests", key) for key in ("requested", "approved", "refused")}
    assert counts == {"requested": 4, "approved": 1, "refused": 2}
    assert value(release, "disclosures", "requests", "requested", unsuppressed=False) is None  # two organisations


def test_evaluation_volume_is_the_sum_of_the_days_in_the_period(world) -> None:
    EvaluationUsage.objects.create(organisation=world.org_a, day=date(2026, 7, 3), count=1200)
    EvaluationUsage.objects.create(organisation=world.org_b, day=date(2026, 9, 30), count=34)
    EvaluationUsage.objects.create(organisation=world.org_b, day=date(2026, 10, 1), count=999)
    assert value(release_create(actor=SYSTEM, period=PERIOD), "evaluations", "evaluations") == 1234


def test_government_requests_of_a_kind_below_k_are_hidden_and_cannot_be_worked_out(db) -> None:
    received = PERIOD.start + timedelta(days=10)
    for outcome in ["complied"] * 4 + ["refused"] * 2:
        government_request_record(actor=SYSTEM, received_on=received, authority="court", jurisdiction="GB",
                                  kind="data", outcome=outcome)  # fmt: skip
    government_request_record(actor=SYSTEM, received_on=received, authority="government", jurisdiction="US",
                              kind="preservation", outcome="pending")  # fmt: skip
    release = release_create(actor=SYSTEM, period=PERIOD, k=5)
    members = table(release, "government-requests", unsuppressed=False)
    assert members["total"]["cells"]["received"] == {"value": 7, "suppressed": False}
    # Court's 6 alone would give away the government's 1 (7 - 6): it is hidden too.
    court = {r["key"]: r for r in members["rows"]}["court"]["cells"]
    assert court["received"] == {"value": None, "suppressed": True}
    assert value(release, "government-requests", "received", "court") == 6
    assert attack(release_view(release), 5) == []


def figures_of(release) -> list[str]:
    """Every published figure of the report as it is printed."""
    shown = []
    for section in report_context(release)["sections"]:
        for grid in section["tables"]:
            for row in [*grid["rows"], *([grid["total"]] if grid["total"] else [])]:
                shown += [cell["text"] for cell in row["cells"] if cell["text"] and cell["text"] != HIDDEN]
    return shown


def test_the_command_writes_the_report_as_html_and_a_pdf_whose_text_holds_every_figure(consortium, tmp_path) -> None:
    government_request_record(actor=SYSTEM, received_on=PERIOD.start, authority="court", jurisdiction="GB",
                              kind="data", outcome="complied")  # fmt: skip
    call_command("transparency_report", "--period", "2026Q3", "--out", str(tmp_path))
    html, pdf = sorted(tmp_path.iterdir(), key=lambda path: path.suffix)
    assert (html.suffix, pdf.suffix) == (".html", ".pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    release = Release.objects.get()
    figures = figures_of(release)
    assert len(figures) > 50
    words = re.findall(r"[\d,.]+", text)
    for figure in figures:
        assert figure in words, figure
    for heading in ("Members by sector", "Government and court requests received", "Parameters of the release"):
        assert heading in text and heading in html.read_text()
    assert "<svg" in html.read_text() and f"k\n{release.k}: no published cell" in text


def test_the_command_uses_the_newest_release_of_the_period_unless_told_to_make_one(consortium, tmp_path) -> None:
    first = release_create(actor=SYSTEM, period=period_parse("2026Q3"))
    call_command("transparency_report", "--period", "2026Q3", "--out", str(tmp_path / "a"))
    names = {path.name for path in (tmp_path / "a").iterdir()}
    assert names == {f"vigil-transparency-2026Q3-{public_id('release', first.pk)}.{fmt}" for fmt in ("html", "pdf")}
    assert Release.objects.count() == 1
    call_command("transparency_report", "--period", "2026Q3", "--out", str(tmp_path / "b"), "--new")
    assert Release.objects.count() == 2


def test_outcomes_disputes_and_frozen_funds_count_what_was_recorded_and_never_a_silent_reporters_act(
    world, rfc_key
) -> None:
    police = OrganisationFactory(sector="law_enforcement")
    token = token_for("acted-on")
    for organisation, visibility in ((world.org_a, "named"), (world.org_b, "named"), (police, "silent")):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token, rfc_key.key_id)],
                      policy={"visibility": visibility})  # fmt: skip
    match = Match.objects.get(token=token)
    recorded = timezone.now()
    for organisation, outcome, amount in ((world.org_a, "funds_frozen", "0.5"), (world.org_b, "sar_filed", None),
                                          (police, "funds_frozen", "9")):  # fmt: skip
        review = {"outcome": outcome, "amount": amount, "currency": "btc" if amount else "", "recorded_at": recorded}
        Review.objects.update_or_create(match=match, token=match.token, organisation=organisation, defaults=review)
    Dispute.objects.create(match=match, token=token, disputer=world.org_b, disputer_report=world.org_b.reports.get(),
                           report=world.org_a.reports.get(), reason="?", deadline=recorded,
                           state="undefended")  # fmt: skip

    release = release_create(actor=SYSTEM, period=period_current_quarter(recorded.date()))
    assert value(release, "outcomes", "reviews", "funds_frozen") == 1  # the silent unit's freeze is not published
    assert value(release, "outcomes", "reviews", "sar_filed") == 1
    assert table(release, "outcomes")["total"]["cells"]["reviews"]["value"] == 2
    assert value(release, "disputes", "disputes", "undefended") == 1
    assert value(release, "frozen-amounts", "amount", "BTC") == 0.5
    # Two organisations are behind each of these: members see them suppressed, and no frozen currency at all.
    assert table(release, "outcomes", unsuppressed=False)["total"]["cells"]["reviews"]["value"] is None
    assert table(release, "frozen-amounts", unsuppressed=False)["rows"] == []
