"""Plots drawn on the server as inline SVG: a time series, stacked categories, and the sector overlap.

Only presentation attributes, never a style attribute or element, so the pages keep the strict content
security policy; every mark carries a <title> for screen readers and hover. A suppressed value is not
drawn: the time series leaves a gap and marks it, the stacked bars and the grid say "hidden".
"""

from collections.abc import Iterable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0a5bb5", "#d97706", "#1a7f37", "#a4161a", "#7c3aed", "#0f766e", "#57606a", "#b45309"]
INK, MUTED, LINE = "#1b1f24", "#57606a", "#d0d7de"
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 56, 150, 16, 40


def _value(cell: dict[str, Any] | None) -> float | None:
    return None if cell is None or cell["value"] is None else float(cell["value"])


def _svg(title: str, body: Iterable[str], width: int = WIDTH, height: int = HEIGHT) -> SafeString:
    inner = "".join(body)
    return mark_safe(  # noqa: S308  (every text inside was escaped)
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
        f' role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>{inner}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11, fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-family="sans-serif" fill="{fill}"'
        f' text-anchor="{anchor}">{escape(text)}</text>'
    )


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    return float(((int(value) // step) + 1) * step)


def _axes(top: float, labels: list[str], x_of: Any, plot_height: float) -> list[str]:
    base = TOP + plot_height
    parts = [f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" stroke="{LINE}"/>']
    for i in range(5):
        y = TOP + plot_height * i / 4
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{LINE}"/>')
        parts.append(_text(LEFT - 6, y + 4, f"{top * (4 - i) / 4:,.0f}", "end", 10, MUTED))
    every = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(_text(x_of(i), base + 16, label, "middle", 10, MUTED))
    return parts


def _legend(names: list[str]) -> list[str]:
    parts = []
    for i, name in enumerate(names):
        y = TOP + 14 * i + 8
        colour = PALETTE[i % len(PALETTE)]
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{y - 8}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(WIDTH - RIGHT + 26, y + 1, name, size=10))
    return parts


def time_series(table: dict[str, Any], columns: list[str]) -> SafeString:
    """One line per column over the table's rows (months); a hidden month breaks the line and is marked."""
    labels = [row["label"] for row in table["rows"]]
    titles = {column["name"]: column["title"] for column in table["columns"]}
    values = [[_value(row["cells"].get(name)) for row in table["rows"]] for name in columns]
    top = _nice_max(max([v for series in values for v in series if v is not None], default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    span = max(1, len(labels) - 1)

    def x_of(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (i / span if len(labels) > 1 else 0.5)

    def y_of(v: float) -> float:
        return TOP + plot_height * (1 - v / top)

    parts = _axes(top, labels, x_of, plot_height)
    for n, series in enumerate(values):
        colour = PALETTE[n % len(PALETTE)]
        run: list[str] = []
        for i, v in enumerate([*series, None]):
            if v is not None:
                run.append(f"{x_of(i):.1f},{y_of(v):.1f}")
                continue
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>')
            run = []
        for i, v in enumerate(series):
            label = f"{titles[columns[n]]}, {labels[i]}: "
            if v is None:
                parts.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{TOP + plot_height:.1f}" r="4" fill="#fff" stroke="{colour}">'
                    f"<title>{escape(label)}hidden</title></circle>"
                )
            else:
                parts.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(label)}{v:,.0f}</title></circle>"
                )
    parts += _legend([titles[name] for name in columns])
    return _svg(table["title"], parts)


def stacked_bars(table: dict[str, Any]) -> SafeString:
    """One bar per row (month) stacking every column (category); hidden cells are left out and said so."""
    labels = [row["label"] for row in table["rows"]]
    names = [column["name"] for column in table["columns"]]
    totals = [sum(_value(row["cells"].get(n)) or 0 for n in names) for row in table["rows"]]
    top = _nice_max(max(totals, default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(labels))

    def x_of(i: int) -> float:
        return LEFT + slot * (i + 0.5)

    parts = _axes(top, labels, x_of, plot_height)
    for i, row in enumerate(table["rows"]):
        y = TOP + plot_height
        hidden = 0
        for n, column in enumerate(table["columns"]):
            v = _value(row["cells"].get(column["name"]))
            if v is None:
                hidden += 1
                continue
            height = plot_height * v / top
            y -= height
            parts.append(
                f'<rect x="{x_of(i) - slot * 0.35:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}"'
                f' fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(column["title"])}, {escape(row["label"])}:'
                f" {v:,.0f}</title></rect>"
            )
        if hidden:
            parts.append(_text(x_of(i), y - 4, f"{hidden} hidden", "middle", 9, MUTED))
    parts += _legend([column["title"] for column in table["columns"]])
    return _svg(table["title"], parts)


def overlap_grid(table: dict[str, Any]) -> SafeString:
    """A square per pair of sectors, darker for more shared wallets; hidden pairs grey."""
    rows, columns = table["rows"], table["columns"]
    size, left, top_margin = 44, 150, 118
    width, height = left + size * len(columns) + 10, top_margin + size * len(rows) + 10
    values = [_value(c) for row in rows for c in row["cells"].values() if c is not None]
    top = max([v for v in values if v is not None], default=0) or 1
    parts = []
    for j, column in enumerate(columns):
        x = left + size * j + size / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top_margin - 8}" font-size="10" font-family="sans-serif" fill="{INK}"'
            f' transform="rotate(-45 {x:.1f} {top_margin - 8})">{escape(column["title"])}</text>'
        )
    for i, row in enumerate(rows):
        y = top_margin + size * i
        parts.append(_text(left - 6, y + size / 2 + 4, row["label"], "end", 10))
        for j, column in enumerate(columns):
            cell = row["cells"].get(column["name"])
            x = left + size * j
            if cell is None:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{size - 2}" height="{size - 2}" fill="#fff" stroke="{LINE}"/>'
                )
                continue
            v = _value(cell)
            what = f"{row['label']} and {column['title']}: " + ("hidden" if v is None else f"{v:,.0f}")
            shade = 'fill="#e5e7eb"' if v is None else f'fill="{PALETTE[0]}" fill-opacity="{0.12 + 0.88 * v / top:.2f}"'
            parts.append(
                f'<rect x="{x}" y="{y}" width="{size - 2}" height="{size - 2}" {shade}>'
                f"<title>{escape(what)}</title></rect>"
            )
            text = "hidden" if v is None else f"{v:,.0f}"
            colour = "#fff" if v is not None and v / top > 0.55 else INK
            parts.append(_text(x + size / 2 - 1, y + size / 2 + 3, text, "middle", 10, colour))
    return _svg(table["title"], parts, width, height)


def release_charts(view: dict[str, Any]) -> dict[str, SafeString]:
    tables = {table["name"]: table for table in view["tables"]}
    return {
        "months": time_series(tables["wallets-by-month"], ["wallets", "new", "recurring"]),
        "categories": stacked_bars(tables["categories-by-month"]),
        "overlap": overlap_grid(tables["sector-overlap"]),
    }
