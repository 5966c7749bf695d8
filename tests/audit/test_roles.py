"""The role web and workers connect as can read and append audit events, and nothing more."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.audit.services import audit_chain_verify, audit_log
from apps.common.actors import SYSTEM

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]
ROLE = "vigil_test_app"


@pytest.fixture
def app_role() -> str:
    """A fresh non-owner role given its privileges by the command; everything is rolled back with the test."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
    call_command("db_app_role", ROLE)
    return ROLE


def _as_role(role: str, statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(statement)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent", "TRUNCATE audit_auditevent"],
)
def test_the_app_role_may_not_change_or_remove_audit_events(app_role: str, statement: str) -> None:
    audit_log(actor=SYSTEM, action="test.before")
    with pytest.raises(DatabaseError, match="permission denied"):
        _as_role(app_role, statement)
    assert AuditEvent.objects.count() == 1


@pytest.mark.parametrize(
    "statement",
    ["ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only", "DROP TABLE audit_auditevent"],
)
def test_the_app_role_does_not_own_the_audit_table(app_role: str, statement: str) -> None:
    with pytest.raises(DatabaseError, match="must be owner"):
        _as_role(app_role, statement)


def test_the_app_role_appends_and_reads_audit_events_and_works_other_tables(app_role: str, world) -> None:
    audit_log(actor=SYSTEM, action="test.before")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {app_role}")
        audit_log(actor=SYSTEM, action="test.as_app_role")
        assert audit_chain_verify().checked == 2
        cursor.execute("UPDATE organisations_organisation SET contact_name = 'x' WHERE id = %s", [world.org_a.pk])
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role


def test_the_command_refuses_a_role_that_could_act_as_the_owner() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="rewrite history"):
        call_command("db_app_role", owner)


def test_the_command_names_a_missing_role() -> None:
    with pytest.raises(CommandError, match="No role named"):
        call_command("db_app_role", "no_such_role_here")
