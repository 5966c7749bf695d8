"""Sign-in, sign-out and the signed-in landing page; the member portal builds on these."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.accounts.forms import SignInForm


class SignInView(LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    """POST only (Django refuses GET), so a link or image elsewhere cannot sign a member out."""


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request.user, "membership", None)
    return render(request, "accounts/home.html", {"membership": membership})
