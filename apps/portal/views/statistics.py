"""Statistics pages: members see a release's suppressed view, hub administrators every true value; CSV of each table,
and the hub administrators' transparency report and register of government or court requests."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.common.errors import NotFound, ValidationFailed
from apps.common.public_ids import public_id
from apps.common.scopes import Scope
from apps.portal.access import hub_admin_required, member_required, roles_with
from apps.portal.forms import GovernmentRequestForm, OutcomeForm, ReleaseForm
from apps.portal.views.common import actor, attempt, page, paginate
from apps.statistics import report, selectors, services
from apps.statistics.exports import table_csv
from apps.statistics.models import Release
from apps.statistics.periods import period_current_quarter, period_parse
from apps.statistics.presentation import release_page

READERS = roles_with(Scope.READ, Scope.REPORT)


def _release_or_latest(release_id: str | None) -> Release | None:
    return selectors.release_get(release_id=release_id) if release_id else selectors.release_latest()


def _csv(view: dict, table_name: str, *, unsuppressed: bool) -> HttpResponse:
    table = next((t for t in view["tables"] if t["name"] == table_name), None)
    if table is None:
        raise NotFound("No such table.")
    response = HttpResponse(table_csv(table, unsuppressed=unsuppressed), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{view["period"]["label"]}-{table_name}.csv"'
    return response


@member_required(roles=READERS)
def statistics(request: HttpRequest, release_id: str | None = None) -> HttpResponse:
    release = _release_or_latest(release_id)
    context = {"releases": selectors.release_list()[:24]}
    if release is not None:
        view = selectors.release_view(release)
        context |= release_page(view, unsuppressed=False, csv_route="portal:statistics-csv")
    return page(request, "portal/statistics.html", context)


@member_required(roles=READERS)
def statistics_csv(request: HttpRequest, release_id: str, table: str) -> HttpResponse:
    return _csv(selectors.release_view(selectors.release_get(release_id=release_id)), table, unsuppressed=False)


@hub_admin_required
@require_http_methods(["GET", "POST"])
def hub_statistics(request: HttpRequest, release_id: str | None = None) -> HttpResponse:
    form = ReleaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        made = attempt(form, lambda: services.release_create(actor=actor(request), **form.release_arguments()))
        if made is not None:
            messages.success(request, f"Release {public_id('release', made.pk)} computed.")
            return redirect("portal:hub-statistics-release", release_id=public_id("release", made.pk))
    release = _release_or_latest(release_id)
    context = {"releases": selectors.release_list()[:24], "form": form}
    if release is not None:
        view = selectors.release_view(release, unsuppressed=True)
        context |= release_page(view, unsuppressed=True, csv_route="portal:hub-statistics-csv")
    return page(request, "portal/hub/statistics.html", context, status=400 if form.errors else 200)


@hub_admin_required
def hub_statistics_csv(request: HttpRequest, release_id: str, table: str) -> HttpResponse:
    view = selectors.release_view(selectors.release_get(release_id=release_id), unsuppressed=True)
    return _csv(view, table, unsuppressed=True)


@hub_admin_required
@require_http_methods(["GET", "POST"])
def transparency(request: HttpRequest) -> HttpResponse:
    label = request.GET.get("period", "")
    try:
        period = period_parse(label) if label else period_current_quarter(timezone.now().date())
    except ValidationFailed:
        messages.error(request, "Unknown period: use 2026Q4, 2026-11 or 2026.")
        period = period_current_quarter(timezone.now().date())
    form = ReleaseForm(request.POST or None, initial={"period": period.label})
    if request.method == "POST" and form.is_valid():
        arguments = {**form.release_arguments(), "period": form.cleaned_data["period"] or period}
        made = attempt(form, lambda: services.release_create(actor=actor(request), **arguments))
        if made is not None:
            return redirect(f"{request.path}?period={made.period_label}")
    release = selectors.release_latest_for(period=period)
    context = {"period": period, "form": form, "release": None}
    if release is not None:
        context |= report.report_context(release)
        release_id = public_id("release", release.pk)
        context["pdf_url"] = reverse("portal:hub-transparency-download", args=[release_id, "pdf"])
        context["html_url"] = reverse("portal:hub-transparency-download", args=[release_id, "html"])
    return page(request, "portal/hub/transparency.html", context, status=400 if form.errors else 200)


@hub_admin_required
def transparency_download(request: HttpRequest, release_id: str, fmt: str) -> HttpResponse:
    if fmt not in {"pdf", "html"}:
        raise NotFound("The report comes as pdf or html.")
    release = selectors.release_get(release_id=release_id)
    if fmt == "pdf":
        response = HttpResponse(report.report_pdf(release), content_type="application/pdf")
    else:
        response = HttpResponse(report.report_html(release), content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.report_filename(release, fmt)}"'
    return response


@hub_admin_required
@require_http_methods(["GET", "POST"])
def government_requests(request: HttpRequest) -> HttpResponse:
    form = GovernmentRequestForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and attempt(form, lambda: services.government_request_record(actor=actor(request), **form.cleaned_data))
    ):
        messages.success(request, "Request recorded.")
        return redirect("portal:hub-government-requests")
    context = {"page": paginate(request, selectors.government_request_list()), "form": form, "outcome": OutcomeForm()}
    return page(request, "portal/hub/government_requests.html", context, status=400 if form.errors else 200)


@require_POST
@hub_admin_required
def government_request_outcome(request: HttpRequest, request_id: str) -> HttpResponse:
    recorded = selectors.government_request_get(request_id=request_id)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        services.government_request_set_outcome(actor=actor(request), request=recorded, **form.cleaned_data)
        messages.success(request, "Outcome saved.")
    else:
        messages.error(request, "Choose an outcome.")
    return redirect("portal:hub-government-requests")
