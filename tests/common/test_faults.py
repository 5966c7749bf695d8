"""An unreachable database or broker is a 503 with Retry-After, even with DEBUG on; secrets stay off debug pages."""

import json
import sys

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import technical_500_response
from kombu.exceptions import OperationalError as BrokerError
from rest_framework.request import Request

from apps.common.middleware import ServiceUnavailableMiddleware
from apps.oprf.crypto import secret_encrypt
from apps.organisations.auth import ApiKeyAuthentication
from apps.organisations.keys import KEY_PREFIX, key_parse_prefix
from apps.routing.crypto import webhook_secret_encrypt

pytestmark = pytest.mark.django_db


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert int(response["Retry-After"]) > 0
    assert json.loads(response.content)["type"].endswith("/service-unavailable")


@pytest.mark.parametrize("debug", [False, True])
def test_a_database_outage_during_a_request_is_a_503_with_retry_after(world, settings, monkeypatch, debug) -> None:
    settings.DEBUG = debug

    def unreachable(**kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("apps.organisations.selectors.api_key_list_visible_to", unreachable)
    _assert_unavailable(world.client_a.get(reverse("api:api-keys")))


def test_an_unreachable_redis_is_a_503_not_a_500(world, settings) -> None:
    # A real connection to a port nothing listens on: the rate limiter's cache cannot be reached.
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    response = world.client_a.post(
        reverse("api:oprf-evaluate"), {"key_id": "0" * 16, "blinded_elements": ["ab" * 32]}, format="json"
    )
    _assert_unavailable(response)


def test_a_broker_outage_in_a_plain_django_view_is_a_503_too(settings) -> None:
    settings.DEBUG = True
    request = RequestFactory().get("/api/v1/anything")
    response = ServiceUnavailableMiddleware(lambda r: None).process_exception(request, BrokerError("refused"))
    _assert_unavailable(response)
    admin = RequestFactory().get("/admin/")
    page = ServiceUnavailableMiddleware(lambda r: None).process_exception(admin, BrokerError())
    assert page.status_code == 503 and "Retry-After" in page


def test_other_errors_are_left_to_the_500_handler() -> None:
    request = RequestFactory().get("/api/v1/anything")
    assert ServiceUnavailableMiddleware(lambda r: None).process_exception(request, RuntimeError()) is None


def _debug_page(request, exc_info) -> str:
    """The page Django's DEBUG mode would show, from the first frame of hub code down (the test's own
    frames, which hold the secrets on purpose, are not what is under test)."""
    exc_type, exc_value, tb = exc_info
    while tb is not None and "/apps/" not in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    return technical_500_response(request, exc_type, exc_value, tb).content.decode()


def test_the_debug_page_of_a_failure_inside_authentication_shows_no_api_key(world, monkeypatch, settings) -> None:
    settings.DEBUG = True
    # The secret is URL-safe base64 and may hold "_" itself: strip the key's prefix as the hub reads it.
    secret_part = world.secret_a.removeprefix(f"{KEY_PREFIX}{key_parse_prefix(world.secret_a)}_")

    def fail(api_key) -> None:
        raise RuntimeError("boom after the key was checked")

    monkeypatch.setattr("apps.organisations.auth._touch", fail)
    request = RequestFactory().get("/api/v1/organisation", HTTP_AUTHORIZATION=f"Bearer {world.secret_a}")
    with pytest.raises(RuntimeError):
        try:
            ApiKeyAuthentication().authenticate(Request(request))
        except RuntimeError:
            page = _debug_page(request, sys.exc_info())
            raise
    assert "HTTP_AUTHORIZATION" in page
    assert "boom after the key was checked" in page
    assert secret_part not in page


def test_the_debug_page_shows_no_webhook_secret_or_oprf_key(settings) -> None:
    settings.DEBUG = True
    settings.KEY_ENCRYPTION_KEY = "not hex"  # makes the encryption fail after the secret is at hand
    request = RequestFactory().post("/api/v1/webhooks")
    webhook_secret = "whsec_c2VjcmV0LXdlYmhvb2stdmFsdWUtMTIzNDU2Nzg5MA=="
    oprf_secret = b"s3cretOPRFkey-0123456789abcdefgh"
    for call, secret in (
        (lambda: webhook_secret_encrypt(webhook_secret, endpoint_label="e"), webhook_secret[6:]),
        (lambda: secret_encrypt(oprf_secret, key_id="k"), oprf_secret.decode()),
    ):
        try:
            call()
        except ValueError:
            page = _debug_page(request, sys.exc_info())
        assert "aead_encrypt" in page
        assert secret not in page
