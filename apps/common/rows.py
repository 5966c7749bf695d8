"""Inserting many plain rows without building a model for each.

A batch that makes thousands of matches writes a review and told-about rows for each participant:
`bulk_create` spent most of its time instantiating models and compiling a placeholder per value.
On PostgreSQL each column travels as one array and `unnest` turns them back into rows.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]], *, ignore_conflicts: bool = False
) -> None:
    """Insert `rows`, each the values of `fields` in order; every other field takes its default.

    For models without JSON fields (psycopg2 has no jsonb[] adapter).
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(fields, row, strict=True))) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return
    given = [model._meta.get_field(name) for name in fields]
    rest = [field for field in model._meta.concrete_fields if not field.primary_key and field.name not in fields]
    columns = ", ".join(field.column for field in [*given, *rest])
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in given)
    defaults = "".join(f", %s::{field.db_type(connection)}" for field in rest)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 - names from the model, values as parameters
        f"SELECT *{defaults} FROM unnest({arrays})" + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    params = [
        *(field.get_db_prep_save(field.get_default(), connection) for field in rest),
        *(list(column) for column in zip(*rows, strict=True)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
