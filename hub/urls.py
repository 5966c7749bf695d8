"""Top-level routes: admin, sign-in, API, health, and the member portal at the root."""

from django.contrib import admin
from django.urls import include, path

from apps.common.health import healthz

handler400 = "apps.common.problems.handler400"
handler404 = "apps.common.problems.handler404"
handler500 = "apps.common.problems.handler500"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("api/v1/", include(("hub.api_urls", "api"), namespace="api")),
    path("healthz", healthz, name="healthz"),
    path("", include("apps.portal.urls")),
]
