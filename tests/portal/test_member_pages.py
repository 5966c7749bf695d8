"""Analysts' pages: the dashboard's figures, matches as the viewer may see them, reports withdrawn and corrected
through the reporting service, the inbox, and disclosure requests asked, answered and revealed."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.common.actors import Actor
from apps.common.public_ids import public_id
from apps.indicators.models import Report
from apps.matching.models import DisclosureRequest, Match, MatchStatus
from apps.matching.services import screen
from apps.oprf.models import EvaluationUsage
from apps.portal.views.common import PAGE_SIZE
from apps.routing.models import Notification
from tests.factories import token_for

pytestmark = pytest.mark.django_db


def test_the_dashboard_counts_what_the_organisation_may_see(portal, dora, settings) -> None:
    portal.match_between_a_and_b(token_for("one"))
    portal.report(portal.world.org_a, token_for("lonely"))
    portal.match_between_a_and_b(token_for("flood"))
    Match.objects.filter(token=token_for("flood")).update(status=MatchStatus.QUARANTINED)
    settings.VIGIL_FLOOD_THRESHOLD = 2
    EvaluationUsage.objects.create(organisation=portal.world.org_a, day=timezone.now().date(), count=42)
    page = dora.get("/")
    assert page.status_code == 200
    assert page.context["active_reports"] == 3
    assert (page.context["active_matches"], page.context["quarantined_matches"]) == (1, 1)
    assert page.context["evaluations_used"] == 42
    assert "42 of 1000000" in page.content.decode()


def test_the_dashboard_lists_sightings_of_the_organisations_wallets(portal, dora) -> None:
    report = portal.report(portal.world.org_a, token_for("seen"))[0]
    screen(actor=Actor(organisation=portal.world.org_b), key_id=portal.key_id, tokens=[report.token],
           record_sighting=True)  # fmt: skip
    html = dora.get("/").content.decode()
    assert public_id("report", report.pk) in html
    assert "Anonymous exchange (MT)" in html


def test_the_matches_list_marks_quarantine_and_leaves_the_address_to_the_browser(portal, dora, settings) -> None:
    settings.VIGIL_FLOOD_THRESHOLD = 2
    match_id = portal.match_between_a_and_b(token_for("q"))
    Match.objects.update(status=MatchStatus.QUARANTINED)
    html = dora.get(reverse("portal:matches")).content.decode()
    assert match_id in html
    assert f'data-token="{token_for("q")}"' in html
    assert "not in this browser's record" in html
    assert "Quarantined" in html


def test_a_match_shows_an_anonymous_counterpart_by_sector_only(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    html = dora.get(reverse("portal:match", args=[match_id])).content.decode()
    assert "Anonymous exchange (MT)" in html
    assert "Beta Exchange" not in html
    assert "Ask who this is" in html


def test_a_viewer_sees_a_match_but_no_form_to_ask(portal, bob) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    html = bob.get(reverse("portal:match", args=[match_id])).content.decode()
    assert "Anonymous exchange (MT)" in html and "Ask who this is" not in html


def test_a_match_the_viewer_may_not_see_is_not_found(portal, dora) -> None:
    portal.report(portal.world.org_a, token_for("silent"), visibility="named")
    portal.report(portal.world.org_b, token_for("silent"), visibility="silent")
    match = Match.objects.get(token=token_for("silent"))
    assert dora.get(reverse("portal:match", args=[public_id("match", match.pk)])).status_code == 404


def test_an_analyst_withdraws_a_report(portal, dora) -> None:
    report = portal.report(portal.world.org_a, token_for("w"))[0]
    response = dora.post(reverse("portal:report-withdraw", args=[public_id("report", report.pk)]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "withdrawn"
    assert AuditEvent.objects.filter(action="report.withdrawn", actor_user_id=portal.dora.pk).exists()


def test_an_analyst_corrects_category_and_policy_and_nothing_else_changes(portal, dora) -> None:
    report = portal.report(portal.world.org_a, token_for("c"), visibility="named", tlp="green")[0]
    Report.objects.filter(pk=report.pk).update(reference="case 7", confidence="high")
    url = reverse("portal:report-correct", args=[public_id("report", report.pk)])
    response = dora.post(url, {"category": "sextortion", "visibility": "anonymous", "tlp": "red",
                               "audience_sectors": ["bank"], "sighting_alerts": ""})  # fmt: skip
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.category, report.visibility, report.tlp, report.audience_sectors, report.sighting_alerts) == (
        "sextortion", "anonymous", "red", ["bank"], False)  # fmt: skip
    assert (report.reference, report.confidence, report.status) == ("case 7", "high", "active")


def test_a_correction_with_an_unknown_category_is_refused_on_the_page(portal, dora) -> None:
    report = portal.report(portal.world.org_a, token_for("bad"))[0]
    url = reverse("portal:report-correct", args=[public_id("report", report.pk)])
    response = dora.post(url, {"category": "nonsense", "visibility": "named", "tlp": "red"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    report.refresh_from_db()
    assert report.category == "osec_payment"


def test_the_reports_list_filters_by_status(portal, dora) -> None:
    kept, gone = portal.report(portal.world.org_a, token_for("kept"), token_for("gone"))
    dora.post(reverse("portal:report-withdraw", args=[public_id("report", gone.pk)]))
    html = dora.get(reverse("portal:reports") + "?status=active").content.decode()
    assert public_id("report", kept.pk) in html and public_id("report", gone.pk) not in html


def test_notifications_are_marked_read_and_unread_with_and_without_htmx(portal, dora) -> None:
    portal.match_between_a_and_b()
    notification = Notification.objects.filter(organisation=portal.world.org_a).first()
    notification_id = public_id("notification", notification.pk)
    assert "Mark read" in dora.get(reverse("portal:notifications") + "?show=unread").content.decode()
    response = dora.post(reverse("portal:notification-read", args=[notification_id]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    partial = dora.post(reverse("portal:notification-unread", args=[notification_id]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith("<tr")
    notification.refresh_from_db()
    assert notification.read_at is None


def _ask(portal, client, match_id: str, **overrides: str):
    match_view = client.get(reverse("portal:match", args=[match_id])).context["match"]
    data = {"participant": match_view["counterparts"][0]["participant"], "legal_basis": "safe_harbour",
            "message": "Same wallet in our case 12.", **overrides}  # fmt: skip
    return client.post(reverse("portal:disclosure-ask", args=[match_id]), data)


def test_an_analyst_asks_an_anonymous_counterpart_and_the_counterpart_approves(portal, dora, charlie) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    response = _ask(portal, dora, match_id)
    assert response.status_code == 302
    request = DisclosureRequest.objects.get()
    disclosure_id = public_id("disclosure", request.pk)
    incoming = charlie.get(reverse("portal:disclosure", args=[disclosure_id])).content.decode()
    assert "Alpha Bank" in incoming and "Approve and reveal contacts" in incoming
    answer = charlie.post(reverse("portal:disclosure-approve", args=[disclosure_id]), {"case_note": "Ref 99."})
    assert answer.status_code == 302
    revealed = dora.get(reverse("portal:disclosure", args=[disclosure_id])).content.decode()
    assert "What was revealed" in revealed and "Beta Exchange" in revealed and "Ref 99." in revealed


def test_asking_without_a_message_is_refused_on_the_match_page(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    response = _ask(portal, dora, match_id, message="")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not DisclosureRequest.objects.exists()


def test_asking_twice_shows_the_services_refusal(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    _ask(portal, dora, match_id)
    response = _ask(portal, dora, match_id)
    assert response.status_code == 400
    assert "already have a pending request" in response.content.decode()


def test_refusing_needs_a_reason_and_then_the_requester_sees_it(portal, dora, charlie) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    _ask(portal, dora, match_id)
    disclosure_id = public_id("disclosure", DisclosureRequest.objects.get().pk)
    url = reverse("portal:disclosure-refuse", args=[disclosure_id])
    assert charlie.post(url, {"reason": ""}).status_code == 400
    assert charlie.post(url, {"reason": "No legal basis here."}).status_code == 302
    html = dora.get(reverse("portal:disclosures")).content.decode()
    assert "refused" in html
    assert "No legal basis here." in dora.get(reverse("portal:disclosure", args=[disclosure_id])).content.decode()


def test_only_the_organisation_asked_may_answer(portal, dora) -> None:
    match_id = portal.match_between_a_and_b(visibility="anonymous")
    _ask(portal, dora, match_id)
    disclosure_id = public_id("disclosure", DisclosureRequest.objects.get().pk)
    response = dora.post(reverse("portal:disclosure-approve", args=[disclosure_id]), {"case_note": ""})
    assert response.status_code == 400
    assert DisclosureRequest.objects.get().status == "pending"


def test_turning_a_page_keeps_the_lists_filter(portal, dora) -> None:
    portal.report(portal.world.org_a, *(token_for(f"paged-{n}") for n in range(PAGE_SIZE + 1)))
    html = dora.get(reverse("portal:reports") + "?status=active").content.decode()
    assert 'href="?status=active&amp;page=2"' in html
    assert "Page 2 of 2" in dora.get(reverse("portal:reports") + "?status=active&page=2").content.decode()
