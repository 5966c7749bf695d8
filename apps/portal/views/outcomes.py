"""Pages for what matches led to: the organisation's precision as a source, and disputes made or received."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.common.scopes import Scope
from apps.outcomes import disputes, precision
from apps.outcomes import selectors as outcome_selectors
from apps.outcomes.models import DisputeState
from apps.portal.access import member_required, roles_with
from apps.portal.forms import DisputeResolveForm
from apps.portal.views.common import actor, attempt, page, scopes

READERS = roles_with(Scope.READ, Scope.REPORT)
REPORTERS = roles_with(Scope.REPORT)


@member_required(roles=READERS)
def outcomes(request: HttpRequest, failed: tuple[str, DisputeResolveForm] | None = None) -> HttpResponse:
    organisation = actor(request).organisation
    may_answer = Scope.REPORT in scopes(request)
    rows = []
    for dispute in outcome_selectors.dispute_list_for(organisation=organisation):
        view = outcome_selectors.dispute_view(dispute, organisation)
        form = None
        if may_answer and view["direction"] == "incoming" and view["state"] == DisputeState.OPEN:
            form = failed[1] if failed and failed[0] == view["id"] else DisputeResolveForm()
        rows.append({"view": view, "form": form})
    return page(
        request,
        "portal/outcomes.html",
        {"figures": precision.precision_for(organisation=organisation), "disputes": rows},
        status=400 if failed else 200,
    )


@require_POST
@member_required(roles=REPORTERS)
def dispute_resolve(request: HttpRequest, dispute_id: str) -> HttpResponse:
    the_actor = actor(request)
    dispute = outcome_selectors.dispute_get_for(organisation=the_actor.organisation, dispute_id=dispute_id)
    form = DisputeResolveForm(request.POST)
    if form.is_valid():
        answered = attempt(
            form, lambda: disputes.dispute_resolve(actor=the_actor, dispute=dispute, **form.cleaned_data)
        )
        if answered is not None:
            messages.success(request, f"Dispute {answered.state}; everyone told of your report hears of it.")
            return redirect("portal:outcomes")
    # The answer form shows only beside disputes of the member's own reports; say why wherever it was sent.
    for error in form.non_field_errors():
        messages.error(request, error)
    return outcomes(request, failed=(dispute_id, form))
