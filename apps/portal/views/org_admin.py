"""Pages for an organisation's admins: people and invitations, API keys, webhooks, channels, contacts and
policy, audit."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.audit import selectors as audit_selectors
from apps.audit.api.views import AuditEventOutputSerializer
from apps.common.errors import Conflict
from apps.common.public_ids import internal_id
from apps.common.scopes import Scope
from apps.indicators.policy import HUB_DEFAULTS
from apps.indicators.services import organisation_default_policy_set
from apps.organisations import selectors, services
from apps.organisations.models import Membership
from apps.portal.access import member_required, roles_with
from apps.portal.forms import (
    ApiKeyForm,
    ChannelsForm,
    ContactsForm,
    DefaultPolicyForm,
    InvitationForm,
    RoleForm,
    WebhookForm,
)
from apps.portal.views.common import actor, attempt, page, paginate
from apps.portal.views.joining import invitation_url
from apps.routing import selectors as routing_selectors
from apps.routing import services as routing_services
from apps.routing.models import WebhookEndpoint

MANAGERS = roles_with(Scope.MANAGE)


def _membership(request: HttpRequest, membership_id: str) -> Membership:
    return selectors.membership_get_visible_to(
        organisation=actor(request).organisation, membership_id=internal_id("membership", membership_id)
    )


def _people_page(request: HttpRequest, *, role_form: RoleForm | None = None,
                 invite_form: InvitationForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    organisation = actor(request).organisation
    context = {
        "memberships": selectors.membership_list_visible_to(organisation=organisation),
        "invitations": selectors.invitation_list_visible_to(organisation=organisation),
        "role_form": role_form or RoleForm(),
        "invite_form": invite_form or InvitationForm(),
    }
    return page(request, "portal/people.html", context, status=status)


@member_required(roles=MANAGERS)
def people(request: HttpRequest) -> HttpResponse:
    return _people_page(request)


@require_POST
@member_required(roles=MANAGERS)
def invite(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    form = InvitationForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.invitation_send(
            actor=the_actor,
            organisation=the_actor.organisation,
            invitation_url=invitation_url(request),
            **form.cleaned_data,
        ),
    ):
        messages.success(request, f"{form.cleaned_data['email']} is invited as {form.cleaned_data['role']}.")
        return redirect("portal:people")
    return _people_page(request, invite_form=form, status=400)


@require_POST
@member_required(roles=MANAGERS)
def invitation_revoke(request: HttpRequest, invitation_id: str) -> HttpResponse:
    the_actor = actor(request)
    invitation = selectors.invitation_get_visible_to(
        organisation=the_actor.organisation, invitation_id=internal_id("invitation", invitation_id)
    )
    try:
        services.invitation_revoke(actor=the_actor, invitation=invitation)
    except Conflict as exc:  # accepted or expired meanwhile
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"The invitation of {invitation.email} is revoked; its link no longer works.")
    return redirect("portal:people")


@require_POST
@member_required(roles=MANAGERS)
def person_role(request: HttpRequest, membership_id: str) -> HttpResponse:
    membership = _membership(request, membership_id)
    form = RoleForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.membership_change_role(actor=actor(request), membership=membership, **form.cleaned_data),
    ):
        messages.success(request, f"{membership.user.get_username()} is now {form.cleaned_data['role']}.")
        return redirect("portal:people")
    return _people_page(request, role_form=form, status=400)


@require_POST
@member_required(roles=MANAGERS)
def person_remove(request: HttpRequest, membership_id: str) -> HttpResponse:
    membership = _membership(request, membership_id)
    form = RoleForm(data={"role": membership.role})  # carries the refusal, if any, to the page
    if form.is_valid() and attempt(
        form, lambda: services.membership_remove(actor=actor(request), membership=membership)
    ):
        messages.success(request, f"{membership.user.get_username()} was removed and can no longer sign in.")
        return redirect("portal:people")
    return _people_page(request, role_form=form, status=400)


@never_cache
@member_required(roles=MANAGERS)
def api_keys(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    form = ApiKeyForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        created = attempt(
            form,
            lambda: services.api_key_create(actor=the_actor, organisation=the_actor.organisation, **form.cleaned_data),
        )
        if created is not None:
            secret = created[1]
            form = ApiKeyForm()
    keys = selectors.api_key_list_visible_to(organisation=the_actor.organisation)
    status = 400 if request.method == "POST" and secret is None else 200
    return page(request, "portal/api_keys.html", {"keys": keys, "form": form, "secret": secret}, status=status)


@require_POST
@member_required(roles=MANAGERS)
def api_key_revoke(request: HttpRequest, api_key_id: str) -> HttpResponse:
    the_actor = actor(request)
    api_key = selectors.api_key_get_visible_to(
        organisation=the_actor.organisation, api_key_id=internal_id("api_key", api_key_id)
    )
    services.api_key_revoke(actor=the_actor, api_key=api_key)
    messages.success(request, f"API key {api_key.name} is revoked.")
    return redirect("portal:api-keys")


@never_cache
@member_required(roles=MANAGERS)
def webhooks(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    form = WebhookForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        created = attempt(form, lambda: routing_services.webhook_create(actor=the_actor, **form.cleaned_data))
        if created is not None:
            secret = created[1]
            form = WebhookForm()
    endpoints = routing_selectors.webhook_list_visible_to(organisation=the_actor.organisation)
    status = 400 if request.method == "POST" and secret is None else 200
    context = {"endpoints": endpoints, "form": form, "secret": secret}
    return page(request, "portal/webhooks.html", context, status=status)


def _endpoint(request: HttpRequest, webhook_id: str) -> WebhookEndpoint:
    return routing_selectors.webhook_get_visible_to(
        organisation=actor(request).organisation, webhook_id=internal_id("webhook", webhook_id)
    )


@member_required(roles=MANAGERS)
def webhook_detail(request: HttpRequest, webhook_id: str) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    deliveries = paginate(
        request, routing_selectors.delivery_list_for(endpoint=endpoint).select_related("notification")
    )
    return page(
        request,
        "portal/webhook_detail.html",
        {"endpoint": endpoint, "webhook_id": webhook_id, "deliveries": deliveries},
    )


@require_POST
@member_required(roles=MANAGERS)
def webhook_enable(request: HttpRequest, webhook_id: str, enabled: bool) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    routing_services.webhook_update(actor=actor(request), endpoint=endpoint, enabled=enabled)
    messages.success(request, "The endpoint is enabled." if enabled else "The endpoint is disabled.")
    return redirect("portal:webhook", webhook_id=webhook_id)


@require_POST
@member_required(roles=MANAGERS)
def delivery_resend(request: HttpRequest, webhook_id: str, delivery_id: str) -> HttpResponse:
    endpoint = _endpoint(request, webhook_id)
    delivery = routing_selectors.delivery_get_for(endpoint=endpoint, delivery_id=internal_id("delivery", delivery_id))
    routing_services.delivery_resend(actor=actor(request), delivery=delivery)
    messages.success(request, "The delivery is queued to be sent again, under the same webhook-id.")
    return redirect("portal:webhook", webhook_id=webhook_id)


@member_required(roles=MANAGERS)
def channels(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    current = routing_services.channels_get(organisation=the_actor.organisation)
    form = ChannelsForm(request.POST or None, current=current)
    if request.method == "POST":
        if form.is_valid() and attempt(
            form,
            lambda: routing_services.channels_set(
                actor=the_actor, organisation=the_actor.organisation, choices=form.cleaned_data
            ),
        ):
            messages.success(request, "Channels saved.")
            return redirect("portal:channels")
        return page(request, "portal/channels.html", {"form": form}, status=400)
    return page(request, "portal/channels.html", {"form": form})


@member_required(roles=MANAGERS)
def organisation_settings(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    contacts = ContactsForm(
        initial={name: getattr(organisation, name) for name in ContactsForm.base_fields},
    )
    policy = DefaultPolicyForm(initial={**HUB_DEFAULTS, **organisation.default_policy})
    return page(request, "portal/organisation.html", {"contacts_form": contacts, "policy_form": policy})


@require_POST
@member_required(roles=MANAGERS)
def organisation_contacts(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    form = ContactsForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.organisation_update(actor=the_actor, organisation=the_actor.organisation, **form.cleaned_data),
    ):
        messages.success(request, "Contacts saved.")
        return redirect("portal:organisation")
    policy = DefaultPolicyForm(initial={**HUB_DEFAULTS, **the_actor.organisation.default_policy})
    return page(request, "portal/organisation.html", {"contacts_form": form, "policy_form": policy}, status=400)


@require_POST
@member_required(roles=MANAGERS)
def organisation_policy(request: HttpRequest) -> HttpResponse:
    the_actor = actor(request)
    organisation = the_actor.organisation
    form = DefaultPolicyForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: organisation_default_policy_set(actor=the_actor, organisation=organisation, policy=form.cleaned_data),
    ):
        messages.success(request, "Default sharing policy saved; it applies to reports made from now on.")
        return redirect("portal:organisation")
    contacts = ContactsForm(initial={name: getattr(organisation, name) for name in ContactsForm.base_fields})
    return page(request, "portal/organisation.html", {"contacts_form": contacts, "policy_form": form}, status=400)


@member_required(roles=MANAGERS)
def audit_events(request: HttpRequest) -> HttpResponse:
    organisation = actor(request).organisation
    events = paginate(request, audit_selectors.audit_event_list_visible_to(organisation_id=organisation.pk))
    # The API's representation: what an admin reads here is exactly what GET /audit-events shows.
    rows = AuditEventOutputSerializer(events.object_list, many=True).data
    return page(request, "portal/audit.html", {"page": events, "events": rows})
