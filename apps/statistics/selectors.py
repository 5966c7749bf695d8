"""Reading releases: the list, one release, and a release's tables as members or hub administrators see them.

Members see the suppressed view: a suppressed cell is `{"value": null, "suppressed": true}` and its true
value never leaves the database. Hub administrators see every true value, and what members see beside it.
"""

from typing import Any

from django.db.models import QuerySet

from apps.common.errors import NotFound
from apps.common.public_ids import internal_id, public_id
from apps.statistics.models import GovernmentRequest, Release, ReleaseTable
from apps.statistics.periods import Period


def release_list() -> QuerySet[Release]:
    return Release.objects.all()


def release_get(*, release_id: str) -> Release:
    release = Release.objects.filter(pk=internal_id("release", release_id)).first()
    if release is None:
        raise NotFound("No such release.")
    return release


def release_latest() -> Release | None:
    return Release.objects.first()


def release_latest_for(*, period: Period) -> Release | None:
    return Release.objects.filter(period_start=period.start, period_end=period.end).first()


def government_request_list() -> QuerySet[GovernmentRequest]:
    return GovernmentRequest.objects.all()


def government_request_get(*, request_id: str) -> GovernmentRequest:
    found = GovernmentRequest.objects.filter(pk=internal_id("government_request", request_id)).first()
    if found is None:
        raise NotFound("No such government request.")
    return found


def _member_cell(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"value": None if cell["suppressed"] else cell["published"], "suppressed": cell["suppressed"]}


def _full_cell(cell: dict[str, Any] | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {
        "value": cell["value"],
        "suppressed": cell["suppressed"],
        "reason": cell["reason"],
        "published": cell["published"],
        "wallets": cell["wallets"],
        "organisations": cell["organisations"],
    }


def _row(row: dict[str, Any], show: Any) -> dict[str, Any]:
    return {"key": row["key"], "label": row["label"], "cells": {n: show(c) for n, c in row["cells"].items()}}


def _table(table: ReleaseTable, *, unsuppressed: bool) -> dict[str, Any]:
    show = _full_cell if unsuppressed else _member_cell
    rows = table.rows
    if table.open_rows and not unsuppressed:
        rows = [row for row in rows if not any(c and c["suppressed"] for c in row["cells"].values())]
    return {
        "name": table.name,
        "title": table.title,
        "section": table.section,
        "dimension": table.dimension,
        "note": table.note,
        "epsilon": table.epsilon,
        "columns": table.columns,
        "rows": [_row(row, show) for row in rows],
        "total": _row(table.total, show) if table.total else None,
    }


def release_summary(release: Release) -> dict[str, Any]:
    return {
        "id": public_id("release", release.pk),
        "period": {"label": release.period_label, "start": release.period_start, "end": release.period_end},
        "created_at": release.created_at,
        "k": release.k,
        "epsilon": release.epsilon,
        "epsilon_spent": release.epsilon_spent,
    }


def release_view(release: Release, *, unsuppressed: bool = False) -> dict[str, Any]:
    """The release as members see it, or (`unsuppressed`, hub administrators only) with every true value."""
    return {
        **release_summary(release),
        "parameters": release.parameters,
        "tables": [_table(table, unsuppressed=unsuppressed) for table in release.tables.all()],
    }
