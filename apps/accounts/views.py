"""Sign-in pages (allauth's, with the hub's form), the signed-in landing page, the sessions page with
"sign out everywhere", and recovery-code pages that audit each showing."""

from typing import Any

from allauth.account.views import LoginView
from allauth.mfa.recovery_codes.views import DownloadRecoveryCodesView, ViewRecoveryCodesView
from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import membership_of, second_factor_required
from apps.accounts.services import sessions_end_all
from apps.accounts.signals import audit_person
from apps.organisations.context import request_actor


class SignInView(LoginView):
    """allauth's sign-in (password, then the second factor); axes refuses it while locked out."""


@second_factor_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"membership": membership_of(request)})


@second_factor_required
def sessions(request: HttpRequest) -> HttpResponse:
    own = UserSession.objects.filter(user_id=request.user.pk).order_by("-last_seen_at")
    return render(request, "accounts/sessions.html", {"sessions": own, "current": request.session.session_key})


@require_POST
@second_factor_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """POST only, like signing out: ends every session of the person, this one included."""
    sessions_end_all(actor=request_actor(request), user=request.user)
    logout(request)
    messages.info(request, "You are signed out on every device.")
    return HttpResponseRedirect(reverse("accounts:login"))


class AuditedRecoveryCodesView(ViewRecoveryCodesView):
    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if context["can_view_codes"]:
            audit_person(self.request, self.request.user, "auth.mfa.recovery_codes_viewed", {"how": "page"})
        return context


class AuditedRecoveryCodesDownloadView(DownloadRecoveryCodesView):
    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> HttpResponse:
        audit_person(self.request, self.request.user, "auth.mfa.recovery_codes_viewed", {"how": "download"})
        return super().render_to_response(context, **response_kwargs)
