"""Pages for an organisation's analysts: dashboard, matches, reports, notifications, disclosures."""

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from vigil_client.contract import (
    CATEGORIES,
    CONFIDENCES,
    NAMESPACES,
    SECTORS,
    SIGHTING_VISIBILITIES,
    TLPS,
    VISIBILITIES,
)

from apps.common.public_ids import internal_id, public_id
from apps.common.scopes import Scope
from apps.indicators import selectors as report_selectors
from apps.indicators.models import ReportStatus
from apps.indicators.policy import policy_merge
from apps.matching import disclosure, reporting
from apps.matching import selectors as match_selectors
from apps.matching.models import DisclosureStatus, MatchStatus
from apps.oprf.selectors import evaluations_used_today, split_key_current, trustee_list_in_use
from apps.oprf.services import daily_quota
from apps.outcomes import disputes, reviews
from apps.outcomes import selectors as outcome_selectors
from apps.portal.access import is_hub_admin, member_required, roles_with
from apps.portal.forms import (
    DisclosureApproveForm,
    DisclosureAskForm,
    DisclosureRefuseForm,
    DisputeForm,
    ReportCorrectionForm,
    ReviewOutcomeForm,
)
from apps.portal.views.common import actor, attempt, page, paginate, reaches_trustees, scopes
from apps.routing import selectors as routing_selectors
from apps.routing import services as routing_services
from apps.routing.models import Event

READERS = roles_with(Scope.READ, Scope.REPORT)
REPORTERS = roles_with(Scope.REPORT)
INBOX = roles_with(Scope.READ, Scope.REPORT, Scope.SCREEN)
TOKENISERS = roles_with(Scope.REPORT, Scope.SCREEN)
MATCH_PAGE = 50
RECENT_SIGHTINGS = 5


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: the sign-in page. Signed in: the member's dashboard, or a hub administrator's pages."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    if is_hub_admin(request):
        return redirect("portal:hub-organisations")
    return dashboard(request)


@member_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    matches = match_selectors.match_list_visible_to(organisation=organisation)
    sightings = routing_selectors.notification_list_visible_to(organisation=organisation, event=Event.SIGHTING)
    return page(
        request,
        "portal/dashboard.html",
        {
            "active_reports": report_selectors.report_list_visible_to(
                organisation=organisation, filters={"status": ReportStatus.ACTIVE}
            ).count(),
            "active_matches": sum(1 for view in matches if view["status"] == MatchStatus.ACTIVE),
            "quarantined_matches": sum(1 for view in matches if view["status"] == MatchStatus.QUARANTINED),
            "unread_notifications": routing_selectors.notification_list_visible_to(
                organisation=organisation, unread=True
            ).count(),
            "evaluations_used": evaluations_used_today(organisation=organisation),
            "evaluation_quota": daily_quota(organisation),
            "sightings": sightings[:RECENT_SIGHTINGS],
        },
    )


@member_required(roles=READERS)
def match_list(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    before = request.GET.get("before") or None
    views = match_selectors.match_page_visible_to(organisation=organisation, before=before, limit=MATCH_PAGE)
    return page(
        request,
        "portal/matches.html",
        {"matches": views, "next_before": views[-1]["id"] if len(views) == MATCH_PAGE else None},
    )


@member_required(roles=READERS)
def match_detail(request: HttpRequest, match_id: str) -> HttpResponse:
    return _match_page(request, match_id)


def _match_page(
    request: HttpRequest,
    match_id: str,
    ask_form: DisclosureAskForm | None = None,
    review_form: ReviewOutcomeForm | None = None,
    dispute_form: DisputeForm | None = None,
) -> HttpResponse:
    organisation = actor(request).organisation
    view = match_selectors.match_get_visible_to(organisation=organisation, match_id=match_id)
    may_ask = Scope.REPORT in scopes(request)
    review = outcome_selectors.review_find_for(organisation=organisation, match_id=match_id)
    review_view = outcome_selectors.review_view(review, organisation) if review is not None else None
    outcomes = {item["participant"]: item for item in review_view["counterparts"]} if review_view else {}
    counterparts = [
        {
            "view": counterpart,
            "outcome": outcomes.get(counterpart["participant"]),
            "dispute_form": (
                dispute_form
                if dispute_form is not None and dispute_form["participant"].value() == counterpart["participant"]
                else DisputeForm(initial={"participant": counterpart["participant"]})
            )
            if may_ask
            else None,
            "ask_form": (
                ask_form
                if ask_form is not None and ask_form["participant"].value() == counterpart["participant"]
                else DisclosureAskForm(initial={"participant": counterpart["participant"]})
            )
            if may_ask and counterpart["visibility"] == "anonymous"
            else None,
        }
        for counterpart in view["counterparts"]
    ]
    failed = any(form is not None for form in (ask_form, review_form, dispute_form))
    if review is not None and may_ask and review_form is None:
        review_form = ReviewOutcomeForm(initial={name: getattr(review, name) for name in ReviewOutcomeForm.base_fields})
    return page(
        request,
        "portal/match_detail.html",
        {
            "match": view,
            "counterparts": counterparts,
            "review": review_view,
            "review_form": review_form if may_ask else None,
        },
        status=400 if failed else 200,
    )


@require_POST
@member_required(roles=REPORTERS)
def review_record(request: HttpRequest, match_id: str) -> HttpResponse:
    the_actor = actor(request)
    review = outcome_selectors.review_get_for(organisation=the_actor.organisation, match_id=match_id)
    form = ReviewOutcomeForm(request.POST)
    if form.is_valid():
        recorded = attempt(form, lambda: reviews.review_record(actor=the_actor, review=review, **form.cleaned_data))
        if recorded is not None:
            messages.success(request, "Outcome recorded.")
            return redirect("portal:match", match_id=match_id)
    return _match_page(request, match_id, review_form=form)


@require_POST
@member_required(roles=REPORTERS)
def dispute_open(request: HttpRequest, match_id: str) -> HttpResponse:
    form = DisputeForm(request.POST)
    if form.is_valid():
        made = attempt(
            form, lambda: disputes.dispute_open(actor=actor(request), match_id=match_id, **form.cleaned_data)
        )
        if made is not None:
            messages.success(request, "Dispute sent: the reporter has been told who disputes it and why.")
            return redirect("portal:match", match_id=match_id)
    return _match_page(request, match_id, dispute_form=form)


@require_POST
@member_required(roles=REPORTERS)
def disclosure_ask(request: HttpRequest, match_id: str) -> HttpResponse:
    form = DisclosureAskForm(request.POST)
    if form.is_valid():
        made = attempt(
            form,
            lambda: disclosure.disclosure_request(actor=actor(request), match_id=match_id, **form.cleaned_data),
        )
        if made is not None:
            messages.success(request, "Your request was sent; the counterpart has been told who asks.")
            return redirect("portal:disclosure", disclosure_id=public_id("disclosure", made.pk))
    return _match_page(request, match_id, ask_form=form)


@reaches_trustees
@member_required(roles=READERS)
def report_list(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    status = request.GET.get("status") if request.GET.get("status") in ReportStatus.values else None
    reports = report_selectors.report_list_visible_to(organisation=organisation, filters={"status": status or ""})
    return page(
        request,
        "portal/reports.html",
        {"reports": paginate(request, reports), "status": status, "statuses": ReportStatus.choices},
    )


@member_required(roles=READERS)
def report_detail(request: HttpRequest, report_id: str) -> HttpResponse:
    return _report_page(request, report_id)


def _report_page(request: HttpRequest, report_id: str, form: ReportCorrectionForm | None = None) -> HttpResponse:
    report = report_selectors.report_get_visible_to(
        organisation=actor(request).organisation, report_id=internal_id("report", report_id)
    )
    may_change = Scope.REPORT in scopes(request) and report.status == ReportStatus.ACTIVE
    return page(
        request,
        "portal/report_detail.html",
        {
            "report": report,
            "report_id": report_id,
            "form": (form or ReportCorrectionForm.for_report(report)) if may_change else None,
            "may_withdraw": may_change,
        },
        status=400 if form is not None else 200,
    )


@require_POST
@member_required(roles=REPORTERS)
def report_correct(request: HttpRequest, report_id: str) -> HttpResponse:
    the_actor = actor(request)
    report = report_selectors.report_get_visible_to(
        organisation=the_actor.organisation, report_id=internal_id("report", report_id)
    )
    form = ReportCorrectionForm.for_report(report, data=request.POST)
    if report.status == ReportStatus.ACTIVE and form.is_valid():
        item, policy = form.item(report)
        if attempt(form, lambda: reporting.report_submit(actor=the_actor, items=[item], policy=policy)):
            messages.success(request, "The report was corrected; counterparts who may see it are told.")
            return redirect("portal:report", report_id=report_id)
    elif report.status != ReportStatus.ACTIVE:
        form.add_error(None, f"This report is {report.status}; only an active report can be corrected.")
    return _report_page(request, report_id, form=form)


@require_POST
@member_required(roles=REPORTERS)
def report_withdraw(request: HttpRequest, report_id: str) -> HttpResponse:
    the_actor = actor(request)
    report = report_selectors.report_get_visible_to(
        organisation=the_actor.organisation, report_id=internal_id("report", report_id)
    )
    if reporting.report_withdraw(actor=the_actor, reports=[report]):
        messages.success(request, "The report was withdrawn.")
    else:
        messages.info(request, "The report was no longer active; nothing changed.")
    return redirect("portal:report", report_id=report_id)


# The contract's vocabularies, for the page's own checks of a list before anything is sent.
VOCABULARY = {
    "namespace": NAMESPACES,
    "category": CATEGORIES,
    "confidence": CONFIDENCES,
    "visibility": VISIBILITIES,
    "tlp": TLPS,
    "sector": SECTORS,
}


@reaches_trustees
@member_required(roles=REPORTERS)
def report_new(request: HttpRequest) -> HttpResponse:
    """The page tokenises in the browser and reports through the API; the hub renders only the choices."""
    organisation = actor(request).organisation
    defaults: dict[str, Any] = policy_merge(organisation.default_policy)
    return page(
        request,
        "portal/report_new.html",
        {
            "vocabulary": json.dumps(VOCABULARY),
            "vocabulary_lists": VOCABULARY,
            "defaults": defaults | {"audience_include": ", ".join(map(str, defaults["audience_include"]))},
        },
    )


@reaches_trustees
@member_required(roles=roles_with(Scope.SCREEN))
def screen(request: HttpRequest) -> HttpResponse:
    return page(
        request, "portal/screen.html", {"namespaces": NAMESPACES, "sighting_visibilities": SIGHTING_VISIBILITIES}
    )


@member_required(roles=TOKENISERS)
def trustee_keys(request: HttpRequest) -> HttpResponse:
    """The organisation's API keys at the trustees of a split key are typed in here and kept by the browser alone."""
    return page(
        request, "portal/trustee_keys.html", {"split_key": split_key_current(), "trustees": trustee_list_in_use()}
    )


@member_required(roles=INBOX)
def address_record(request: HttpRequest) -> HttpResponse:
    """Import and export the browser's token → address record; the file never reaches the hub."""
    return page(request, "portal/record.html")


@member_required(roles=INBOX)
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = {"unread": True, "read": False}.get(request.GET.get("show", ""))
    notifications = routing_selectors.notification_list_visible_to(
        organisation=actor(request).organisation, unread=unread
    )
    return page(
        request,
        "portal/notifications.html",
        {"notifications": paginate(request, notifications), "show": request.GET.get("show", "")},
    )


@require_POST
@member_required(roles=INBOX)
def notification_mark(request: HttpRequest, notification_id: str, read: bool) -> HttpResponse:
    the_actor = actor(request)
    notification = routing_selectors.notification_get_visible_to(
        organisation=the_actor.organisation, notification_id=internal_id("notification", notification_id)
    )
    notification = routing_services.notification_mark(actor=the_actor, notification=notification, read=read)
    if request.htmx:
        return page(request, "portal/partials/notification_row.html", {"notification": notification})
    return redirect("portal:notifications")


@member_required(roles=READERS)
def disclosure_list(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    requests = paginate(request, match_selectors.disclosure_list_for(organisation=organisation))
    views = [disclosure.disclosure_view(item, organisation) for item in requests]
    return page(request, "portal/disclosures.html", {"page": requests, "disclosures": views})


@member_required(roles=READERS)
def disclosure_detail(request: HttpRequest, disclosure_id: str) -> HttpResponse:
    return _disclosure_page(request, disclosure_id)


def _disclosure_page(
    request: HttpRequest,
    disclosure_id: str,
    approve_form: DisclosureApproveForm | None = None,
    refuse_form: DisclosureRefuseForm | None = None,
) -> HttpResponse:
    organisation = actor(request).organisation
    item = match_selectors.disclosure_get_for(
        organisation=organisation, request_id=internal_id("disclosure", disclosure_id)
    )
    view = disclosure.disclosure_view(item, organisation)
    answerable = (
        Scope.REPORT in scopes(request)
        and view["direction"] == "incoming"
        and view["status"] == DisclosureStatus.PENDING
    )
    return page(
        request,
        "portal/disclosure_detail.html",
        {
            "disclosure": view,
            "approve_form": (approve_form or DisclosureApproveForm()) if answerable else None,
            "refuse_form": (refuse_form or DisclosureRefuseForm()) if answerable else None,
        },
        status=400 if approve_form is not None or refuse_form is not None else 200,
    )


@require_POST
@member_required(roles=REPORTERS)
def disclosure_answer(request: HttpRequest, disclosure_id: str, approve: bool) -> HttpResponse:
    the_actor = actor(request)
    item = match_selectors.disclosure_get_for(
        organisation=the_actor.organisation, request_id=internal_id("disclosure", disclosure_id)
    )
    form = (DisclosureApproveForm if approve else DisclosureRefuseForm)(request.POST)
    if form.is_valid():
        answered = attempt(
            form,
            lambda: disclosure.disclosure_answer(actor=the_actor, request=item, approve=approve, **form.cleaned_data),
        )
        if answered is not None:
            messages.success(request, "Approved: both sides now see each other's contacts." if approve else "Refused.")
            return redirect("portal:disclosure", disclosure_id=disclosure_id)
    if approve:
        return _disclosure_page(request, disclosure_id, approve_form=form)
    return _disclosure_page(request, disclosure_id, refuse_form=form)
