"""On PostgreSQL, refuse UPDATE and DELETE on release tables at the database itself: a release never changes."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION statistics_release_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'statistics releases are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER statistics_release_immutable
    BEFORE UPDATE OR DELETE ON statistics_release
    FOR EACH ROW EXECUTE FUNCTION statistics_release_refuse_change();
CREATE TRIGGER statistics_releasetable_immutable
    BEFORE UPDATE OR DELETE ON statistics_releasetable
    FOR EACH ROW EXECUTE FUNCTION statistics_release_refuse_change();
"""

DROP = """
DROP TRIGGER IF EXISTS statistics_release_immutable ON statistics_release;
DROP TRIGGER IF EXISTS statistics_releasetable_immutable ON statistics_releasetable;
DROP FUNCTION IF EXISTS statistics_release_refuse_change();
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # no params: keep the % of RAISE literal

    return run


class Migration(migrations.Migration):
    dependencies = [("statistics", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
