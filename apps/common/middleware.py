"""Request guards: trusted-proxy headers, API input limits, no-store answers, and unreachable services."""

import ipaddress
from collections.abc import Callable
from functools import cached_property

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from apps.common.faults import is_transient
from apps.common.problems import problem_response, request_too_large, service_unavailable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[HttpRequest], HttpResponse]


def _parse_ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().split("%")[0])
    except ValueError:
        return None


class TrustedProxyMiddleware:
    """X-Forwarded-Proto and -For count only when the peer is a configured proxy (VIGIL_TRUSTED_PROXIES).

    From anyone else they are dropped, so a client cannot claim HTTPS or another address.
    From a proxy, REMOTE_ADDR becomes the nearest forwarded address that is not itself a proxy.
    """

    FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    @cached_property
    def proxies(self) -> list[Network]:
        return [ipaddress.ip_network(item, strict=False) for item in settings.VIGIL_TRUSTED_PROXIES]

    def _trusted(self, text: str | None) -> bool:
        address = _parse_ip(text or "")
        return address is not None and any(address in network for network in self.proxies)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        if not self._trusted(meta.get("REMOTE_ADDR")):
            for header in self.FORWARDED:
                meta.pop(header, None)
        else:
            # The rightmost entries were appended by our proxies; the first one that is not is the client.
            # A hop that does not parse ends the walk: what lies left of it is the client's own say.
            for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
                if _parse_ip(hop) is None:
                    break
                if not self._trusted(hop):
                    meta["REMOTE_ADDR"] = hop.strip()
                    break
        return self.get_response(request)


class ApiGuardMiddleware:
    """Under /api/: refuse NUL in the URL and oversized bodies as problem+json, and never let a cache keep
    an answer (some carry secrets shown once: new API keys, webhook secrets)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        response = self._refusal(request) or self.get_response(request)
        add_never_cache_headers(response)
        return response

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
        if "\x00" in request.path or any("\x00" in key + "".join(values) for key, values in request.GET.lists()):
            return problem_response(400, "invalid-query", "Invalid request", "The URL must not contain NUL (%00).")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(400, "bad-request", "Bad request", "Content-Length is not a number.")
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return request_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        return None


class ServiceUnavailableMiddleware:
    """A view failing because the database or broker is unreachable answers 503 + Retry-After,
    before Django would render a 500 (or, with DEBUG on, its debug page)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return service_unavailable(request) if is_transient(exception) else None
