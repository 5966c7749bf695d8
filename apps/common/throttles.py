"""Rate limits per organisation (not per key: an organisation cannot multiply its rate with keys)."""

from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.common.ratelimit import window_count


class OrganisationRateThrottle(ScopedRateThrottle):
    """Views set `throttle_scope`; the rate comes from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].

    Counted in fixed windows, one cache increment a request: DRF's own sliding log reads and rewrites
    every timestamp of the window on each request, which at screening rates costs more than the screen.
    """

    retry_after: int | None = None

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        actor = getattr(request, "actor", None)
        if actor is None or actor.organisation is None:
            return None
        return f"throttle:{self.scope}:org-{actor.organisation.pk}"

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.num_requests, self.duration = self.parse_rate(self.get_rate())
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.retry_after = window_count(key=key, limit=self.num_requests, period=self.duration)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after
