"""Plain rows to and from the database, without the ORM's work per row or per query.

Writing: a batch that makes thousands of matches writes their participants and, for each party told, a
notification, its deliveries, a review and told-about rows: `bulk_create` spent most of its time
instantiating models and compiling a placeholder per value. On PostgreSQL each column travels as one
array and `unnest` turns them back into rows.

Reading: every API request looks its key up, and compiling that one-row query through the ORM took a
quarter of a screening's CPU. Written out once, its row becomes models as the ORM would make them.
"""

import json
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from django.db import connection, models


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple[Any, ...]], *, ignore_conflicts: bool = False
) -> list[int]:
    """Insert `rows`, each the values of `fields` in order, and return their ids in that order.

    Every other field takes its default, which may be computed once for all the rows: a field whose
    default must differ from row to row (a fresh uuid) is given. With `ignore_conflicts` no ids return.
    """
    if not rows:
        return []
    given = [model._meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        attnames = [field.attname for field in given]  # a foreign key's column takes the id
        created = model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return [] if ignore_conflicts else [obj.pk for obj in created]
    rest = [field for field in model._meta.concrete_fields if not field.primary_key and field.name not in fields]
    columns = ", ".join(field.column for field in [*given, *rest])
    arrays = ", ".join(array_parameter(field) for field in given)
    defaults = "".join(f", %s::{field.db_type(connection)}" for field in rest)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 - names from the model, values as parameters
        f"SELECT *{defaults} FROM unnest({arrays})"
        # As `bulk_create` relies on, PostgreSQL numbers and returns the rows in the order unnest gives them.
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else " RETURNING id")
    )
    params = [
        *(field.get_db_prep_save(field.get_default(), connection) for field in rest),
        *(_array(field, column) for field, column in zip(given, zip(*rows, strict=True), strict=True)),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [] if ignore_conflicts else [pk for (pk,) in cursor.fetchall()]


def array_parameter(field: models.Field) -> str:
    """The placeholder of one column's values as an array for `unnest`.

    JSON goes as text and is cast element by element: psycopg2 has no jsonb[] adapter."""
    return "%s::text[]::jsonb[]" if isinstance(field, models.JSONField) else f"%s::{field.db_type(connection)}[]"


def _array(field: models.Field, values: tuple[Any, ...]) -> list[Any]:
    if isinstance(field, models.JSONField):
        # Encoded as the field encodes it for `bulk_create`; None is SQL NULL there too.
        return [None if value is None else json.dumps(value, cls=field.encoder) for value in values]
    return list(values)


def model_columns(model: type[models.Model], alias: str) -> str:
    """The select list of every concrete field of `model`, under the table alias `alias`."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in model._meta.concrete_fields)


def model_from_row(model: type[models.Model], values: Sequence[Any]) -> models.Model:
    """A model from the values of `model_columns(model, ...)`, converted as the ORM converts them."""
    converters = _converters(model, connection.vendor)
    converted = list(values)
    for index, convert in converters:
        converted[index] = convert(converted[index])
    return model.from_db(connection.alias, [field.attname for field in model._meta.concrete_fields], converted)


Converter = Callable[[Any], Any]


@cache
def _converters(model: type[models.Model], vendor: str) -> list[tuple[int, Converter]]:
    # The backend's converters run before the field's, as in SQLCompiler.apply_converters.
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        steps = [*connection.ops.get_db_converters(column), *field.get_db_converters(connection)]
        if steps:
            found.append((index, _chain(steps, column)))
    return found


def _chain(steps: list[Callable[..., Any]], column: Any) -> Converter:
    def convert(value: Any) -> Any:
        for step in steps:
            value = step(value, column, connection)
        return value

    return convert
