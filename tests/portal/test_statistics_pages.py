"""Statistics pages: members see the suppressed view with server-drawn SVG plots and CSV of every table; hub
administrators see true values, compute releases, record government requests and download the transparency report."""

import csv
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from apps.audit.models import AuditEvent
from apps.common.actors import SYSTEM
from apps.common.public_ids import public_id
from apps.statistics.models import GovernmentRequest, Release
from apps.statistics.periods import period_parse
from apps.statistics.services import government_request_record, release_create
from tests.factories import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(portal) -> Release:
    """Seven wallets reported by two members: every figure of them comes from fewer than five organisations."""
    portal.report(portal.world.org_a, *[token_for(f"stat-{n}") for n in range(7)])
    portal.report(portal.world.org_b, token_for("stat-1"))
    return release_create(actor=SYSTEM, k=5)


def overview_cells(html: str) -> list[str]:
    table = re.search(r'<table class="statistics" id="table-overview">(.*?)</table>', html, re.S).group(1)
    return re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)


def test_a_member_sees_the_latest_release_suppressed_with_its_three_plots(dora, release) -> None:
    html = dora.get(reverse("portal:statistics")).content.decode()
    assert html.count("<svg") == 3
    assert all(f'id="plot-{name}"' in html for name in ("months", "categories", "overlap"))
    assert overview_cells(html) == ["suppressed"] * 4
    assert 'style="' not in html and "<script>" not in html  # the content security policy allows neither


def test_a_viewer_may_read_statistics_but_not_the_hub_pages(bob, release) -> None:
    assert bob.get(reverse("portal:statistics")).status_code == 200
    for name in ("portal:hub-statistics", "portal:hub-transparency", "portal:hub-government-requests"):
        assert bob.get(reverse(name)).status_code == 403


def test_every_table_downloads_as_csv_with_suppressed_cells_said_so(dora, ops, release) -> None:
    release_id = public_id("release", release.pk)
    body = dora.get(reverse("portal:statistics-csv", args=[release_id, "overview"])).content.decode()
    assert list(csv.reader(io.StringIO(body)))[1] == ["all", "All", *["suppressed"] * 4]
    full = ops.get(reverse("portal:hub-statistics-csv", args=[release_id, "overview"])).content.decode()
    assert list(csv.reader(io.StringIO(full)))[1][:4] == ["all", "All", "7", "primary"]
    html = dora.get(reverse("portal:statistics")).content.decode()
    for name in re.findall(r'id="table-([a-z-]+)"', html):
        assert dora.get(reverse("portal:statistics-csv", args=[release_id, name])).status_code == 200
    assert dora.get(reverse("portal:statistics-csv", args=[release_id, "nothing"])).status_code == 404


def test_a_hub_administrator_sees_true_values_and_computes_a_release(ops, release) -> None:
    html = ops.get(reverse("portal:hub-statistics")).content.decode()
    assert overview_cells(html)[0].startswith("7 <small>(hidden from members: primary)")
    response = ops.post(reverse("portal:hub-statistics"), {"period": "2026Q4", "k": "6", "epsilon": "0.5"})
    made = Release.objects.first()
    assert response.status_code == 302 and (made.period_label, made.k, made.epsilon) == ("2026Q4", 6, 0.5)
    assert ops.post(reverse("portal:hub-statistics"), {"period": "autumn"}).status_code == 400


def test_the_transparency_report_page_renders_the_release_and_its_pdf_holds_the_figures(ops, portal) -> None:
    government_request_record(actor=SYSTEM, received_on=period_parse("2026Q4").start, authority="court",
                              jurisdiction="gb", kind="data", outcome="refused")  # fmt: skip
    assert "No release covers 2026Q4" in ops.get(reverse("portal:hub-transparency") + "?period=2026Q4").content.decode()
    response = ops.post(reverse("portal:hub-transparency") + "?period=2026Q4", {"period": "2026Q4"})
    assert response.status_code == 302
    html = ops.get(response["Location"]).content.decode()
    assert "Vigil transparency report, 2026Q4" in html and html.count("<svg") == 3
    release_id = public_id("release", Release.objects.get().pk)
    pdf = ops.get(reverse("portal:hub-transparency-download", args=[release_id, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Government and court requests received" in text and release_id in text
    assert ops.get(reverse("portal:hub-transparency-download", args=[release_id, "exe"])).status_code == 404


def test_a_hub_administrator_records_a_government_request_and_its_outcome_audited(ops) -> None:
    form = {"received_on": "2026-11-02", "authority": "court", "jurisdiction": "GB", "kind": "data",
            "outcome": "pending", "summary": "Production order"}  # fmt: skip
    assert ops.post(reverse("portal:hub-government-requests"), form).status_code == 302
    recorded = GovernmentRequest.objects.get()
    url = reverse("portal:hub-government-request-outcome", args=[public_id("government_request", recorded.pk)])
    ops.post(url, {"outcome": "complied"})
    recorded.refresh_from_db()
    assert recorded.outcome == "complied"
    actions = list(AuditEvent.objects.filter(organisation_id=None).values_list("action", flat=True))
    assert {"government_request.recorded", "government_request.outcome_set"} <= set(actions)
    assert "Production order" in ops.get(reverse("portal:hub-government-requests")).content.decode()
