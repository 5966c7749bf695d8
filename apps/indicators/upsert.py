"""Storing a batch of reports on PostgreSQL set-based.

A 10,000-item batch through `bulk_create` spends most of its time building model objects and
compiling 240,000 placeholders. Tokens the organisation reports for the first time (nearly all of a
batch) go in with COPY, their ids drawn from the table's sequence first so nothing is read back;
re-reported ones are updated in one statement where each column travels as one array and `unnest`
turns them back into rows.
"""

import io
import json
from datetime import datetime
from typing import Any

from django.db import connection

from apps.common.rows import array_parameter
from apps.indicators.models import Report, ReportStatus
from apps.indicators.selectors import TokenPair


def _columns() -> list[tuple[str, Any]]:
    """(column, field) for every stored column but the id, in model order."""
    return [(field.column, field) for field in Report._meta.concrete_fields if not field.primary_key]


def _arrays(organisation_id: int, rows: list[dict[str, Any]], now: datetime) -> list[list[Any]]:
    """Each stored column's values for the rows, as active reports of the organisation from now."""
    fixed = {
        "organisation": organisation_id,
        "status": ReportStatus.ACTIVE,
        "created_at": now,
        "updated_at": now,
        "active_since": now,
        "ended_at": None,
    }
    arrays = []
    for _, field in _columns():
        if field.name in fixed:
            values = [fixed[field.name]] * len(rows)
        elif field.name in rows[0]:
            values = [row[field.name] for row in rows]
        else:
            values = [field.get_default()] * len(rows)
        if field.get_internal_type() == "JSONField":
            values = _json_column(values)
        arrays.append(values)
    return arrays


def reports_insert(*, organisation_id: int, rows: list[dict[str, Any]], now: datetime) -> dict[TokenPair, int]:
    """COPY rows the organisation has never reported as active reports; return each token's report id.

    Call with the tokens' locks held (`apps.matching.locks`), so no other batch inserts them meanwhile.
    """
    table = Report._meta.db_table
    columns = ", ".join(column for column, _ in _columns())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        columns_text = [map(str, ids), *(_csv_column(values) for values in _arrays(organisation_id, rows, now))]
        text = io.StringIO("".join(",".join(line) + "\n" for line in zip(*columns_text, strict=True)))
        cursor.cursor.copy_expert(f"COPY {table} (id, {columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", text)
    return {(row["key_id"], row["token"]): pk for pk, row in zip(ids, rows, strict=True)}


def _json_column(values: list[Any]) -> list[str]:
    """JSON values as text; rows given one policy share its lists, so each list object is encoded once."""
    distinct = {id(value): value for value in values}
    encoded = {key: json.dumps(value) for key, value in distinct.items()}
    return [encoded[id(value)] for value in values]


def _csv_column(values: list[Any]) -> list[str]:
    """A column's values as CSV fields; most columns repeat a few values, each encoded once."""
    encoded = {value: _csv(value) for value in set(values)}
    return list(map(encoded.__getitem__, values))


def _csv(value: Any) -> str:
    # Quoted, every value is itself (an empty string too); only the unquoted marker is NULL.
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return '"' + str(value).replace('"', '""') + '"'


def reports_upsert(
    *, organisation_id: int, rows: list[dict[str, Any]], update_fields: list[str], now: datetime
) -> dict[TokenPair, int]:
    """Insert the rows as active reports, or update the organisation's own; return each token's report id.

    A report coming back from withdrawal or expiry is active again from now; one still active keeps its date.
    """
    columns = _columns()
    arrays = _arrays(organisation_id, rows, now)
    updated = [Report._meta.get_field(name).column for name in update_fields]
    table = Report._meta.db_table
    active = ReportStatus.ACTIVE.value
    sql = (
        f"INSERT INTO {table} ({', '.join(column for column, _ in columns)}) "  # noqa: S608 - names from the model
        f"SELECT * FROM unnest({', '.join(array_parameter(field) for _, field in columns)}) "
        "ON CONFLICT (organisation_id, key_id, token) DO UPDATE SET "
        + ", ".join(f"{column} = EXCLUDED.{column}" for column in updated)
        + f", active_since = CASE WHEN {table}.status <> '{active}' THEN EXCLUDED.active_since"
        f" ELSE {table}.active_since END "
        "RETURNING id, key_id, token"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return {(key_id, token): pk for pk, key_id, token in cursor.fetchall()}
