"""CSV of one release table: members get the suppressed view, hub administrators every true value."""

import csv
import io
from typing import Any

SUPPRESSED = "suppressed"


def _members_value(cell: dict[str, Any] | None) -> Any:
    if cell is None:
        return ""
    return SUPPRESSED if cell["suppressed"] else cell["value"]


def table_csv(table: dict[str, Any], *, unsuppressed: bool = False) -> str:
    """One line per row (and the total); a hidden cell reads `suppressed`, or for hub administrators its true
    value followed by a column saying why members do not see it."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [table["dimension"] or "row", "label"]
    for column in table["columns"]:
        header += [column["name"], f"{column['name']} hidden from members"] if unsuppressed else [column["name"]]
    writer.writerow(header)
    for row in [*table["rows"], *([table["total"]] if table["total"] else [])]:
        line = [row["key"], row["label"]]
        for column in table["columns"]:
            cell = row["cells"].get(column["name"])
            if unsuppressed:
                line += ["", ""] if cell is None else [cell["value"], cell["reason"] if cell["suppressed"] else ""]
            else:
                line.append(_members_value(cell))
        writer.writerow(line)
    return out.getvalue()
