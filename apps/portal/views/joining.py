"""Joining the hub: the public application form, hub administrators' vetting, and accepting an invitation
from its e-mailed link (organisation admins send and revoke them from the People page, in org_admin)."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from apps.accounts.middleware import mfa_setup_url
from apps.common.errors import Conflict, LimitExceeded, NotFound, ValidationFailed, VigilError
from apps.common.public_ids import internal_id
from apps.organisations import selectors, services
from apps.organisations.context import client_ip
from apps.organisations.models import Application, ApplicationStatus
from apps.portal.access import hub_admin_required
from apps.portal.forms import ApplicationForm, ApplicationRefuseForm, InvitationAcceptForm
from apps.portal.views.common import actor, attempt, page

# The session a new member starts with comes from this backend, as a password sign-in's would.
MEMBER_BACKEND = "apps.accounts.backends.MemberBackend"


def invitation_url(request: HttpRequest) -> Callable[[str], str]:
    """How the e-mailed link is spelt: this hub's own address, as the request reached it."""
    return lambda token: request.build_absolute_uri(reverse("portal:invitation", kwargs={"token": token}))


# Applying (no account needed).


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(ip=client_ip(request), **form.cleaned_data)
        except LimitExceeded as exc:  # a flood is answered 429, not as a mistake in the form
            response = render(request, "portal/public/apply.html", {"form": form, "limited": exc.detail}, status=429)
            response["Retry-After"] = str(exc.retry_after or 3600)
            return response
        except ValidationFailed as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("portal:apply-sent")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/public/apply.html", {"form": form}, status=status)


def apply_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/public/apply_sent.html")


# Vetting (hub administrators).


@hub_admin_required
def applications(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "portal/hub/applications.html",
        {
            "pending": selectors.application_list(status=ApplicationStatus.PENDING),
            "decided": selectors.application_list().exclude(status=ApplicationStatus.PENDING)[:100],
        },
    )


def _application(application_id: str) -> Application:
    return selectors.application_get(application_id=internal_id("application", application_id))


def _application_page(
    request: HttpRequest, application_id: str, refuse_form: ApplicationRefuseForm | None = None, status: int = 200
) -> HttpResponse:
    return page(
        request,
        "portal/hub/application_detail.html",
        {
            "application": _application(application_id),
            "application_id": application_id,
            "refuse_form": refuse_form or ApplicationRefuseForm(),
        },
        status=status,
    )


@hub_admin_required
def application_detail(request: HttpRequest, application_id: str) -> HttpResponse:
    return _application_page(request, application_id)


@require_POST
@hub_admin_required
def application_approve(request: HttpRequest, application_id: str) -> HttpResponse:
    application = _application(application_id)
    try:
        organisation = services.application_approve(
            actor=actor(request), application=application, invitation_url=invitation_url(request)
        )
    except NotFound:
        raise
    except VigilError as exc:  # already decided, or an organisation of that name exists
        messages.error(request, exc.detail)
        return redirect("portal:hub-application", application_id=application_id)
    messages.success(
        request, f"{organisation.name} is approved and active; {application.contact_email} is invited as its admin."
    )
    return redirect("portal:hub-application", application_id=application_id)


@require_POST
@hub_admin_required
def application_refuse(request: HttpRequest, application_id: str) -> HttpResponse:
    application = _application(application_id)
    form = ApplicationRefuseForm(request.POST)
    if form.is_valid() and attempt(
        form,
        lambda: services.application_refuse(
            actor=actor(request), application=application, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, f"The application of {application.name} is refused; the applicant is told why.")
        return redirect("portal:hub-application", application_id=application_id)
    return _application_page(request, application_id, refuse_form=form, status=400)


# Accepting (the invitee, not yet signed in).


# The link's token moves into the session and out of the address at once, as Django's password reset
# does: no later page, error log or Referer carries a token that would let its reader join.
_SESSION_KEY = "invitation_link"


@never_cache
@sensitive_variables("token")
def invitation_link(request: HttpRequest, token: str) -> HttpResponse:
    request.session[_SESSION_KEY] = token
    return redirect("portal:invitation-accept")


@never_cache
@sensitive_variables("token")
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return render(request, "portal/public/invitation_signed_in.html", status=409)
    token = request.session.get(_SESSION_KEY, "")
    try:
        invitation = services.invitation_open(token=token)
    except (NotFound, Conflict) as exc:
        status = 404 if isinstance(exc, NotFound) else 410
        return render(request, "portal/public/invitation_unusable.html", {"detail": exc.detail}, status=status)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = attempt(
            form,
            lambda: services.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                ip=client_ip(request),
            ),
        )
        if user is not None:
            login(request, user, backend=MEMBER_BACKEND)
            request.session.pop(_SESSION_KEY, None)
            messages.success(request, f"Welcome to {invitation.organisation.name}. Now set up your authenticator app.")
            return redirect(mfa_setup_url(reverse("portal:dashboard")))
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/public/invitation.html", {"invitation": invitation, "form": form}, status=status)
