"""Privileges of the role web and worker processes connect as: everything they need, but the audit table append-only."""

from django.db import connection

from apps.audit.models import AuditEvent


class RoleError(Exception):
    """A role that cannot be made the restricted application role."""


def app_role_grant(*, role: str) -> list[str]:
    """Grant `role` the ordinary privileges on every table and sequence, and only SELECT and INSERT on the audit
    table. Run as the tables' owner after each migrate (new tables need their grants). Returns the statements run."""
    if connection.vendor != "postgresql":
        raise RoleError("Database roles are a PostgreSQL feature; the embedded SQLite default has none.")
    audit_table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(%s, c.relowner, 'MEMBER') FROM pg_roles r, pg_class c"
            " WHERE r.rolname = %s AND c.oid = %s::regclass",
            [role, role, audit_table],
        )
        row = cursor.fetchone()
    if row is None:
        raise RoleError(f"No role named {role!r}: create it first (CREATE ROLE ... LOGIN PASSWORD ...).")
    superuser, owns = row
    if superuser or owns:
        raise RoleError(f"{role!r} is a superuser or may act as the audit table's owner: it could rewrite history.")
    quoted = connection.ops.quote_name(role)
    tables = [name for name in connection.introspection.table_names(include_views=False) if name != audit_table]
    statements = [
        f"GRANT USAGE ON SCHEMA {connection.ops.quote_name(_schema())} TO {quoted}",
        *(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {connection.ops.quote_name(t)} TO {quoted}" for t in tables),
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {connection.ops.quote_name(_schema())} TO {quoted}",
        f"REVOKE ALL ON {connection.ops.quote_name(audit_table)} FROM {quoted}",
        f"GRANT SELECT, INSERT ON {connection.ops.quote_name(audit_table)} TO {quoted}",
    ]
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    return statements


def _schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]
