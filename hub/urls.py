"""Top-level routes: admin, sign-in, API, health, and the member portal at the root."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from apps.common.health import healthz

handler400 = "apps.common.problems.handler400"
handler404 = "apps.common.problems.handler404"
handler500 = "apps.common.problems.handler500"

# The admin signs in through the hub's own sign-in, second factor and lockout included, not its own form.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Resolved per request: in production the hashed file name exists only once static files are collected.
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    # allauth's pages (password reset, e-mail, second factors) after the hub's own, which take precedence.
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include(("hub.api_urls", "api"), namespace="api")),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; the icon is a static file like any other.
    path("favicon.ico", favicon),
    path("", include("apps.portal.urls")),
]
