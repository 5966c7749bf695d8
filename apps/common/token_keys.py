"""Keys that include the token, so the token tables can be hash-distributed by it (README: Scaling out).

Citus co-locates rows by their distribution column and accepts a primary key, unique constraint or
foreign key between distributed tables only when it includes that column. Django declares a primary
key of one column and foreign keys to it, so on PostgreSQL these migration operations swap them for
`(id, token)`: the model keeps `id` as its primary key for the ORM, which still finds a row by id
through the composite index, and its foreign keys to token tables are declared without a constraint
of their own. The embedded SQLite database of a first run keeps Django's keys.
"""

from django.db import migrations, models
from django.db.migrations.operations.base import Operation


def _quote(schema_editor, name: str) -> str:
    return schema_editor.connection.ops.quote_name(name)


def _primary_key_name(schema_editor, table: str) -> str:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    (name,) = [name for name, info in constraints.items() if info["primary_key"]]
    return name


class KeyByToken(Operation):
    """Make the primary key of `model` (app_label.ModelName) `(id, token)`."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model: str) -> None:
        self.model = model

    def state_forwards(self, app_label, state) -> None:
        pass  # the ORM's primary key stays `id`

    def _alter(self, schema_editor, apps, columns: str) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table = apps.get_model(self.model)._meta.db_table
        schema_editor.execute(
            f"ALTER TABLE {_quote(schema_editor, table)} "
            f"DROP CONSTRAINT {_quote(schema_editor, _primary_key_name(schema_editor, table))}, "
            f"ADD CONSTRAINT {_quote(schema_editor, table + '_pkey')} PRIMARY KEY ({columns})"
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._alter(schema_editor, to_state.apps, "id, token")

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        self._alter(schema_editor, to_state.apps, "id")

    def describe(self) -> str:
        return f"Primary key of {self.model} becomes (id, token)"


class ReferByToken(Operation):
    """Constrain `model`'s foreign key `field` as `(field_id, token)` referencing the target's `(id, token)`."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model: str, field: str) -> None:
        self.model, self.field = model, field

    def state_forwards(self, app_label, state) -> None:
        pass

    def _names(self, schema_editor, apps) -> tuple[str, str, str, str]:
        model = apps.get_model(self.model)
        field = model._meta.get_field(self.field)
        table = model._meta.db_table
        return table, field.column, field.related_model._meta.db_table, f"{table}_{field.column}_token_fk"

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table, column, target, name = (_quote(schema_editor, n) for n in self._names(schema_editor, to_state.apps))
        # Deferred to the commit, as Django's own foreign keys are.
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}, token) "
            f"REFERENCES {target} (id, token) DEFERRABLE INITIALLY DEFERRED"
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        table, _, _, name = (_quote(schema_editor, n) for n in self._names(schema_editor, from_state.apps))
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")

    def describe(self) -> str:
        return f"Foreign key {self.model}.{self.field} becomes (id, token)"


def copy_match_token(model: str) -> migrations.RunPython:
    """Fill a new `token` column of `model` from the match each row refers to."""

    def forwards(apps, schema_editor) -> None:
        from django.db.models import OuterRef, Subquery

        match = apps.get_model("matching", "Match")
        apps.get_model(model).objects.filter(match_id__isnull=False).update(
            token=Subquery(match.objects.filter(pk=OuterRef("match_id")).values("token")[:1])
        )

    return migrations.RunPython(forwards, migrations.RunPython.noop)


def unconstrained_foreign_key(model: str, name: str, to: str, on_delete, **options) -> migrations.AlterField:
    """Declare `model.name` without Django's one-column constraint: `ReferByToken` adds the composite one."""
    return migrations.AlterField(
        model, name, models.ForeignKey(to=to, on_delete=on_delete, db_constraint=False, **options)
    )


def unique_with_token(model: str, name: str, fields: list[str], **options) -> list[Operation]:
    """Replace the unique constraint `name` of `model` by one over `fields` and the token."""
    constraint = models.UniqueConstraint(fields=[*fields, "token"], name=name, **options)
    return [migrations.RemoveConstraint(model, name), migrations.AddConstraint(model, constraint)]
