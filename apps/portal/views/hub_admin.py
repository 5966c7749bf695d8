"""Pages for hub administrators: organisations, the flood-control queue, OPRF keys, the audit trail."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from apps.audit import selectors as audit_selectors
from apps.audit.services import audit_chain_verify
from apps.matching import selectors as match_selectors
from apps.matching.services import match_review
from apps.oprf import selectors as oprf_selectors
from apps.oprf import services as oprf_services
from apps.oprf.services import daily_quota
from apps.organisations import selectors, services
from apps.portal.access import hub_admin_required
from apps.portal.forms import OprfRetireForm, QuotaForm, ReviewForm, StatusChangeForm
from apps.portal.views.common import actor, attempt, page, paginate


@hub_admin_required
def organisations(request: HttpRequest) -> HttpResponse:
    return page(request, "portal/hub/organisations.html", {"organisations": selectors.organisation_list()})


@hub_admin_required
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _organisation_page(request, slug)


def _organisation_page(
    request: HttpRequest, slug: str, status_form: StatusChangeForm | None = None, quota_form: QuotaForm | None = None
) -> HttpResponse:
    organisation = selectors.organisation_get_by_slug(slug=slug)
    return page(
        request,
        "portal/hub/organisation_detail.html",
        {
            "subject": organisation,
            "effective_quota": daily_quota(organisation),
            "status_form": status_form or StatusChangeForm(),
            "quota_form": quota_form
            or QuotaForm(initial={"daily_evaluation_quota": organisation.daily_evaluation_quota}),
        },
        status=400 if status_form is not None or quota_form is not None else 200,
    )


@require_POST
@hub_admin_required
def organisation_status(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_get_by_slug(slug=slug)
    form = StatusChangeForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.organisation_change_status(
            actor=actor(request), organisation=organisation, **form.cleaned_data
        ),
    ):
        messages.success(request, f"{organisation.name}: {form.cleaned_data['transition']} done.")
        return redirect("portal:hub-organisation", slug=slug)
    return _organisation_page(request, slug, status_form=form)


@require_POST
@hub_admin_required
def organisation_quota(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = selectors.organisation_get_by_slug(slug=slug)
    form = QuotaForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.organisation_update(actor=actor(request), organisation=organisation, **form.cleaned_data),
    ):
        messages.success(request, f"{organisation.name}: evaluation quota saved.")
        return redirect("portal:hub-organisation", slug=slug)
    return _organisation_page(request, slug, quota_form=form)


@hub_admin_required
def flood_queue(request: HttpRequest) -> HttpResponse:
    return page(request, "portal/hub/flood.html", {"matches": match_selectors.match_quarantine_queue()})


@require_POST
@hub_admin_required
def flood_review(request: HttpRequest, match_id: str) -> HttpResponse:
    match = match_selectors.match_get_quarantined(match_id=match_id)
    form = ReviewForm(request.POST)
    if form.is_valid() and attempt(
        form, lambda: match_review(actor=actor(request), match=match, decision=form.cleaned_data["decision"])
    ):
        messages.success(request, f"Match {match_id}: {form.cleaned_data['decision']}d.")
        return redirect("portal:hub-flood")
    context = {"matches": match_selectors.match_quarantine_queue(), "form": form}
    return page(request, "portal/hub/flood.html", context, status=400)


@hub_admin_required
def oprf_keys(request: HttpRequest) -> HttpResponse:
    return page(request, "portal/hub/oprf_keys.html", {"keys": oprf_selectors.oprf_key_list_all()})


@require_POST
@hub_admin_required
def oprf_key_generate(request: HttpRequest) -> HttpResponse:
    key = oprf_services.oprf_key_add(actor=actor(request))
    messages.success(request, f"Key {key.key_id} generated ({key.status}).")
    return redirect("portal:hub-oprf-keys")


@require_POST
@hub_admin_required
def oprf_key_rotate(request: HttpRequest) -> HttpResponse:
    key = oprf_services.oprf_key_rotate(actor=actor(request))
    messages.success(request, f"Key {key.key_id} is now current; the previous key stays usable for the overlap.")
    return redirect("portal:hub-oprf-keys")


@require_POST
@hub_admin_required
def oprf_key_retire(request: HttpRequest) -> HttpResponse:
    form = OprfRetireForm(request.POST)
    if form.is_valid() and attempt(
        form, lambda: oprf_services.oprf_key_retire(actor=actor(request), key_id=form.cleaned_data["key_id"])
    ):
        messages.success(request, f"Key {form.cleaned_data['key_id']} is retired.")
        return redirect("portal:hub-oprf-keys")
    return page(
        request, "portal/hub/oprf_keys.html", {"keys": oprf_selectors.oprf_key_list_all(), "form": form}, status=400
    )


@hub_admin_required
@require_http_methods(["GET", "POST"])
def audit_trail(request: HttpRequest) -> HttpResponse:
    # Verifying walks and re-MACs the whole trail: run on request, not on every page view.
    verdict = audit_chain_verify() if request.method == "POST" else None
    events = paginate(request, audit_selectors.audit_event_list_all())
    return page(request, "portal/hub/audit.html", {"page": events, "verdict": verdict})
