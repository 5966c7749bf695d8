"""Security headers: a CSP everywhere, no-store on API answers, forwarded headers only from the proxy."""

import base64
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: values for name, *values in directives}


@pytest.mark.parametrize("path", ["/api/v1/organisation", "/api/v1/no-such-thing", "/healthz", "/admin/login/"])
def test_every_response_carries_a_strict_content_security_policy(path: str) -> None:
    policy = _policy(Client().get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_the_docs_policy_admits_exactly_the_pages_inline_style_and_nothing_from_elsewhere() -> None:
    response = APIClient().get("/api/v1/docs/")
    html = response.content.decode()
    policy = _policy(response)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in styles}
    assert styles and set(policy["style-src"]) == {"'self'", *hashes}
    assert "<script>" not in html  # the start-up script is fetched from the hub, so no inline script
    assert all(src.startswith("/") for src in re.findall(r'(?:src|href)="([^"]+)"', html))
    assert "script-src" not in policy  # scripts fall back to default-src 'self'
    script = APIClient().get(re.search(r'<script src="(/api/v1/docs/\?[^"]+)"', html).group(1))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_api_answers_are_never_stored_by_a_cache(world) -> None:
    created = world.client_a.post(reverse("api:api-keys"), {"name": "ci", "scopes": ["read"]}, format="json")
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    webhook = world.client_a.post(reverse("api:webhooks"), {"url": "http://127.0.0.1:9/h"}, format="json")
    assert webhook.json()["secret"].startswith("whsec_")
    assert "no-store" in webhook["Cache-Control"]
    assert "no-store" in APIClient().get("/api/v1/no-such-thing")["Cache-Control"]


def _scheme_seen(remote_addr: str, **headers: str) -> tuple[bool, str]:
    from django.test import RequestFactory

    from apps.common.middleware import TrustedProxyMiddleware

    seen = {}

    def view(request):
        seen["secure"], seen["ip"] = request.is_secure(), request.META["REMOTE_ADDR"]

    TrustedProxyMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **headers))
    return seen["secure"], seen["ip"]


def test_forwarded_headers_count_only_from_a_configured_proxy(settings) -> None:
    settings.VIGIL_TRUSTED_PROXIES = ["172.31.250.2", "fd00::/64"]
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 198.51.100.7"}
    assert _scheme_seen("172.31.250.2", **forwarded) == (True, "198.51.100.7")
    assert _scheme_seen("fd00::5", **forwarded) == (True, "198.51.100.7")
    assert _scheme_seen("198.51.100.50", **forwarded) == (False, "198.51.100.50")


def test_a_hop_the_proxy_wrote_unparsed_ends_the_walk_so_the_client_cannot_choose_its_address(settings) -> None:
    settings.VIGIL_TRUSTED_PROXIES = ["172.31.250.2"]
    spoofed = {"HTTP_X_FORWARDED_FOR": "203.0.113.9, unknown"}
    assert _scheme_seen("172.31.250.2", **spoofed) == (False, "172.31.250.2")


def test_with_no_proxy_configured_nobody_can_claim_https(settings) -> None:
    settings.VIGIL_TRUSTED_PROXIES = []
    assert _scheme_seen("127.0.0.1", HTTP_X_FORWARDED_PROTO="https") == (False, "127.0.0.1")
