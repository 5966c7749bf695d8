"""Routes of a trustee (VIGIL_ROLE=trustee): blind evaluation with its share, its shares, its schema, and health."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView

from apps.common.health import healthz
from apps.common.problems import api_not_found
from apps.oprf.api import views as oprf

handler400 = "apps.common.problems.handler400"
handler404 = "apps.common.problems.handler404"
handler500 = "apps.common.problems.handler500"

api = [
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], custom_settings={"TITLE": "Vigil trustee API"}),
        name="schema",
    ),
    path("oprf/shares", oprf.KeyShareListApi.as_view(), name="oprf-shares"),
    path("oprf/evaluate", oprf.OprfEvaluateApi.as_view(), name="oprf-evaluate"),
    re_path(r"^.*$", csrf_exempt(api_not_found)),
]

urlpatterns = [
    path("api/v1/", include((api, "api"), namespace="api")),
    path("healthz", healthz, name="healthz"),
    re_path(r"^.*$", csrf_exempt(api_not_found)),
]
