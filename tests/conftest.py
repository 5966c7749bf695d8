"""Test world: Alice (org A admin), Bob (org A viewer) and Charlie (org B analyst); service guards."""

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from apps.common.actors import SYSTEM
from apps.oprf.models import OprfKey
from apps.oprf.services import oprf_key_add
from apps.organisations.models import ApiKey, Organisation, Role
from tests.consortium import consortium, trustees  # noqa: F401  (one trio of trustee processes for the session)
from tests.factories import ApiKeyFactory, MembershipFactory, OrganisationFactory
from tests.rfc_vectors import RFC_SECRET


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the suite must run on the real services; refuse to fall back to the embedded default."""
    if os.environ.get("VIGIL_REQUIRE_SERVICES") != "1":
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"VIGIL_REQUIRE_SERVICES=1 but the database is {engine}, not PostgreSQL", returncode=3)
    if not settings.REDIS_URL:
        pytest.exit("VIGIL_REQUIRE_SERVICES=1 but REDIS_URL is not set", returncode=3)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI always runs it")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_truncate_trigger() -> Iterator[None]:
    """Transactional tests are emptied with TRUNCATE, which the audit table refuses; let the test flush through."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
        statements = original(self, style, tables, **kwargs)
        return ["SET LOCAL session_replication_role = replica", *statements] if statements else statements

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _memos_of_an_earlier_database_forgotten() -> None:
    """Each test's database starts over, so figures memoised from another test's rows must not carry over."""
    from apps.common.memo import memos_forget_all

    memos_forget_all()


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    org_a: Organisation
    org_b: Organisation
    alice: object  # org A admin
    bob: object  # org A viewer
    charlie: object  # org B analyst
    key_a: ApiKey
    secret_a: str
    key_b: ApiKey
    secret_b: str

    def client_for(self, secret: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    @property
    def client_a(self) -> APIClient:
        return self.client_for(self.secret_a)

    @property
    def client_b(self) -> APIClient:
        return self.client_for(self.secret_b)


@pytest.fixture
def world(db) -> World:
    org_a = OrganisationFactory(name="Alpha Bank", sector="bank", jurisdiction="GB")
    org_b = OrganisationFactory(name="Beta Exchange", sector="exchange", jurisdiction="MT")
    alice = MembershipFactory(organisation=org_a, role=Role.ADMIN, user__username="alice").user
    bob = MembershipFactory(organisation=org_a, role=Role.VIEWER, user__username="bob").user
    charlie = MembershipFactory(organisation=org_b, role=Role.ANALYST, user__username="charlie").user
    # Everyone on the hub holds a second factor (apps.accounts); theirs is an authenticator app.
    for person in (alice, bob, charlie):
        TOTP.activate(person, generate_totp_secret())
    key_a, secret_a = ApiKeyFactory.with_secret(organisation=org_a, scopes=["report", "screen", "read", "manage"])
    key_b, secret_b = ApiKeyFactory.with_secret(organisation=org_b, scopes=["report", "screen", "read", "manage"])
    return World(org_a, org_b, alice, bob, charlie, key_a, secret_a, key_b, secret_b)


@pytest.fixture
def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def rfc_key(db) -> OprfKey:
    """The current OPRF key, imported from the RFC 9497 VOPRF vectors."""
    return oprf_key_add(actor=SYSTEM, secret_key=RFC_SECRET, activate=True)
