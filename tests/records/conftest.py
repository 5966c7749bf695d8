"""Members of a shared record as the `vigil` client is one: the client library over the hub's WSGI app."""

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from vigil_client import shared_record
from vigil_client.hub import Hub, RetryPolicy

from tests.factories import ApiKeyFactory

PASSPHRASE = "correct horse battery staple"


def _in_the_tests_transaction(app: Callable) -> Callable:
    """As Django's test client does: a request must not close the connection holding the test's transaction."""

    def call(environ: dict, start_response: Callable) -> list[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            try:
                return list(response)
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return call


def hub_for(secret: str) -> Hub:
    app = _in_the_tests_transaction(get_wsgi_application())
    http = httpx.Client(transport=httpx.WSGITransport(app=app))
    return Hub("http://testserver", secret, http=http, retry=RetryPolicy(total_seconds=0))


@pytest.fixture
def new_client(world, tmp_path: Path) -> Callable[..., tuple[Hub, str]]:
    """A fresh API key of org A and its own VIGIL_HOME: (hub, home)."""
    made = 0

    def make(organisation=None, scopes=("report", "screen", "read")) -> tuple[Hub, str]:
        nonlocal made
        made += 1
        _, secret = ApiKeyFactory.with_secret(organisation=organisation or world.org_a, scopes=list(scopes))
        home = tmp_path / f"client-{made}"
        return hub_for(secret), str(home)

    return make


@pytest.fixture
def founder(world, new_client):
    """The record of org A, created by one client: (shared record, recovery secret, home)."""
    hub, home = new_client()
    record, secret = shared_record.init(hub, world.org_a.slug, PASSPHRASE, home)
    return record, secret, home
