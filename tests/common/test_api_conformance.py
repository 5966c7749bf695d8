"""Generated requests against the served API: never a 5xx, and every answer as the schema documents it.

Schemathesis reads /api/v1/schema/ as the hub serves it and sends valid and invalid requests to
every operation with a real API key of a test organisation, checking status codes, content types,
headers and bodies against the schema. Each request commits, as in production.
"""

import ipaddress
import socket
from datetime import timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from apps.common.actors import Actor
from apps.matching.reporting import report_submit
from apps.routing.models import Notification
from apps.routing.services import webhook_create
from tests.factories import report_item, token_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def _local_only(original):  # type: ignore[no-untyped-def]
    """getaddrinfo that answers for this machine alone: a generated webhook URL looks up nothing outside."""

    def lookup(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "lookups leave the machine only outside tests") from None
        return original(host, *args, **kwargs)

    return lookup


@pytest.fixture
def secret(world, rfc_key, monkeypatch) -> str:
    """Something in every list, and the API key of the organisation that calls."""
    monkeypatch.setattr(socket, "getaddrinfo", _local_only(socket.getaddrinfo))
    for organisation in (world.org_a, world.org_b):
        report_submit(actor=Actor(organisation=organisation), items=[report_item(token_for(1), rfc_key.key_id)])
    Notification.objects.create(organisation=world.org_a, event="sighting", payload={})
    webhook_create(actor=Actor(organisation=world.org_a), url="http://127.0.0.1:9/hook", events=[])
    return world.secret_a


# What the hub promises. Not among them: that every schema-valid body is accepted (a key id must
# name a real key) or every lenient parse refused.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
]

# Served by the hub itself, in process: every request is a real request through the whole stack.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=timedelta(seconds=10),  # generous per request; with max_examples, the run takes about a minute
    derandomize=True,  # the same examples on every run: a failure in `make test` is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_answers_as_its_schema_says(case, secret) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
