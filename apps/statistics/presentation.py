"""Release tables laid out for templates (which hold no logic): headers, rows of display strings, and why hidden."""

from typing import Any

from django.urls import reverse

from apps.statistics.charts import release_charts

HIDDEN = "suppressed"


def _text(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _cell(cell: dict[str, Any] | None, unsuppressed: bool) -> dict[str, Any]:
    if cell is None:
        return {"text": "", "hidden": False, "why": ""}
    if cell["value"] is None:
        return {"text": HIDDEN, "hidden": True, "why": ""}
    return {"text": _text(cell["value"]), "hidden": cell["suppressed"], "why": cell.get("reason", "")}


def _row(row: dict[str, Any], columns: list[dict[str, str]], unsuppressed: bool) -> dict[str, Any]:
    return {"label": row["label"], "cells": [_cell(row["cells"].get(c["name"]), unsuppressed) for c in columns]}


def table_grid(table: dict[str, Any], *, unsuppressed: bool, csv_url: str = "") -> dict[str, Any]:
    return {
        "name": table["name"],
        "title": table["title"],
        "note": table["note"],
        "epsilon": table["epsilon"],
        "headers": [c["title"] for c in table["columns"]],
        "rows": [_row(row, table["columns"], unsuppressed) for row in table["rows"]],
        "total": _row(table["total"], table["columns"], unsuppressed) if table["total"] else None,
        "csv_url": csv_url,
    }


def release_page(view: dict[str, Any], *, unsuppressed: bool, csv_route: str) -> dict[str, Any]:
    """Everything a release page shows: parameters, plots, and each table with its CSV link."""
    tables = [
        table_grid(t, unsuppressed=unsuppressed, csv_url=reverse(csv_route, args=[view["id"], t["name"]]))
        for t in view["tables"]
    ]
    return {
        "release": view,
        "charts": release_charts(view),
        "statistics_tables": [
            t for t, raw in zip(tables, view["tables"], strict=True) if raw["section"] == "statistics"
        ],
        "transparency_tables": [
            t for t, raw in zip(tables, view["tables"], strict=True) if raw["section"] == "transparency"
        ],
        "unsuppressed": unsuppressed,
    }
