"""Routes of a trustee (VIGIL_ROLE=trustee): blind evaluation with its share, its shares, and health."""

from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from apps.common.health import healthz
from apps.common.problems import api_not_found
from apps.oprf.api import views as oprf

handler400 = "apps.common.problems.handler400"
handler404 = "apps.common.problems.handler404"
handler500 = "apps.common.problems.handler500"

api = [
    path("oprf/shares", oprf.KeyShareListApi.as_view(), name="oprf-shares"),
    path("oprf/evaluate", oprf.OprfEvaluateApi.as_view(), name="oprf-evaluate"),
    re_path(r"^.*$", csrf_exempt(api_not_found)),
]

urlpatterns = [
    path("api/v1/", include((api, "api"), namespace="api")),
    path("healthz", healthz, name="healthz"),
    re_path(r"^.*$", csrf_exempt(api_not_found)),
]
