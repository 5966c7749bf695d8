"""Rate limits per organisation (not per key: an organisation cannot multiply its rate with keys)."""

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView


class OrganisationRateThrottle(ScopedRateThrottle):
    """Views set `throttle_scope`; the rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]."""

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        actor = getattr(request, "actor", None)
        if actor is None or actor.organisation is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": f"org-{actor.organisation.pk}"}
