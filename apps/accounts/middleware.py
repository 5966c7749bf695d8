"""Every request: a session whose person may no longer sign in is ended, and a signed-in person without a
second factor is sent to set one up before anything else."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from apps.accounts.selectors import user_has_second_factor

# What a person without a second factor may still reach: the pages that add one (and the re-authentication
# they may ask for), signing out, assets, and the API, whose session authentication refuses them by itself
# (apps.accounts.api_auth) with an answer a program can read. The browser's own favicon probe is an asset
# too: sent on to the set-up page, it would load that page a second time and replace the secret on show.
MFA_SETUP_EXEMPT = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/logout/",
    "/api/",
    "/healthz",
    "/favicon.ico",
)


def mfa_setup_url(next_path: str) -> str:
    return f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_path})}"


def mfa_setup_exempt(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    return path.startswith((*MFA_SETUP_EXEMPT, static))


class SessionGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            if request.session.get(SESSION_KEY) is not None:
                # The session names someone the backend no longer lets in (their organisation was
                # suspended, their account deactivated): end it rather than leave it to come back to life.
                request.session.flush()
        elif not mfa_setup_exempt(request.path) and not user_has_second_factor(user=user):
            return HttpResponseRedirect(mfa_setup_url(request.get_full_path()))
        return self.get_response(request)
